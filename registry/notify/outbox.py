"""The file outbox: every message as one JSON line, for the demo and the tests.

The line format (registry/API.md, "File outbox") is :class:`kiosk.domain.outbox_line.OutboxLine`,
which the demo kiosk reads too.
"""

from __future__ import annotations

import fcntl
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.outbox_line import OutboxLine
from registry.notify.base import Notification, NotifyError, NotifyFailure


class FileOutbox:
    """A notifier that appends every message to a JSON-lines file instead of sending it.

    Safe for several threads and several registry processes on one machine: each append holds
    an exclusive ``flock`` on the file and is flushed and fsynced before :meth:`send` returns, so
    a reader never sees half a line and a message reported sent survives a crash.

    Args:
        path: The file (created, with its folder, on the first message).
        clock: Gives the time written as ``created_at``; injected by tests.
    """

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        """Appends the message as one JSON line.

        Raises:
            NotifyError: The file could not be written (``outbox``).
        """
        line = OutboxLine(
            id=str(uuid.uuid4()),
            created_at=self._clock(),
            channel=notification.channel,
            to=notification.to,
            subject=notification.subject,
            body=notification.body,
            meta=notification.meta,
        )
        data = (line.to_json() + "\n").encode("utf-8")
        try:
            # The lines hold one-time codes: the file is its owner's alone (0600, in 0700).
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with self._lock, os.fdopen(fd, "ab") as file:
                # The flock serialises writers in other processes; the thread lock those here
                # (flock is per open file description, so threads would not exclude each other).
                fcntl.flock(file.fileno(), fcntl.LOCK_EX)
                try:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                finally:
                    fcntl.flock(file.fileno(), fcntl.LOCK_UN)
        except OSError as exc:
            raise NotifyError(NotifyFailure.OUTBOX, exc.__class__.__name__) from exc

    def entries(self) -> Iterator[OutboxLine]:
        """Every message, oldest first; lines that cannot be read (a torn last line) are skipped."""
        try:
            file = self.path.open("rb")
        except FileNotFoundError:
            return
        with file:
            # Read under a shared lock, parse after releasing it: a caller that sends while
            # iterating must not wait for itself.
            fcntl.flock(file.fileno(), fcntl.LOCK_SH)
            try:
                lines = file.read().splitlines()
            finally:
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)
        for raw in lines:
            try:
                yield OutboxLine.from_json(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue

    def latest(self, n: int = 10, to: str | None = None) -> list[OutboxLine]:
        """The newest ``n`` messages, oldest first.

        Args:
            n: How many at most.
            to: Only messages to this exact address (as the registry normalised it).
        """
        newest: deque[OutboxLine] = deque(maxlen=max(n, 0))
        for line in self.entries():
            if to is None or line.to == to:
                newest.append(line)
        return list(newest)
