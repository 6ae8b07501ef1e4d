"""Taiwanese identity numbers: the citizen ID and the two resident certificate formats.

Three kinds share one checksum:

* citizen ID (身分證字號): a letter, ``1`` or ``2``, then 8 digits (``A123456789``);
* old resident certificate (舊式居留證): two letters, the second ``A``–``D``, then 8 digits
  (``YA94109161``); the second letter counts as the last digit of its letter code;
* new resident certificate (新式居留證, since 2021): a letter, ``8`` or ``9``, then 8 digits.

The checksum: the first letter's two-digit code (A=10 … Z=33, with the historical order I=34,
O=35, W=32 …) contributes ``tens × 1 + units × 9``; the next 8 digits are weighted 8, 7, …, 1;
the check digit counts once; the total must be a multiple of 10.

Input is normalised first (full-width to half-width, upper case, spaces and dashes dropped), since
a parent may type with a Chinese input method left on.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kiosk.domain.errors import DomainError, ErrorCode

#: The two-digit code of each first letter (the order is historical, not alphabetical).
LETTER_CODES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "A": 10,
        "B": 11,
        "C": 12,
        "D": 13,
        "E": 14,
        "F": 15,
        "G": 16,
        "H": 17,
        "I": 34,
        "J": 18,
        "K": 19,
        "L": 20,
        "M": 21,
        "N": 22,
        "O": 35,
        "P": 23,
        "Q": 24,
        "R": 25,
        "S": 26,
        "T": 27,
        "U": 28,
        "V": 29,
        "W": 32,
        "X": 30,
        "Y": 31,
        "Z": 33,
    }
)

#: Weights of the 8 characters between the first letter and the check digit.
_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 1)

#: Length of a normalised identity number of any kind.
ID_LENGTH: Final = 10

# Dashes a parent may type between groups of digits that are not in the Unicode "Pd" category.
_EXTRA_DASHES: Final = frozenset("\u2212\u2010\u2011\u30fc\uff70")

_CITIZEN: Final = re.compile(r"[A-Z][12][0-9]{8}", re.ASCII)
_OLD_RESIDENT: Final = re.compile(r"[A-Z][A-D][0-9]{8}", re.ASCII)
_NEW_RESIDENT: Final = re.compile(r"[A-Z][89][0-9]{8}", re.ASCII)
#: A number typed already normalised (the common case, and every roster file's): any kind's shape.
_NORMALISED: Final = re.compile(r"[A-Z][12A-D89][0-9]{8}", re.ASCII)
#: The first letter's share of the checksum (``tens × 1 + units × 9`` of its code).
_LETTER_SUMS: Final = MappingProxyType(
    {letter: code // 10 + (code % 10) * 9 for letter, code in LETTER_CODES.items()}
)
#: What each of the 8 weighted characters counts as: a digit itself, an old resident
#: certificate's second letter its code's last digit (A→0 …).
_DIGIT_VALUES: Final = MappingProxyType(
    {**{str(d): d for d in range(10)}, **{c: code % 10 for c, code in LETTER_CODES.items()}}
)


class IdKind(StrEnum):
    """Which kind of identity number a value is."""

    CITIZEN = "citizen"
    OLD_RESIDENT = "old_resident"
    NEW_RESIDENT = "new_resident"


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A valid, normalised identity number and its kind.

    Build one with :func:`parse_id`; constructing it directly checks the same rules, so an
    ``IdNumber`` always holds a valid number.

    Attributes:
        value: The normalised number (``A123456789``).
        kind: Which kind of number it is.
    """

    value: str
    kind: IdKind

    def __post_init__(self) -> None:
        if _classify(self.value) is not self.kind:
            raise DomainError(ErrorCode.ID_FORMAT)

    def __str__(self) -> str:
        return self.value


def normalize_id(raw: str) -> str:
    """Normalises typed input before it is checked.

    Full-width characters become half-width (NFKC), letters become upper case, and whitespace
    (including the ideographic space U+3000) and hyphens or dashes are dropped.

    Args:
        raw: What was typed.

    Returns:
        The normalised text; it may still be no identity number at all.
    """
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(
        ch
        for ch in text
        if not ch.isspace() and unicodedata.category(ch) != "Pd" and ch not in _EXTRA_DASHES
    )


