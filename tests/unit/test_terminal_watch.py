"""A kiosk whose terminal went away reports the hang-up, however it ended."""

from __future__ import annotations

import os
import pty
from typing import Any

from kiosk.terminal import TerminalWatch


class _App:
    def call_from_thread(self, *_args: Any) -> None:
        """Not needed here: the watch's own look comes too late for these tests."""


def test_a_terminal_gone_before_the_watch_looked_is_a_hang_up() -> None:
    """The app may end by itself on a dead terminal before the watch's next look: the
    terminal is gone all the same (the service manager must read 129, not a failure)."""
    master, slave = pty.openpty()
    try:
        with TerminalWatch(_App(), fd=slave, interval=3600) as watch:  # type: ignore[arg-type]
            assert not watch.hung_up
            os.close(master)  # the terminal window closes
        assert watch.hung_up
    finally:
        os.close(slave)


def test_a_terminal_still_there_is_no_hang_up() -> None:
    master, slave = pty.openpty()
    try:
        with TerminalWatch(_App(), fd=slave, interval=3600) as watch:  # type: ignore[arg-type]
            pass
        assert not watch.hung_up
    finally:
        os.close(slave)
        os.close(master)
