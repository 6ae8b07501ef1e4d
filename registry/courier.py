"""This process's sender of queued messages: one thread, after the answers, in batches.

A decision's message (an application received, a binding approved or rejected) is queued in the
decision's own transaction (:func:`registry.services.notifications.deliver_after_commit`); once
that has committed, the request hands the row's id to :meth:`Courier.soon` and answers. The
courier's thread takes every id handed over meanwhile as one batch (one transaction claims them,
one settles them; a morning rush of submissions costs a few statements per batch, not two
transactions per answer), and every ``every`` seconds it sends whatever else is due: the retries,
and messages another process queued but could not send (the sending loop).

A message stays in the durable queue until it is settled, so a process that stops with ids still
in hand loses none: the sending loop of any process sends them once their first wait is over.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from registry.notify.base import Notifier
from registry.services import notifications

_log = logging.getLogger(__name__)

#: The most messages one batch claims.
BATCH: Final = 100
_STOP: Final = -1


class Courier:
    """Sends queued messages from a thread of its own (see the module's docstring).

    Until :meth:`start` (and after :meth:`stop`), :meth:`soon` sends in the caller's thread, as
    a command-line tool or a test without the app's lifespan needs.
    """

    def __init__(
        self,
        notifier: Notifier,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        every: float,
    ) -> None:
        self._notifier = notifier
        self._sessions = sessions
        self._clock = clock
        self._every = every
        self._handed: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._settled = threading.Condition()

    def start(self) -> None:
        """Starts the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="courier", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Sends what was handed over, then ends the thread (waits at most ``timeout`` s)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._handed.put(_STOP)
            thread.join(timeout)

    def soon(self, queued: int) -> None:
        """Sends the queued message ``queued`` soon: in the thread, or here when it is not
        running. Never raises: a message not sent stays queued for the sending loop."""
        if self._thread is not None:
            with self._settled:
                self._pending += 1
            self._handed.put(queued)
            return
        self._send([queued])

    def wait_idle(self, timeout: float) -> bool:
        """Whether every message handed over so far was tried within ``timeout`` seconds."""
        with self._settled:
            return self._settled.wait_for(lambda: self._pending == 0, timeout)

    def _send(self, ids: list[int] | None) -> None:
        try:
            if ids is None:
                notifications.deliver_due(self._notifier, self._sessions, now=self._clock())
            else:
                notifications.deliver_claimed(
                    self._notifier, self._sessions, now=self._clock(), only=ids
                )
        except Exception:  # whatever went wrong leaves them queued for the next round
            _log.exception("sending queued messages failed; the sending loop will try again")

    def _run(self) -> None:
        self._send(None)
        due_at = time.monotonic() + self._every
        while True:
            try:
                first = self._handed.get(timeout=max(due_at - time.monotonic(), 0.0))
            except queue.Empty:
                first = None
            if first is None or time.monotonic() >= due_at:  # the sending loop's round
                self._send(None)
                due_at = time.monotonic() + self._every
            if first is None:
                continue
            ids = [first]
            while len(ids) < BATCH:
                try:
                    ids.append(self._handed.get_nowait())
                except queue.Empty:
                    break
            stop = _STOP in ids
            handed = [queued for queued in ids if queued != _STOP]
            if handed:
                self._send(handed)
                with self._settled:
                    self._pending -= len(handed)
                    self._settled.notify_all()
            if stop:
                return
