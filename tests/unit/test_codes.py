"""The one-time code rule, shared by the code boxes and the registry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.codes import CODE_LENGTH, code_digits, parse_code
from kiosk.domain.errors import DomainError, ErrorCode


@pytest.mark.parametrize("typed", ["549497", "５４９４９７", " 549 497 ", "５４９　４９７"])
def test_six_digits_however_typed_are_the_code(typed: str) -> None:
    assert parse_code(typed) == "549497"


@pytest.mark.parametrize("typed", ["", "54949", "5494970", "54949a", "549-497", "٥٤٩٤٩٧"])
def test_anything_else_is_refused_as_not_six_digits(typed: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_code(typed)
    assert refused.value.code is ErrorCode.CODE_FORMAT


def test_the_boxes_keep_only_ascii_digits_of_what_was_pasted() -> None:
    assert code_digits("５４９ ４９７") == "549497"
    assert code_digits("549-497 ٥") == "549497"


@given(st.text())
def test_any_text_is_a_code_or_a_code_format_error(typed: str) -> None:
    code: str | ErrorCode
    try:
        code = parse_code(typed)
    except DomainError as error:
        code = error.code
    if isinstance(code, ErrorCode):
        assert code is ErrorCode.CODE_FORMAT
    else:
        assert len(code) == CODE_LENGTH
        assert code == code_digits(typed)
