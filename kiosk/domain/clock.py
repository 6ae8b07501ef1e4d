"""The one real clock, and the type every injected clock has.

Everything that needs "now" takes a :data:`Clock` (tests pass a frozen or stepping one) and
defaults to :func:`utc_now`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

#: Gives "now", timezone-aware.
Clock = Callable[[], datetime]

#: A skew the registry tolerates in a token's ``iat`` (it allows 30 s ahead): beyond it, the
#: kiosk dates its tokens by the registry's clock, staff see the skew on 服務機狀態, and the
#: Welcome screen asks the parent to tell the school office.
SKEW_WARNING_S: Final = 30.0


def clock_needs_staff(skew: float | None) -> bool:
    """Whether a skew (the registry's clock minus the kiosk's, in seconds; None: not known yet)
    is beyond what the registry tolerates, so staff should set the kiosk's clock."""
    return skew is not None and abs(skew) > SKEW_WARNING_S


def utc_now() -> datetime:
    """Now, timezone-aware in UTC: the real clock."""
    return datetime.now(UTC)
