"""One-time codes as a parent types them: six digits, full-width digits and spaces allowed."""

from __future__ import annotations

import unicodedata
from typing import Final

from kiosk.domain.errors import DomainError, ErrorCode

#: Digits in a one-time code.
CODE_LENGTH: Final = 6
_ASCII_DIGITS: Final = frozenset("0123456789")


def code_digits(text: str) -> str:
    """The digits in ``text`` as ASCII, everything else dropped.

    Full-width digits (``５``) become ASCII by NFKC, so a code pasted from a phone message as
    ``５４９ ４９７`` or ``549-497`` reads ``549497``. Digits of other scripts are not code digits
    and are dropped too.

    Args:
        text: What was typed or pasted.
    """
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch in _ASCII_DIGITS)


def parse_code(raw: str, *, field: str | None = "code") -> str:
    """The code as typed, full-width digits made half-width and spaces dropped.

    Raises:
        DomainError: ``CODE_FORMAT`` unless exactly six ASCII digits remain.
    """
    text = "".join(unicodedata.normalize("NFKC", raw).split())
    if len(text) != CODE_LENGTH or not (text.isascii() and text.isdigit()):
        raise DomainError(ErrorCode.CODE_FORMAT, field=field)
    return text