def _kind_of(value: str) -> IdKind | None:
    if _CITIZEN.fullmatch(value):
        return IdKind.CITIZEN
    if _OLD_RESIDENT.fullmatch(value):
        return IdKind.OLD_RESIDENT
    if _NEW_RESIDENT.fullmatch(value):
        return IdKind.NEW_RESIDENT
    return None


def _weighted_sum(first_nine: str) -> int:
    """The checksum's sum over the letter and the 8 weighted characters (not the check digit)."""
    d = _DIGIT_VALUES
    # Unrolled (weights 8 … 1): a roster import checks hundreds of thousands of numbers.
    return (
        _LETTER_SUMS[first_nine[0]]
        + 8 * d[first_nine[1]]
        + 7 * d[first_nine[2]]
        + 6 * d[first_nine[3]]
        + 5 * d[first_nine[4]]
        + 4 * d[first_nine[5]]
        + 3 * d[first_nine[6]]
        + 2 * d[first_nine[7]]
        + d[first_nine[8]]
    )


def _classify(value: str) -> IdKind | None:
    """The kind of a normalised, checksum-valid number, or None."""
    kind = _kind_of(value)
    if kind is None or (_weighted_sum(value[:9]) + int(value[9])) % 10 != 0:
        return None
    return kind


def parse_id(raw: str, *, field: str | None = None) -> IdNumber:
    """Checks a typed identity number and says which kind it is.

    Args:
        raw: What was typed (any string).
        field: The input the number came from, carried by the error.

    Returns:
        The normalised number with its kind.

    Raises:
        DomainError: ``ID_EMPTY`` when nothing was typed, ``ID_FORMAT`` when it has no
            identity number's shape, ``ID_CHECKSUM`` when the check digit is wrong.
    """
    value = check_id(raw, field=field)
    kind = _kind_of(value)
    assert kind is not None  # check_id accepted its shape
    return IdNumber(value, kind)


def check_id(raw: str, *, field: str | None = None) -> str:
    """:func:`parse_id` without its kind: the normalised number, checked the same way.

    Cheaper (no :class:`IdNumber` checked again on construction, no normalising of a number
    typed normalised): what a roster import calls for every pupil.

    Raises:
        DomainError: As :func:`parse_id`.
    """
    if _NORMALISED.fullmatch(raw):
        value = raw  # normalize_id would change nothing
    else:
        value = normalize_id(raw)
        if not value:
            raise DomainError(ErrorCode.ID_EMPTY, field=field)
        if _kind_of(value) is None:
            raise DomainError(ErrorCode.ID_FORMAT, field=field)
    if (_weighted_sum(value) + _DIGIT_VALUES[value[9]]) % 10 != 0:
        raise DomainError(ErrorCode.ID_CHECKSUM, field=field)
    return value


def id_check_digit(first_nine: str) -> int:
    """The check digit that completes the first nine characters of a number.

    Args:
        first_nine: A normalised number without its last digit (``A12345678``).

    Returns:
        The digit 0–9 that makes the checksum valid.

    Raises:
        DomainError: ``ID_FORMAT`` when ``first_nine`` has no identity number's shape.
    """
    if len(first_nine) != ID_LENGTH - 1 or _kind_of(first_nine + "0") is None:
        raise DomainError(ErrorCode.ID_FORMAT)
    return -_weighted_sum(first_nine) % 10


def make_id(kind: IdKind, rng: random.Random) -> IdNumber:
    """Makes a random valid number of one kind (for demo data and tests).

    Args:
        kind: Which kind of number to make.
        rng: The source of randomness (seed it for repeatable data).

    Returns:
        A valid number of that kind.
    """
    second = {
        IdKind.CITIZEN: "12",
        IdKind.OLD_RESIDENT: "ABCD",
        IdKind.NEW_RESIDENT: "89",
    }[kind]
    first_nine = (
        rng.choice(sorted(LETTER_CODES))
        + rng.choice(second)
        + "".join(rng.choice("0123456789") for _ in range(7))
    )
    return IdNumber(first_nine + str(id_check_digit(first_nine)), kind)
