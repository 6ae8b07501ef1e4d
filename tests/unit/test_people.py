"""Relationships, levels and names: the tutorial's choices and words, and any input refused
with the typed error only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.people import (
    LEVEL_LABELS,
    NAME_MAX_LENGTH,
    RELATIONSHIP_DESCRIPTION_MAX_LENGTH,
    RELATIONSHIP_LABELS,
    RELATIONSHIPS_BY_ROLE,
    ROLE_LABELS,
    Level,
    Relationship,
    RelationshipChoice,
    Role,
    normalize_name,
    parse_level,
    parse_name,
    parse_relationship,
)

T = TypeVar("T")

# The tutorial's words (../shared/reference/coolclass-parent-binding-tutorial.txt, 步驟三).
TUTORIAL_WORDS: dict[str, str] = {
    ROLE_LABELS[Role.LEGAL_REPRESENTATIVE]: "法定代理人",
    ROLE_LABELS[Role.GUARDIAN]: "監護人",
    RELATIONSHIP_LABELS[Relationship.FATHER]: "父親",
    RELATIONSHIP_LABELS[Relationship.MOTHER]: "母親",
    RELATIONSHIP_LABELS[Relationship.GRANDFATHER]: "祖父",
    RELATIONSHIP_LABELS[Relationship.GRANDMOTHER]: "祖母",
    RELATIONSHIP_LABELS[Relationship.MATERNAL_GRANDFATHER]: "外祖父",
    RELATIONSHIP_LABELS[Relationship.MATERNAL_GRANDMOTHER]: "外祖母",
    RELATIONSHIP_LABELS[Relationship.OTHER]: "其他",
    LEVEL_LABELS[Level.ELEMENTARY]: "國小",
    LEVEL_LABELS[Level.JUNIOR_HIGH]: "國中",
    LEVEL_LABELS[Level.SENIOR_HIGH]: "高中",
    LEVEL_LABELS[Level.VOCATIONAL]: "高職",
    LEVEL_LABELS[Level.SPECIAL]: "特教",
}


def attempt(parse: Callable[[str], T], raw: str) -> T | DomainError:
    """The parsed value, or the DomainError raised (anything else propagates and fails)."""
    try:
        return parse(raw)
    except DomainError as error:
        return error


def test_every_label_reads_as_the_tutorial_in_zh_tw() -> None:
    labels = [*ROLE_LABELS.values(), *RELATIONSHIP_LABELS.values(), *LEVEL_LABELS.values()]
    assert len(labels) == len(TUTORIAL_WORDS) == len(Role) + len(Relationship) + len(Level)
    zh = Translator("zh_TW")
    assert {label: zh.gettext(label) for label in labels} == TUTORIAL_WORDS


def test_relationships_sit_under_the_tutorials_roles_in_its_order() -> None:
    assert RELATIONSHIPS_BY_ROLE[Role.LEGAL_REPRESENTATIVE] == (
        Relationship.FATHER,
        Relationship.MOTHER,
    )
    assert RELATIONSHIPS_BY_ROLE[Role.GUARDIAN] == (
        Relationship.GRANDFATHER,
        Relationship.GRANDMOTHER,
        Relationship.MATERNAL_GRANDFATHER,
        Relationship.MATERNAL_GRANDMOTHER,
        Relationship.OTHER,
    )
    assert all(r.role is role for role, rs in RELATIONSHIPS_BY_ROLE.items() for r in rs)


def test_levels_come_in_the_tutorials_order() -> None:
    zh = Translator("zh_TW")
    assert [zh.gettext(LEVEL_LABELS[level]) for level in Level] == [
        "國小",
        "國中",
        "高中",
        "高職",
        "特教",
    ]
    assert [level.value for level in Level] == [
        "elementary",
        "junior_high",
        "senior_high",
        "vocational",
        "special",
    ]


@pytest.mark.parametrize("relationship", [r for r in Relationship if r is not Relationship.OTHER])
def test_a_named_relationship_needs_no_description(relationship: Relationship) -> None:
    choice = parse_relationship(relationship.value, "ignored")
    assert choice == RelationshipChoice(relationship, None)


def test_other_needs_a_bounded_description() -> None:
    assert parse_relationship("other", "\u3000姑姑 ") == RelationshipChoice(
        Relationship.OTHER, "姑姑"
    )
    assert parse_relationship("other", "x" * RELATIONSHIP_DESCRIPTION_MAX_LENGTH).description
    for missing in (None, "", " \u3000"):
        with pytest.raises(DomainError) as caught:
            parse_relationship("other", missing, field="relationship")
        assert caught.value == DomainError(
            ErrorCode.RELATIONSHIP_DESCRIPTION_REQUIRED, field="relationship"
        )
    with pytest.raises(DomainError) as caught:
        parse_relationship(
            "other",
            "x" * (RELATIONSHIP_DESCRIPTION_MAX_LENGTH + 1),
            field="relationship",
            description_field="relationship_other",
        )
    assert caught.value == DomainError(
        ErrorCode.RELATIONSHIP_DESCRIPTION_TOO_LONG,
        field="relationship_other",
        max=RELATIONSHIP_DESCRIPTION_MAX_LENGTH,
    )


def test_a_relationship_choice_cannot_be_built_against_the_rules() -> None:
    with pytest.raises(DomainError):
        RelationshipChoice(Relationship.OTHER, None)
    with pytest.raises(DomainError):
        RelationshipChoice(Relationship.OTHER, "x" * (RELATIONSHIP_DESCRIPTION_MAX_LENGTH + 1))
    with pytest.raises(ValueError, match="no description"):
        RelationshipChoice(Relationship.FATHER, "x")


@pytest.mark.parametrize("value", ["", "uncle", "父親", "FATHERS"])
def test_unknown_relationships_are_refused(value: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_relationship(value, field="relationship")
    assert caught.value == DomainError(ErrorCode.RELATIONSHIP_UNKNOWN, field="relationship")


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("senior_high", Level.SENIOR_HIGH),
        (" Special ", Level.SPECIAL),
        ("ｖｏｃａｔｉｏｎａｌ", Level.VOCATIONAL),
    ],
)
def test_levels_parse(value: str, level: Level) -> None:
    assert parse_level(value) is level


@pytest.mark.parametrize("value", ["", "高中", "university", "senior high"])
def test_unknown_levels_are_refused(value: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_level(value, field="level")
    assert caught.value == DomainError(ErrorCode.LEVEL_UNKNOWN, field="level")


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("陳曉明", "陳曉明"),
        ("  王　曉明 ", "王曉明"),  # spaces between Chinese characters mean nothing
        ("ＡＮＮＩＥ　ＳＵＮ", "ANNIE SUN"),  # full-width from an input method
        ("瓦旦 ‧ 達道", "瓦旦·達道"),  # the name dot's look-alikes
        ("Mary-Ann  O’Neil Jr.", "Mary-Ann O'Neil Jr."),
        ("Nguyễn Thị Thanh Hương", "Nguyễn Thị Thanh Hương"),
        ("a" * NAME_MAX_LENGTH, "a" * NAME_MAX_LENGTH),
    ],
)
def test_names_are_trimmed_folded_and_normalised(typed: str, name: str) -> None:
    assert parse_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", DomainError(ErrorCode.NAME_EMPTY, field="name")),
        ("\u3000 \t", DomainError(ErrorCode.NAME_EMPTY, field="name")),
        ("a" * (NAME_MAX_LENGTH + 1), DomainError(ErrorCode.NAME_TOO_LONG, field="name", max=40)),
        ("王曉明2", DomainError(ErrorCode.NAME_CHARACTERS, field="name")),
        ("王曉明😀", DomainError(ErrorCode.NAME_CHARACTERS, field="name")),
        ("<script>", DomainError(ErrorCode.NAME_CHARACTERS, field="name")),
        ("·王", DomainError(ErrorCode.NAME_CHARACTERS, field="name")),
        ("王-", DomainError(ErrorCode.NAME_CHARACTERS, field="name")),
        ("---", DomainError(ErrorCode.NAME_CHARACTERS, field="name")),
    ],
)
def test_name_refusals(typed: str, error: DomainError) -> None:
    with pytest.raises(DomainError) as caught:
        parse_name(typed, field="name")
    assert caught.value == error


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet="王曉明 ·‧-'.aZ\u3000１\u0301\u200b"))
@example("A\u200b\u0300")  # a dropped zero-width space leaves a mark to compose
def test_any_name_input_raises_nothing_but_a_domain_error(typed: str) -> None:
    name = attempt(parse_name, typed)
    if isinstance(name, DomainError):
        assert name.code in {
            ErrorCode.NAME_EMPTY,
            ErrorCode.NAME_TOO_LONG,
            ErrorCode.NAME_CHARACTERS,
        }
    else:
        assert 0 < len(name) <= NAME_MAX_LENGTH
        assert parse_name(name) == name == normalize_name(typed)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.none() | st.text())
def test_any_relationship_input_raises_nothing_but_a_domain_error(
    value: str, description: str | None
) -> None:
    choice = attempt(lambda raw: parse_relationship(raw, description), value)
    if isinstance(choice, DomainError):
        assert choice.code in {
            ErrorCode.RELATIONSHIP_UNKNOWN,
            ErrorCode.RELATIONSHIP_DESCRIPTION_REQUIRED,
            ErrorCode.RELATIONSHIP_DESCRIPTION_TOO_LONG,
        }


@settings(max_examples=200, deadline=None)
@given(st.text() | st.sampled_from([level.value for level in Level]))
def test_any_level_input_raises_nothing_but_a_domain_error(value: str) -> None:
    level = attempt(parse_level, value)
    if isinstance(level, DomainError):
        assert level.code is ErrorCode.LEVEL_UNKNOWN
    else:
        assert level is parse_level(level.value)


def test_a_relationship_reads_as_its_label_or_as_the_description_of_other() -> None:
    words = Translator("zh_TW").gettext
    assert parse_relationship("father").title(words) == "父親"
    assert parse_relationship("other", "姑姑").title(words) == "姑姑"
