"""When a kiosk left alone asks 「仍在使用嗎？」, and when it wipes the session (SPEC.md §2).

:class:`IdleWatch` keeps the time of the last key or click on a monotonic clock (seconds, as
``time.monotonic`` gives them) and answers, each time it is asked, what the kiosk should show:
nothing (:attr:`Idleness.ACTIVE`), the countdown (:attr:`Idleness.ASKING`, with the seconds
left) or a fresh Welcome screen (:attr:`Idleness.EXPIRED`). A busy action (a code being sent, an
application uploading) counts as activity: it is never cut off, and the parent gets the whole
idle time again once it ends.

Pure: no UI and no timers. The app asks it once a second; tests give it a clock they move.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Final

#: How long 「仍在使用嗎？」 counts down before the session is wiped (seconds).
COUNTDOWN_SECONDS: Final = 20.0


class Idleness(Enum):
    """What an idle kiosk should do now."""

    ACTIVE = "active"
    """Someone is using it (or it is busy): nothing to show."""
    ASKING = "asking"
    """The countdown: ask whether anyone is still there."""
    EXPIRED = "expired"
    """Nobody answered: wipe the session and show Welcome."""


@dataclass(frozen=True, slots=True)
class IdleState:
    """The answer of :meth:`IdleWatch.check`.

    Attributes:
        idleness: What to do.
        seconds_left: Whole seconds until the wipe (shown by the countdown; 0 once expired).
    """

    idleness: Idleness
    seconds_left: int


class IdleWatch:
    """The time since the last input, and what it means.

    Args:
        idle_seconds: How long without input before the countdown starts.
        clock: A monotonic clock in seconds (``time.monotonic``; tests pass one they move).
        countdown_seconds: How long the countdown lasts.

    Raises:
        ValueError: A duration is not positive.
    """

    def __init__(
        self,
        idle_seconds: float,
        clock: Callable[[], float],
        *,
        countdown_seconds: float = COUNTDOWN_SECONDS,
    ) -> None:
        if idle_seconds <= 0 or countdown_seconds <= 0:
            raise ValueError("idle and countdown durations must be positive")
        self._idle = idle_seconds
        self._countdown = countdown_seconds
        self._clock = clock
        self._last = clock()

    def touch(self) -> None:
        """A key, a click or a busy action: the idle time starts again."""
        self._last = self._clock()

    def idle_for(self) -> float:
        """Seconds since the last input."""
        return self._clock() - self._last

    def check(self, *, busy: bool = False) -> IdleState:
        """What to do now.

        Args:
            busy: Whether an action is in flight (it counts as input, so it is never cut off).
        """
        if busy:
            self.touch()
        elapsed = self._clock() - self._last
        if elapsed < self._idle:
            return IdleState(Idleness.ACTIVE, math.ceil(self._countdown))
        left = self._idle + self._countdown - elapsed
        if left > 0:
            return IdleState(Idleness.ASKING, math.ceil(left))
        return IdleState(Idleness.EXPIRED, 0)
