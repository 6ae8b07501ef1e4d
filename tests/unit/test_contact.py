"""Phones and emails: every way a parent types a Taiwanese number gives the same E.164; a
landline is a contact number but cannot receive a code by SMS; email addresses are normalised
without DNS; any input raises nothing but the typed error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.contact import (
    Channel,
    Contact,
    Email,
    Phone,
    email_key,
    parse_contact,
    parse_email,
    parse_mobile,
    parse_phone,
)
from kiosk.domain.errors import DomainError, ErrorCode

T = TypeVar("T")
PHONE_CODES = {ErrorCode.PHONE_EMPTY, ErrorCode.PHONE_FORMAT, ErrorCode.PHONE_NOT_MOBILE}


def attempt(parse: Callable[[str], T], raw: str) -> T | DomainError:
    """The parsed value, or the DomainError raised (anything else propagates and fails)."""
    try:
        return parse(raw)
    except DomainError as error:
        return error


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# Mobile numbers are 9 followed by 0-8 and 7 more digits (national significant number).
mobiles = st.builds(
    lambda second, rest: "9" + second + rest,
    st.sampled_from("012345678"),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)


def mobile_formats(nsn: str) -> list[str]:
    """Every format a parent may type the mobile number with national significant number nsn."""
    national = "0" + nsn
    dashed = f"{national[:4]}-{national[4:7]}-{national[7:]}"
    return [
        national,
        dashed,
        f"{national[:4]} {national[4:7]} {national[7:]}",
        f"({national[:4]}) {national[4:]}",
        f"+886{nsn}",
        f"+886 {nsn[:3]} {nsn[3:6]} {nsn[6:]}",
        f"+886-{nsn}",
        f"886{nsn}",
        f"886 {nsn}",
        f"+886 0{nsn}",
        full_width(national),
        full_width(dashed),
        f"\u3000{national}\u3000",
        f" {dashed} ",
    ]


@settings(max_examples=40, deadline=None)
@given(mobiles)
def test_every_mobile_format_gives_the_same_e164(nsn: str) -> None:
    for typed in mobile_formats(nsn):
        assert parse_phone(typed) == Phone(e164="+886" + nsn, is_mobile=True), typed
        assert parse_mobile(typed) == Phone(e164="+886" + nsn, is_mobile=True), typed
        assert parse_contact(Channel.SMS, typed) == Contact(Channel.SMS, "+886" + nsn)


def test_the_tutorials_numbers() -> None:
    mobile = parse_phone("0928942045")
    assert mobile == Phone("+886928942045", is_mobile=True)
    assert mobile.national == "0928942045"
    landline = parse_phone("(02)8798-6336")
    assert landline == Phone("+886287986336", is_mobile=False)
    assert landline.national == "0287986336"


@pytest.mark.parametrize(
    "typed",
    ["(02)8798-6336", "02-8798-6336", "02 8798 6336", "+886 2 8798 6336", "０２８７９８６３３６"],
)
def test_a_landline_is_a_contact_number_but_not_for_sms(typed: str) -> None:
    assert parse_phone(typed) == Phone("+886287986336", is_mobile=False)
    with pytest.raises(DomainError) as caught:
        parse_mobile(typed, field="address")
    assert caught.value == DomainError(ErrorCode.PHONE_NOT_MOBILE, field="address")
    with pytest.raises(DomainError) as caught:
        parse_contact(Channel.SMS, typed)
    assert caught.value.code is ErrorCode.PHONE_NOT_MOBILE


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", ErrorCode.PHONE_EMPTY),
        (" \u3000 ", ErrorCode.PHONE_EMPTY),
        ("0912", ErrorCode.PHONE_FORMAT),  # too short
        ("09289420451", ErrorCode.PHONE_FORMAT),  # too long
        ("+1 650 253 0000", ErrorCode.PHONE_FORMAT),  # a valid foreign number
        ("+81 90 1234 5678", ErrorCode.PHONE_FORMAT),
        ("0800-080-123", ErrorCode.PHONE_FORMAT),  # toll-free reaches no parent
        ("0928-ABC-DEF", ErrorCode.PHONE_FORMAT),  # no keypad letters
        ("0928942045 ext 12", ErrorCode.PHONE_FORMAT),
        ("09+28942045", ErrorCode.PHONE_FORMAT),
    ],
)
def test_phone_refusals(typed: str, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as caught:
        parse_phone(typed, field="phone")
    assert caught.value == DomainError(code, field="phone")


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet="0９+886-() ２\u3000.abc"))
def test_any_phone_input_raises_nothing_but_a_domain_error(typed: str) -> None:
    for parse in (parse_phone, parse_mobile):
        phone = attempt(parse, typed)
        if isinstance(phone, DomainError):
            assert phone.code in PHONE_CODES
        else:
            assert phone.e164.startswith("+886")
            assert parse_phone(phone.e164) == phone
            assert parse_phone(phone.national) == phone


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("annie.sun2@hy-tech.com.tw", "annie.sun2@hy-tech.com.tw"),
        ("  Annie.Sun2@HY-TECH.com.tw ", "Annie.Sun2@hy-tech.com.tw"),  # domains are caseless
        ("ｃｏｏｃ１２３＠ｇｍａｉｌ．ｃｏｍ", "cooc123@gmail.com"),  # typed with IME full-width
        ("COOC123@Gmail.com", "COOC123@gmail.com"),
        ("陳曉明@例子.台灣", "陳曉明@例子.台灣"),
    ],
)
def test_emails_are_normalised(typed: str, normalised: str) -> None:
    assert parse_email(typed) == Email(normalised)
    assert parse_contact(Channel.EMAIL, typed) == Contact(Channel.EMAIL, normalised)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", ErrorCode.EMAIL_EMPTY),
        ("\u3000\t", ErrorCode.EMAIL_EMPTY),
        ("annie", ErrorCode.EMAIL_FORMAT),
        ("annie@", ErrorCode.EMAIL_FORMAT),
        ("@hy-tech.com.tw", ErrorCode.EMAIL_FORMAT),
        ("annie@@hy-tech.com.tw", ErrorCode.EMAIL_FORMAT),
        ("annie@localhost", ErrorCode.EMAIL_FORMAT),
        ("a" * 250 + "@gmail.com", ErrorCode.EMAIL_FORMAT),
    ],
)
def test_email_refusals(typed: str, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as caught:
        parse_email(typed, field="email")
    assert caught.value == DomainError(code, field="email")


@settings(max_examples=300, deadline=None)
@given(
    st.text()
    | st.emails().map(str)
    | st.text(alphabet="aZ.@-_+\u3000＠．xn--\u00e9\u200d\u0301").map(lambda s: s + "@a.tw")
)
def test_any_email_input_raises_nothing_but_a_domain_error(typed: str) -> None:
    email = attempt(parse_email, typed)
    if isinstance(email, DomainError):
        assert email.code in {ErrorCode.EMAIL_EMPTY, ErrorCode.EMAIL_FORMAT}
    else:
        assert parse_email(email.value) == email


@pytest.mark.parametrize(
    "spelling",
    ["annie.sun2@hy-tech.com.tw", "ANNIE.SUN2@HY-TECH.COM.TW", "Annie.Sun2@hy-tech.com.tw"],
)
def test_every_spelling_of_a_mailbox_has_one_key(spelling: str) -> None:
    typed = parse_email(spelling).value
    assert email_key(typed) == "annie.sun2@hy-tech.com.tw"
    assert Contact(Channel.EMAIL, typed).key == "annie.sun2@hy-tech.com.tw"


def test_a_phone_contact_is_its_own_key() -> None:
    assert Contact(Channel.SMS, "+886912345678").key == "+886912345678"
