"""The crash tests' hook into every push: where a sync run may be SIGKILLed on purpose.

:mod:`kiosk.sync` calls a :data:`Checkpoint` at each :class:`CrashPoint` of every push; in
production there is none, and ``KIOSK_TEST_CRASH_AT=<point>`` makes one that kills the process
there (:func:`crash_hook_from_env`).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Final

#: Environment variable of the crash test hook (see :func:`crash_hook_from_env`).
CRASH_ENV: Final = "KIOSK_TEST_CRASH_AT"


class CrashPoint(StrEnum):
    """The steps of one push, where the crash tests kill the process."""

    BEFORE_SEND = "before_send"
    """The entry was read from the outbox; nothing was sent."""
    AFTER_COMMIT = "after_commit"
    """The registry answered (it has committed the application); the kiosk has not noted it."""
    AFTER_ACK = "after_ack"
    """The kiosk noted the answer: the entry left the outbox."""


#: Called at each :class:`CrashPoint` of every push (a test hook; nothing in production).
Checkpoint = Callable[[CrashPoint], None]


def crash_hook_from_env(environ: Mapping[str, str] = os.environ) -> Checkpoint | None:
    """The crash tests' hook: ``KIOSK_TEST_CRASH_AT=<point>`` makes the process SIGKILL itself
    the first time a push reaches that point. None when the variable is not set.

    Raises:
        ValueError: The variable names no :class:`CrashPoint`.
    """
    named = environ.get(CRASH_ENV)
    if not named:
        return None
    point = CrashPoint(named)

    def crash(reached: CrashPoint) -> None:
        if reached is point:
            os.kill(os.getpid(), signal.SIGKILL)

    return crash
