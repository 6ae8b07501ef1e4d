"""The people of an application: how a parent relates to a student, school levels, names.

The tutorial's choices, kept exactly: a legal representative (法定代理人) is the father or the
mother; a guardian (監護人) is a grandfather, grandmother, maternal grandfather, maternal
grandmother, or other (其他, which asks what). Levels are 國小, 國中, 高中, 高職, 特教.

Labels are gettext message ids (English); the catalogs hold the tutorial's words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kiosk.domain.errors import N_, DomainError, ErrorCode

#: The longest name accepted, in characters after normalisation. A passport's machine-readable
#: zone holds 39 characters of name, so a resident's name as printed there fits.
NAME_MAX_LENGTH: Final = 40

#: The longest description of an "other" relationship (姑姑, 寄養家庭, ...).
RELATIONSHIP_DESCRIPTION_MAX_LENGTH: Final = 20

#: The separator between parts of a name written in Chinese characters (瓦旦·達道).
NAME_DOT: Final = "·"

# Look-alikes of the name dot and of the hyphen that input methods produce; a signature typed
# with one must equal a name registered with another.
_NAME_DOT_VARIANTS: Final = frozenset("\u00b7\u2027\u30fb\u2022\u2219\u22c5\u0387\u16eb")
_HYPHEN_VARIANTS: Final = frozenset("-\u2010\u2011\u2012\u2013\u2212")
_APOSTROPHE_VARIANTS: Final = frozenset("'\u2019\u2018\u02bc\u02bb")
_SEPARATORS: Final = frozenset({" ", "-", "'", ".", NAME_DOT})
#: A name that is already what :func:`parse_name` would return: Chinese characters of the
#: unified block (all letters, unchanged by NFKC), or ASCII words of letters with single spaces.
_PLAIN_NAME: Final = re.compile(
    rf"[\u4e00-\u9fff]{{1,{NAME_MAX_LENGTH}}}"
    rf"|(?=.{{1,{NAME_MAX_LENGTH}}}\Z)[A-Za-z]+(?: [A-Za-z]+)*"
)


class Role(StrEnum):
    """The legal standing of the person applying."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    GUARDIAN = "guardian"


class Relationship(StrEnum):
    """How the person applying is related to the student."""

    FATHER = "father"
    MOTHER = "mother"
    GRANDFATHER = "grandfather"
    GRANDMOTHER = "grandmother"
    MATERNAL_GRANDFATHER = "maternal_grandfather"
    MATERNAL_GRANDMOTHER = "maternal_grandmother"
    OTHER = "other"

    @property
    def role(self) -> Role:
        """法定代理人 for a father or mother, 監護人 for everyone else."""
        if self in (Relationship.FATHER, Relationship.MOTHER):
            return Role.LEGAL_REPRESENTATIVE
        return Role.GUARDIAN


#: The relationships offered under each role, in the tutorial's order.
RELATIONSHIPS_BY_ROLE: Final[Mapping[Role, tuple[Relationship, ...]]] = MappingProxyType(
    {
        role: tuple(relationship for relationship in Relationship if relationship.role is role)
        for role in Role
    }
)


class Level(StrEnum):
    """A school level, in the tutorial's order."""

    ELEMENTARY = "elementary"
    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    VOCATIONAL = "vocational"
    SPECIAL = "special"


#: Gettext message ids of the roles (zh_TW: 法定代理人, 監護人).
ROLE_LABELS: Final[Mapping[Role, str]] = MappingProxyType(
    {
        Role.LEGAL_REPRESENTATIVE: N_("Legal representative"),
        Role.GUARDIAN: N_("Guardian"),
    }
)

#: Gettext message ids of the relationships (zh_TW: 父親, 母親, 祖父, 祖母, 外祖父, 外祖母, 其他).
RELATIONSHIP_LABELS: Final[Mapping[Relationship, str]] = MappingProxyType(
    {
        Relationship.FATHER: N_("Father"),
        Relationship.MOTHER: N_("Mother"),
        Relationship.GRANDFATHER: N_("Grandfather"),
        Relationship.GRANDMOTHER: N_("Grandmother"),
        Relationship.MATERNAL_GRANDFATHER: N_("Maternal grandfather"),
        Relationship.MATERNAL_GRANDMOTHER: N_("Maternal grandmother"),
        Relationship.OTHER: N_("Other"),
    }
)

