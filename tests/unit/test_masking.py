"""Masking shows what the tutorial shows (YA94***61, 09***45, an***@hy-tech.com.tw, 陳○明) and
never more on short input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.contact import Email, parse_email, parse_phone
from kiosk.domain.draft import ParentDetails
from kiosk.domain.ids import parse_id
from kiosk.domain.masking import HIDDEN, mask_email, mask_id, mask_name, mask_phone


def test_the_tutorials_masks() -> None:
    assert mask_id("YA94109161") == "YA94***61"
    assert mask_id(parse_id("ya94109161")) == "YA94***61"
    assert mask_phone("0928942045") == "09***45"
    assert mask_phone("+886928942045") == "09***45"
    assert mask_phone(parse_phone("0928-942-045")) == "09***45"
    assert mask_email("annie.sun2@hy-tech.com.tw") == "an***@hy-tech.com.tw"
    assert mask_email(parse_email("annie.sun2@hy-tech.com.tw")) == "an***@hy-tech.com.tw"
    assert mask_name("陳曉明") == "陳○明"
    assert mask_name("王曉明") == "王○明"


def test_the_registrys_masked_prefill_masks_to_itself() -> None:
    parent = ParentDetails.existing(
        parse_id("YA94109161"), "王○明", "an***@hy-tech.com.tw", "09***45"
    )
    assert parent.phone is not None
    assert parent.email is not None
    assert mask_phone(parent.phone) == "09***45"
    assert mask_email(parent.email) == "an***@hy-tech.com.tw"
    assert mask_name(parent.name) == "王○明"
    assert mask_name("J*** S***") == "J*** S***"


def test_landlines_mask_like_mobiles() -> None:
    assert mask_phone(parse_phone("(02)8798-6336")) == "02***36"
    assert mask_phone("(02)8798-6336") == "02***36"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王明", "王○"),
        ("明", "○"),
        ("歐陽娜娜", "歐○○娜"),
        (" 王　曉明 ", "王○明"),  # normalised first, as the name was stored
        ("瓦旦·達道", "瓦○○○道"),
        ("John Smith", "J*** S***"),
        ("Mary-Ann O'Neil", "M*** O***"),
        ("A", "A***"),
        ("", ""),
    ],
)
def test_names(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("A12345678", "A12***78"),
        ("A1234", "A1***4"),
        ("AB", "A***"),
        ("A", "***"),
        ("", ""),
    ],
)
def test_short_ids_show_less(value: str, masked: str) -> None:
    assert mask_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("ab@x.tw", "a***@x.tw"),
        ("a@x.tw", "***@x.tw"),
        ("abc@x.tw", "a***@x.tw"),
        ("abcd", "ab***"),
    ],
)
def test_short_emails_show_less(value: str, masked: str) -> None:
    assert mask_email(Email(value)) == masked


def visible(masked: str) -> int:
    return len(masked.replace(HIDDEN, ""))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_masks_never_fail_and_never_show_more_than_the_examples(text: str) -> None:
    for mask, most in ((mask_id, 6), (mask_phone, 4)):
        masked = mask(text)
        assert visible(masked) <= most
        if masked:
            assert HIDDEN in masked
    local = mask_email(text).rpartition("@")[0] if "@" in text else mask_email(text)
    assert visible(local) <= 2
    mask_name(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789A", min_size=1, max_size=12))
def test_at_least_two_fifths_stay_hidden(text: str) -> None:
    masked = mask_id(text)
    assert visible(masked) <= len(text) - max(1, -(-len(text) * 2 // 5))
