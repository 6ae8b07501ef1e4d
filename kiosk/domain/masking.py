"""Masking for display: what a screen, a receipt or the registry's prefill may show of a person.

The shapes are the tutorial's: ID ``YA94***61``, phone ``09***45``, email
``an***@hy-tech.com.tw``, name ``陳○明``. Hidden parts are always written as ``***`` whatever
their length, so the mask does not tell how much it hides.

Short input never shows more than those examples do: at least two fifths of the characters (and
at least one) stay hidden, taking characters away from the longer visible end first. So
``A1234`` shows ``A1***4`` and a one-character value shows only ``***``.

Names: Chinese names keep their first and last characters and hide each one between with ``○``
(``陳曉明`` → ``陳○明``, ``歐陽娜娜`` → ``歐○○娜``), a two-character name hides its second
(``王明`` → ``王○``), and a one-character name is ``○``. Names without Chinese characters
(``John Smith``) show each word's first letter followed by ``***`` (``J*** S***``): like the
Chinese form it shows the initials, and it hides how long each word is.

Masking never fails: it formats whatever it is given, valid or not. The registry's prefill of an
existing account arrives masked; masking such a phone, email or name again gives it back
unchanged (so a screen may mask whatever it shows), but a masked ID would be masked further.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Final

from kiosk.domain.contact import Channel, Contact, Email, Phone
from kiosk.domain.ids import IdNumber, normalize_id
from kiosk.domain.people import NAME_DOT, normalize_name

#: What stands for the hidden characters of an ID, a phone or an email address.
HIDDEN: Final = "***"
#: What stands for each hidden character of a Chinese name.
NAME_HIDDEN: Final = "○"

# The share of characters that always stays hidden (the tutorial's ID mask hides 4 of 10).
_HIDDEN_SHARE: Final = 0.4


def _mask_middle(text: str, head: int, tail: int) -> str:
    """``head`` characters, ``***``, ``tail`` characters — fewer on short text."""
    if not text:
        return ""
    must_hide = max(1, math.ceil(len(text) * _HIDDEN_SHARE))
    while head + tail > len(text) - must_hide:
        if head > tail:
            head -= 1
        else:
            tail -= 1
    return text[:head] + HIDDEN + (text[len(text) - tail :] if tail else "")


def mask_id(value: IdNumber | str) -> str:
    """An identity number for display: ``YA94109161`` → ``YA94***61``.

    Args:
        value: An :class:`IdNumber`, or a number as typed (normalised first).
    """
    text = value.value if isinstance(value, IdNumber) else normalize_id(value)
    return _mask_middle(text, 4, 2)


def _phone_digits(value: Phone | str) -> str:
    """The national digits of a phone (``0928942045``), whatever form it came in."""
    if isinstance(value, Phone):
        return value.national
    text = unicodedata.normalize("NFKC", value).strip()
    if text.startswith("+886"):
        text = "0" + text[len("+886") :]
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def mask_phone(value: Phone | str) -> str:
    """A phone number for display: ``0928942045`` (or ``+886928942045``) → ``09***45``.

    Args:
        value: A :class:`Phone`, its E.164 form, or a number as typed.
    """
    return _mask_middle(_phone_digits(value), 2, 2)


def mask_email(value: Email | str) -> str:
    """An email address for display: ``annie.sun2@hy-tech.com.tw`` → ``an***@hy-tech.com.tw``.

    The domain stays visible (it tells a parent which address was used without telling others
    whose it is); the local part shows at most its first two characters.

    Args:
        value: An :class:`Email`, or an address as typed.
    """
    text = value.value if isinstance(value, Email) else value.strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return _mask_middle(text, 2, 0)
    return (_mask_middle(local, 2, 0) or HIDDEN) + at + domain


def mask_contact(contact: Contact) -> str:
    """A verified contact's address for display, masked by its channel (email or phone).

    Args:
        contact: The address and the channel it was verified through.
    """
    if contact.channel is Channel.SMS:
        return mask_phone(contact.address)
    return mask_email(contact.address)


def _is_chinese(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and unicodedata.category(ch) == "Lo"


def mask_name(value: str) -> str:
    """A person's name for display: ``陳曉明`` → ``陳○明``, ``王明`` → ``王○``, ``John Smith`` →
    ``J*** S***``.

    The name is normalised first (:func:`kiosk.domain.people.normalize_name`), so a typed name
    and the stored one mask the same.

    Args:
        value: A name (any string).
    """
    name = normalize_name(value)
    if not name:
        return ""
    if any(_is_chinese(ch) for ch in name):
        if len(name) == 1:
            return NAME_HIDDEN
        if len(name) == 2:
            return name[0] + NAME_HIDDEN
        middle = "".join(NAME_HIDDEN for _ in name[1:-1])
        return name[0] + middle + name[-1]
    words = name.replace(NAME_DOT, " ").split(" ")
    return " ".join(word[0] + HIDDEN for word in words if word)