#: Gettext message ids of the levels (zh_TW: 國小, 國中, 高中, 高職, 特教).
LEVEL_LABELS: Final[Mapping[Level, str]] = MappingProxyType(
    {
        Level.ELEMENTARY: N_("Elementary school"),
        Level.JUNIOR_HIGH: N_("Junior high school"),
        Level.SENIOR_HIGH: N_("Senior high school"),
        Level.VOCATIONAL: N_("Vocational high school"),
        Level.SPECIAL: N_("Special education"),
    }
)


def _fold(raw: str) -> str:
    """NFKC, whitespace trimmed and folded to single spaces, invisible controls dropped."""
    text = unicodedata.normalize("NFKC", raw)
    visible = "".join(
        ch for ch in text if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    return " ".join(visible.split())


@dataclass(frozen=True, slots=True)
class RelationshipChoice:
    """A relationship as chosen, with the description 其他 asks for.

    Attributes:
        relationship: The relationship.
        description: What the relationship is, for :attr:`Relationship.OTHER` only (required
            and at most :data:`RELATIONSHIP_DESCRIPTION_MAX_LENGTH` characters); None otherwise.

    Raises:
        DomainError: when built for 其他 with a missing or too long description.
        ValueError: when built with a description for any other relationship.
    """

    relationship: Relationship
    description: str | None = None

    def __post_init__(self) -> None:
        if self.relationship is Relationship.OTHER:
            if not self.description or not self.description.strip():
                raise DomainError(ErrorCode.RELATIONSHIP_DESCRIPTION_REQUIRED)
            if len(self.description) > RELATIONSHIP_DESCRIPTION_MAX_LENGTH:
                raise DomainError(
                    ErrorCode.RELATIONSHIP_DESCRIPTION_TOO_LONG,
                    max=RELATIONSHIP_DESCRIPTION_MAX_LENGTH,
                )
        elif self.description is not None:
            # A programming error, not a person's: parse_relationship drops such descriptions.
            raise ValueError(f"{self.relationship} takes no description")

    @property
    def role(self) -> Role:
        """The role the relationship belongs to."""
        return self.relationship.role

    @property
    def label(self) -> str:
        """The gettext message id of the relationship (translate it; 其他's description is
        the person's own words and is shown as typed)."""
        return RELATIONSHIP_LABELS[self.relationship]

    def title(self, gettext: Callable[[str], str]) -> str:
        """How the relationship reads to the parent (稱謂): 其他 as its description, as typed;
        any other relationship as its label in the parent's language.

        Args:
            gettext: Translates a message id (the screen's language).
        """
        if self.relationship is Relationship.OTHER and self.description:
            return self.description
        return gettext(self.label)


def parse_relationship(
    value: str,
    description: str | None = None,
    *,
    field: str | None = None,
    description_field: str | None = None,
) -> RelationshipChoice:
    """Checks a chosen relationship and, for 其他, its description.

    Args:
        value: A :class:`Relationship` value (``"father"`` …).
        description: What the relationship is; required for ``"other"``, ignored otherwise.
        field: The input the choice came from, carried by its errors.
        description_field: The input the description came from (defaults to ``field``).

    Returns:
        The choice, its description trimmed and folded (None unless ``"other"``).

    Raises:
        DomainError: ``RELATIONSHIP_UNKNOWN`` for an unknown value;
            ``RELATIONSHIP_DESCRIPTION_REQUIRED`` or ``RELATIONSHIP_DESCRIPTION_TOO_LONG``
            (``max``) for 其他's description.
    """
    try:
        relationship = Relationship(_fold(value).lower())
    except ValueError:
        raise DomainError(ErrorCode.RELATIONSHIP_UNKNOWN, field=field) from None
    if relationship is not Relationship.OTHER:
        return RelationshipChoice(relationship, None)
    where = field if description_field is None else description_field
    text = _fold(description or "")
    if not text:
        raise DomainError(ErrorCode.RELATIONSHIP_DESCRIPTION_REQUIRED, field=where)
    if len(text) > RELATIONSHIP_DESCRIPTION_MAX_LENGTH:
        raise DomainError(
            ErrorCode.RELATIONSHIP_DESCRIPTION_TOO_LONG,
            field=where,
            max=RELATIONSHIP_DESCRIPTION_MAX_LENGTH,
        )
    return RelationshipChoice(relationship, text)


def parse_level(value: str, *, field: str | None = None) -> Level:
    """Checks a school level.

    Args:
        value: A :class:`Level` value (``"senior_high"`` …).
        field: The input the level came from, carried by the error.

    Raises:
        DomainError: ``LEVEL_UNKNOWN`` for anything else.
    """
    try:
        return Level(_fold(value).lower())
    except ValueError:
        raise DomainError(ErrorCode.LEVEL_UNKNOWN, field=field) from None


def _name_char(ch: str) -> str:
    """One character of a name with look-alike separators made the same."""
    if ch in _NAME_DOT_VARIANTS:
        return NAME_DOT
    if ch in _HYPHEN_VARIANTS:
        return "-"
    if ch in _APOSTROPHE_VARIANTS:
        return "'"
    return ch


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def normalize_name(raw: str) -> str:
    """A name as it is compared and stored, without checking it.

    NFKC (full-width to half-width), whitespace trimmed and folded to single spaces, the
    look-alikes of ``·``, ``-`` and ``'`` made the same, and spaces dropped between Chinese
    characters and around ``·`` (「王 曉明」 is 「王曉明」; Latin names keep their spaces).

    Args:
        raw: What was typed (any string).
    """
    chars = [_name_char(ch) for ch in _fold(raw)]
    kept = [
        ch
        for i, ch in enumerate(chars)
        if ch != " "
        # _fold leaves no space at either end, so both neighbours exist.
        or not (
            NAME_DOT in (chars[i - 1], chars[i + 1])
            or (_is_wide(chars[i - 1]) and _is_wide(chars[i + 1]))
        )
    ]
    # Dropping a space can put a combining mark straight after a letter ("A \u0300"); compose
    # again so that a normalised name normalises to itself.
    return unicodedata.normalize("NFKC", "".join(kept))


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def parse_name(raw: str, *, field: str | None = None) -> str:
    """Checks a person's full name.

    Names in Chinese characters (with ``·`` between parts, as in 瓦旦·達道) and in Latin or other
    letters (with spaces, hyphens, apostrophes and periods: ``O'Neil-Smith Jr.``) are accepted.
    A name starts with a letter, ends with a letter (or its mark) or a period, and holds no
    digits or symbols.

    Args:
        raw: What was typed (any string).
        field: The input the name came from, carried by the error.

    Returns:
        The name normalised as :func:`normalize_name` does.

    Raises:
        DomainError: ``NAME_EMPTY``; ``NAME_TOO_LONG`` (``max``) beyond
            :data:`NAME_MAX_LENGTH` characters; ``NAME_CHARACTERS`` for anything but letters
            and those separators.
    """
    if _PLAIN_NAME.fullmatch(raw):
        return raw  # the common case, checked by its pattern alone (a roster's every pupil)
    name = normalize_name(raw)
    if not name:
        raise DomainError(ErrorCode.NAME_EMPTY, field=field)
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(ErrorCode.NAME_TOO_LONG, field=field, max=NAME_MAX_LENGTH)
    allowed = all(
        _is_letter(ch) or ch in _SEPARATORS or unicodedata.category(ch).startswith("M")
        for ch in name
    )
    last = name[-1]
    ends_well = _is_letter(last) or last == "." or unicodedata.category(last).startswith("M")
    if not allowed or not _is_letter(name[0]) or not ends_well:
        raise DomainError(ErrorCode.NAME_CHARACTERS, field=field)
    return name
