"""When to try again: the backoff, kept on a monotonic clock (a clock put right stretches no wait).

The outbox keeps each entry's next try as a wall-clock time (it must survive a restart). When
the kiosk's clock was ahead and is then put right, every such time lies too far ahead, by the
size of the correction: an entry put off for 30 s would wait 10½ minutes. :class:`ClockWatch`
compares the wall clock with the monotonic one between runs and reports such a jump, so the sync
worker moves the waiting entries by it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from kiosk.domain.clock import Clock
from kiosk.settings import SyncSettings

#: Smaller differences between the two clocks are drift and scheduling, not a correction.
JUMP_THRESHOLD: Final = timedelta(seconds=30)


class ClockWatch:
    """Tells how far the wall clock jumped since it was last asked.

    Args:
        wall: The wall clock (the kiosk's "now").
        monotonic: Seconds on a clock that never jumps.
    """

    def __init__(self, wall: Clock, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._last: tuple[datetime, float] | None = None

    def jump(self) -> timedelta | None:
        """How far the wall clock was set back since the last call (a negative span); None when
        it kept pace with the monotonic clock, was set forward, or on the first call."""
        wall, mono = self._wall(), self._monotonic()
        last, self._last = self._last, (wall, mono)
        if last is None:
            return None
        expected = last[0] + timedelta(seconds=mono - last[1])
        jumped = wall - expected
        # Set forward (it was behind), waits come early, which costs nothing: only a clock set
        # back stretches them.
        return jumped if jumped < -JUMP_THRESHOLD else None


def backoff(attempts: int, settings: SyncSettings, rng: random.Random) -> timedelta:
    """How long to put an entry off after its ``attempts``-th failed run.

    Exponential (``backoff_initial_seconds`` doubled per attempt, capped at
    ``backoff_max_seconds``) with "equal jitter": a random point in the upper half, so kiosks
    that lost the registry together do not all come back in the same second.
    """
    ceiling = settings.backoff_max_seconds
    delay = min(ceiling, settings.backoff_initial_seconds * 2.0 ** max(0, min(attempts - 1, 30)))
    return timedelta(seconds=delay / 2 + rng.uniform(0, delay / 2))
