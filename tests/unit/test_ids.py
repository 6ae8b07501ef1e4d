"""Identity numbers: every valid number of each kind passes with its kind; a wrong check digit,
a wrong shape or nothing at all is refused with the matching typed error, never anything else."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import IdKind, IdNumber, id_check_digit, make_id, normalize_id, parse_id

# The letter order of the official table: a letter's code is its position here plus 10. Written
# out independently of the module's mapping, so the two must agree rather than share a mistake.
OFFICIAL_ORDER = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
T = TypeVar("T")
SECOND = {IdKind.CITIZEN: "12", IdKind.OLD_RESIDENT: "ABCD", IdKind.NEW_RESIDENT: "89"}


def reference_check_digit(first_nine: str) -> int:
    """The check digit as the Ministry of the Interior describes it, computed independently."""
    code = OFFICIAL_ORDER.index(first_nine[0]) + 10
    second = first_nine[1]
    digits = [code // 10, code % 10]
    digits.append(OFFICIAL_ORDER.index(second) % 10 if second.isalpha() else int(second))
    digits.extend(int(c) for c in first_nine[2:])
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    total = sum(d * w for d, w in zip(digits, weights, strict=True))
    return (10 - total % 10) % 10


@st.composite
def valid_ids(draw: st.DrawFn) -> tuple[str, IdKind]:
    kind = draw(st.sampled_from(IdKind))
    first_nine = (
        draw(st.sampled_from(OFFICIAL_ORDER))
        + draw(st.sampled_from(SECOND[kind]))
        + draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    )
    return first_nine + str(reference_check_digit(first_nine)), kind


def attempt(parse: Callable[[str], T], raw: str) -> T | DomainError:
    """The parsed value, or the DomainError raised (anything else propagates and fails)."""
    try:
        return parse(raw)
    except DomainError as error:
        return error


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("A123456789", IdKind.CITIZEN),  # the tutorial's student 陳曉明
        ("YA94109161", IdKind.OLD_RESIDENT),  # the tutorial's parent 王曉明
        ("YA94423433", IdKind.OLD_RESIDENT),  # the student ID typed in the tutorial
    ],
)
def test_the_tutorials_numbers_are_valid(raw: str, kind: IdKind) -> None:
    parsed = parse_id(raw)
    assert parsed == IdNumber(raw, kind)
    assert str(parsed) == raw


@settings(max_examples=150, deadline=None)
@given(valid_ids())
def test_every_valid_number_passes_with_its_kind(generated: tuple[str, IdKind]) -> None:
    value, kind = generated
    assert parse_id(value) == IdNumber(value, kind)
    assert id_check_digit(value[:9]) == int(value[9])


@settings(max_examples=100, deadline=None)
@given(valid_ids())
def test_every_other_check_digit_is_refused(generated: tuple[str, IdKind]) -> None:
    value, _kind = generated
    for digit in "0123456789".replace(value[9], ""):
        with pytest.raises(DomainError) as caught:
            parse_id(value[:9] + digit, field="student_id")
        assert caught.value == DomainError(ErrorCode.ID_CHECKSUM, field="student_id")


@settings(max_examples=100, deadline=None)
@given(valid_ids(), st.data())
def test_full_width_lower_case_spaced_and_hyphenated_input_normalises(
    generated: tuple[str, IdKind], data: st.DataObject
) -> None:
    value, kind = generated
    chars = [
        data.draw(st.sampled_from([c, c.lower(), full_width(c), full_width(c.lower())]))
        for c in value
    ]
    separators = st.sampled_from(["", "", " ", "\u3000", "-", "\uff0d", "\u2013", "\t"])
    typed = (
        data.draw(separators)
        + "".join(c + data.draw(separators) for c in chars)
        + data.draw(separators)
    )
    assert normalize_id(typed) == value
    assert parse_id(typed) == IdNumber(value, kind)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", ErrorCode.ID_EMPTY),
        (" \u3000-\t", ErrorCode.ID_EMPTY),
        ("A12345678", ErrorCode.ID_FORMAT),  # nine characters
        ("A1234567890", ErrorCode.ID_FORMAT),  # eleven
        ("A323456789", ErrorCode.ID_FORMAT),  # citizen gender digit must be 1 or 2
        ("AE23456789", ErrorCode.ID_FORMAT),  # old resident second letter is A-D
        ("1123456789", ErrorCode.ID_FORMAT),
        ("A12345678٩", ErrorCode.ID_FORMAT),  # an Arabic-Indic nine is no ASCII digit
        ("A123456780", ErrorCode.ID_CHECKSUM),
        ("YA94109162", ErrorCode.ID_CHECKSUM),
    ],
)
def test_refusals_say_why(raw: str, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as caught:
        parse_id(raw, field="parent_id")
    assert caught.value == DomainError(code, field="parent_id")


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet="AaYｙB1289０９ -\u3000ÿﬀß٣"))
@example("ß" * 5)
@example("\u0130")  # upper-cases to two code points
def test_any_input_raises_nothing_but_a_domain_error(raw: str) -> None:
    outcome = attempt(parse_id, raw)
    if isinstance(outcome, DomainError):
        assert outcome.code in {ErrorCode.ID_EMPTY, ErrorCode.ID_FORMAT, ErrorCode.ID_CHECKSUM}
    else:
        assert parse_id(outcome.value) == outcome


@pytest.mark.parametrize("kind", list(IdKind))
def test_made_numbers_are_valid_and_repeatable(kind: IdKind) -> None:
    made = [make_id(kind, random.Random(7)) for _ in range(2)]
    assert made[0] == made[1]
    rng = random.Random(11)
    for _ in range(200):
        number = make_id(kind, rng)
        assert parse_id(number.value) == number
        assert number.kind is kind


def test_an_id_number_cannot_be_built_invalid() -> None:
    with pytest.raises(DomainError):
        IdNumber("A123456788", IdKind.CITIZEN)
    with pytest.raises(DomainError):
        IdNumber("A123456789", IdKind.NEW_RESIDENT)
    with pytest.raises(DomainError):
        id_check_digit("A1234")
