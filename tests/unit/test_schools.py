"""Finding a school by part of its name: 台/臺, full-width and case do not matter."""

from __future__ import annotations

import pytest

from kiosk.domain.schools import normalize_search_text, school_name_matches

SCHOOL = "臺北市私立日曜學校"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("台北", "臺北"),
        ("臺北", "臺北"),
        ("ＡＢＣ１２", "abc12"),  # full-width letters and digits, as some input methods type them
        ("Taipei  First\u3000Girls ", "taipei first girls"),
        ("\uf9b4", "\u9818"),  # a compatibility ideograph is its unified one (NFKC)
    ],
)
def test_normalize_search_text_folds_what_people_type(typed: str, folded: str) -> None:
    assert normalize_search_text(typed) == folded


@pytest.mark.parametrize("typed", ["日曜", "台北市私立", "臺北市私立日曜學校", "", "  "])
def test_a_part_of_the_name_matches(typed: str) -> None:
    assert school_name_matches(typed, SCHOOL)


@pytest.mark.parametrize("typed", ["日曜高中", "台中", "稻江", "日 曜"])
def test_what_is_not_part_of_the_name_does_not_match(typed: str) -> None:
    assert not school_name_matches(typed, SCHOOL)


def test_a_name_written_with_the_short_form_is_found_by_the_official_one() -> None:
    """台 and 臺 are one character to the search, whichever side has which."""
    assert school_name_matches("臺北", "台北市立大同高級中學")


def test_latin_names_match_whatever_the_case() -> None:
    assert school_name_matches("taipei", "Taipei American School")
    assert school_name_matches("ＡＭＥＲＩＣＡＮ", "Taipei American School")
