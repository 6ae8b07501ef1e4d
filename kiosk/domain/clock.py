"""The one real clock, and the type every injected clock has.

Everything that needs "now" takes a :data:`Clock` (tests pass a frozen or stepping one) and
defaults to :func:`utc_now`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: Gives "now", timezone-aware.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, timezone-aware in UTC: the real clock."""
    return datetime.now(UTC)
