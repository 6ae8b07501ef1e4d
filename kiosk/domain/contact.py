"""Phones and email addresses: how a parent is reached, and where a code may be sent.

Phones are Taiwanese only, kept as E.164 (``+886928942045``). A mobile number (09xxxxxxxx) can
receive a code by SMS; a landline (``(02)8798-6336``) is accepted as a parent's contact number
but never for SMS. Email addresses are checked for syntax and normalised by ``email-validator``;
nothing here ever asks DNS (a kiosk must answer at once, and offline).

Both libraries are imported on first use, not with this module: together they take about a
tenth of a second to import, which the kiosk's first frame should not wait for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from kiosk.domain.errors import DomainError, ErrorCode

#: The region phones are read in and the only one accepted.
PHONE_REGION: Final = "TW"
_COUNTRY_PREFIX: Final = "+886"

# Longer input is refused before the phone library sees it: no Taiwanese number, however
# decorated, needs more, and it keeps the work per keystroke bounded.
_PHONE_MAX_INPUT: Final = 40
# What a typed phone may hold once full-width characters are half-width: digits and the usual
# decoration. Letters are refused here because the phone library would read them as a keypad
# ("0928-ABC-DEF") and extensions have no place in E.164.
_PHONE_CHARACTERS: Final = re.compile(r"\+?[0-9()\-. ]+", re.ASCII)

# RFC 5321 caps a path at 256 octets, so no deliverable address is longer.
_EMAIL_MAX_INPUT: Final = 254


@dataclass(frozen=True, slots=True)
class Phone:
    """A Taiwanese phone number.

    Attributes:
        e164: The number in E.164 (``+886928942045``). For an existing account, the masked
            number the registry sent (``09***45``); see :class:`kiosk.domain.draft.ParentDetails`.
        is_mobile: Whether it is a mobile number (SMS can reach it).
    """

    e164: str
    is_mobile: bool

    @property
    def national(self) -> str:
        """The number as dialled inside Taiwan: ``0928942045``, ``0287986336``."""
        if self.e164.startswith(_COUNTRY_PREFIX):
            return "0" + self.e164[len(_COUNTRY_PREFIX) :]
        return self.e164


def _phone_text(raw: str) -> str:
    """Full-width to half-width, with every kind of whitespace made a plain space."""
    text = unicodedata.normalize("NFKC", raw)
    return " ".join(text.split())


def parse_phone(raw: str, *, field: str | None = None) -> Phone:
    """Checks a Taiwanese mobile or landline number.

    Accepts ``0928942045``, ``0928-942-045``, ``+886 928 942 045``, ``886928942045``,
    ``(02)8798-6336`` and the same typed with full-width characters.

    Args:
        raw: What was typed (any string).
        field: The input the number came from, carried by the error.

    Returns:
        The number as E.164, and whether it is a mobile number.

    Raises:
        DomainError: ``PHONE_EMPTY`` when nothing was typed; ``PHONE_FORMAT`` when it is not a
            valid Taiwanese mobile or landline number (foreign numbers included).
    """
    import phonenumbers  # on first use: see the module's docstring

    text = _phone_text(raw)
    if not text:
        raise DomainError(ErrorCode.PHONE_EMPTY, field=field)
    if len(text) > _PHONE_MAX_INPUT or not _PHONE_CHARACTERS.fullmatch(text):
        raise DomainError(ErrorCode.PHONE_FORMAT, field=field)
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise DomainError(ErrorCode.PHONE_FORMAT, field=field) from None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != PHONE_REGION
    ):
        raise DomainError(ErrorCode.PHONE_FORMAT, field=field)
    kind = phonenumbers.number_type(number)
    is_mobile = kind == phonenumbers.PhoneNumberType.MOBILE
    if not is_mobile and kind != phonenumbers.PhoneNumberType.FIXED_LINE:
        # Toll-free, premium-rate and the like reach no parent.
        raise DomainError(ErrorCode.PHONE_FORMAT, field=field)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, is_mobile=is_mobile)


def parse_mobile(raw: str, *, field: str | None = None) -> Phone:
    """Checks a Taiwanese mobile number (one a code can be sent to by SMS).

    Args:
        raw: What was typed (any string).
        field: The input the number came from, carried by the error.

    Returns:
        The mobile number as E.164.

    Raises:
        DomainError: as :func:`parse_phone`, and ``PHONE_NOT_MOBILE`` for a landline.
    """
    phone = parse_phone(raw, field=field)
    if not phone.is_mobile:
        raise DomainError(ErrorCode.PHONE_NOT_MOBILE, field=field)
    return phone


@dataclass(frozen=True, slots=True)
class Email:
    """An email address in ``email-validator``'s normalised form.

    Attributes:
        value: The address (domain lower-cased, Unicode normalised). For an existing account,
            the masked address the registry sent (``an***@hy-tech.com.tw``).
    """

    value: str

    def __str__(self) -> str:
        return self.value


def parse_email(raw: str, *, field: str | None = None) -> Email:
    """Checks the syntax of an email address and normalises it (no DNS look-up).

    Full-width characters typed by a Chinese input method (``＠``, ``．``) are made half-width.

    Args:
        raw: What was typed (any string).
        field: The input the address came from, carried by the error.

    Returns:
        The normalised address.

    Raises:
        DomainError: ``EMAIL_EMPTY`` when nothing was typed; ``EMAIL_FORMAT`` otherwise.
    """
    from email_validator import EmailNotValidError, validate_email  # see the module docstring

    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise DomainError(ErrorCode.EMAIL_EMPTY, field=field)
    if len(text) > _EMAIL_MAX_INPUT:
        raise DomainError(ErrorCode.EMAIL_FORMAT, field=field)
    try:
        validated = validate_email(text, check_deliverability=False)
    except (EmailNotValidError, UnicodeError):
        # UnicodeError: IDNA encoding of some domains fails inside the library before its
        # own checks turn it into an EmailNotValidError.
        raise DomainError(ErrorCode.EMAIL_FORMAT, field=field) from None
    return Email(validated.normalized)


def email_key(address: str) -> str:
    """The one form an email address is compared in: limits, uniqueness and logins.

    Mail servers treat the local part as case-sensitive in theory, but no mailbox provider a
    parent uses does, and ``ANNIE.SUN2@…`` must not pass for another parent's address nor buy
    another five codes an hour. The address as typed stays what is shown and written to.

    Args:
        address: A normalised address (:func:`parse_email`'s ``value``).
    """
    return unicodedata.normalize("NFKC", address).casefold()


class Channel(StrEnum):
    """How a code reaches the parent."""

    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True, slots=True)
class Contact:
    """The address a code was sent to, normalised.

    Attributes:
        channel: Email or SMS.
        address: The normalised email address, or the mobile number as E.164.
    """

    channel: Channel
    address: str

    @property
    def key(self) -> str:
        """The form this contact is compared and counted in (:func:`email_key` for email)."""
        return email_key(self.address) if self.channel is Channel.EMAIL else self.address


def parse_contact(channel: Channel, raw: str, *, field: str | None = None) -> Contact:
    """Checks the address a code is to be sent to.

    Args:
        channel: Email or SMS.
        raw: What was typed (any string).
        field: The input the address came from, carried by the error.

    Returns:
        The normalised contact.

    Raises:
        DomainError: as :func:`parse_email` for email; as :func:`parse_mobile` for SMS (a
            landline cannot receive a text message).
    """
    if Channel(channel) is Channel.SMS:
        return Contact(Channel.SMS, parse_mobile(raw, field=field).e164)
    return Contact(Channel.EMAIL, parse_email(raw, field=field).value)
