"""The reason for 不通過: not blank once the characters nobody can see are dropped."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.review import MAX_REASON, clean_reason


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("關係人資料不符", "關係人資料不符"),
        ("  監護人\u3000證明\t未附  ", "監護人 證明 未附"),
        ("\u200b資料\u200d不符\ufeff", "資料不符"),
        ("\u202e反向\u202c", "反向"),
    ],
)
def test_invisible_characters_are_dropped_and_spaces_collapsed(typed: str, kept: str) -> None:
    assert clean_reason(typed) == kept


@pytest.mark.parametrize(
    "typed", ["", "   ", "\u3000", "\u200b\u2060\ufeff", "\u200e\t\u200f\n", "\x00\x07"]
)
def test_nothing_visible_is_refused(typed: str) -> None:
    with pytest.raises(DomainError) as refused:
        clean_reason(typed)
    assert (refused.value.code, refused.value.field) == (ErrorCode.REQUEST_INVALID, "reason")


def test_too_long_is_refused_after_cleaning() -> None:
    assert clean_reason("字" * MAX_REASON + "\u200b" * 5) == "字" * MAX_REASON
    with pytest.raises(DomainError):
        clean_reason("字" * (MAX_REASON + 1))
