"""A kiosk whose terminal is gone ends, so that its service manager starts it again.

When the terminal closes (a compositor's terminal crashes, ``tmux kill-session``), the kiosk gets
a hang-up, or at least its terminal answers every question with an I/O error; Textual's input
thread then spins on the dead terminal and the app would run on, unseen, burning a core (with the
demo's registry child still serving). :class:`TerminalWatch` notices either and ends the app with
:data:`EXIT_HANGUP`; should the app not end within a grace period, the process ends itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import termios
import threading
from types import FrameType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

#: The exit status of a kiosk whose terminal went away (as a shell reports a SIGHUP death).
EXIT_HANGUP: Final = 128 + signal.SIGHUP


class TerminalWatch:
    """Ends ``app`` when its terminal hangs up or stops answering.

    Use it around ``app.run()``::

        with TerminalWatch(app):
            app.run()

    Args:
        app: The app to end.
        fd: The terminal's file descriptor (standard input when None); nothing is watched when it
            is not a terminal (a test's pipe).
        interval: How often the terminal is asked whether it is still there, in seconds.
        grace: How long the app has to end by itself once the terminal is gone, in seconds.
    """

    def __init__(
        self,
        app: App[object] | App[None],
        *,
        fd: int | None = None,
        interval: float = 1.0,
        grace: float = 5.0,
    ) -> None:
        self._app = app
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._interval = interval
        self._grace = grace
        self._gone = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="terminal-watch", daemon=True)
        self._watched = False
        self._previous: signal.Handlers | object = None

    def __enter__(self) -> TerminalWatch:
        if not os.isatty(self._fd):
            return self
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGHUP, self._hangup)
        self._watched = True
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        if self._previous is not None:
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signal.SIGHUP, self._previous)  # type: ignore[arg-type]

    @property
    def hung_up(self) -> bool:
        """Whether the terminal went away while the app ran — noticed by the watch, or gone by
        the time this is asked (an app that ended by itself on a dead terminal, before the
        watch's next look, ended because its terminal went away too)."""
        return self._gone.is_set() or (self._watched and not self._alive())

    def _hangup(self, signum: int, frame: FrameType | None) -> None:
        # A signal handler only notes it: the watching thread ends the app.
        self._gone.set()

    def _alive(self) -> bool:
        try:
            termios.tcgetattr(self._fd)
        except (termios.error, OSError):
            return False
        return True

    def _watch(self) -> None:
        while not self._stopped.is_set():
            if self._gone.wait(self._interval) or not self._alive():
                break
        if self._stopped.is_set():
            return
        self._gone.set()
        log.warning("the terminal is gone: ending the kiosk")
        # Should the app not come down (it may block writing to the dead terminal), end the process.
        killer = threading.Timer(self._grace, os._exit, (EXIT_HANGUP,))
        killer.daemon = True
        killer.start()
        with contextlib.suppress(Exception):
            self._app.call_from_thread(self._app.exit, None, EXIT_HANGUP)
