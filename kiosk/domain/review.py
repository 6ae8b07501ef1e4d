"""A reviewer's reason for 不通過: the words the parent reads beside the rejected student.

The kiosk's staff console checks it as it is typed and the registry checks it again, with this
one rule: characters nobody can see (zero-width spaces and joiners, byte-order marks, direction
marks, control characters) are dropped, runs of spaces of any kind become one space, and what is
left must not be blank and must fit :data:`MAX_REASON`.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from kiosk.domain.errors import DomainError, ErrorCode

#: The longest reason, in characters (after cleaning).
MAX_REASON: Final = 200

#: Unicode categories drawn as nothing: format (Cf: U+200B, U+2060, U+FEFF, U+200E, ...),
#: control (Cc) and the unassigned or private (Cn, Co) code points.
_INVISIBLE: Final = frozenset({"Cf", "Cc", "Cn", "Co"})


def clean_reason(text: str) -> str:
    """The reason as stored and shown: invisible characters dropped, spaces collapsed.

    Raises:
        DomainError: ``REQUEST_INVALID`` (field ``reason``) when nothing visible is left or
            when it is longer than :data:`MAX_REASON`.
    """
    visible = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
    )
    cleaned = " ".join(visible.split())
    if not cleaned or len(cleaned) > MAX_REASON:
        raise DomainError(ErrorCode.REQUEST_INVALID, field="reason")
    return cleaned
