"""The file outbox: every message as one JSON line, for the demo and the tests.

Format (registry/API.md, "File outbox")::

    {"id", "channel": "email"|"sms", "to", "subject", "body", "created_at", "meta": {...}}
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.contact import Channel
from registry.notify.base import Notification, NotifyError, NotifyFailure


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One message as the file outbox holds it.

    Attributes:
        id: A UUID given when the message was written.
        created_at: When it was written (timezone-aware).
        notification: The message itself.
    """

    id: str
    created_at: datetime
    notification: Notification

    @property
    def kind(self) -> str:
        """What the message is about (``code``, ``account_created``, ...), or ``""``."""
        return self.notification.meta.get("kind", "")

    def to_json(self) -> str:
        """The entry as one line of JSON (without the newline)."""
        n = self.notification
        return json.dumps(
            {
                "id": self.id,
                "channel": n.channel.value,
                "to": n.to,
                "subject": n.subject,
                "body": n.body,
                "created_at": self.created_at.isoformat(),
                "meta": dict(n.meta),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> OutboxEntry:
        """Reads one line written by :meth:`to_json`.

        Raises:
            ValueError: The line is not such an entry.
        """
        try:
            raw = json.loads(line)
            meta: Mapping[str, str] = MappingProxyType(
                {str(k): str(v) for k, v in dict(raw.get("meta") or {}).items()}
            )
            return cls(
                id=str(raw["id"]),
                created_at=datetime.fromisoformat(str(raw["created_at"])),
                notification=Notification(
                    channel=Channel(raw["channel"]),
                    to=str(raw["to"]),
                    subject=str(raw["subject"]),
                    body=str(raw["body"]),
                    meta=meta,
                ),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError("not an outbox entry") from exc


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
        entry = OutboxEntry(
            id=str(uuid.uuid4()), created_at=self._clock(), notification=notification
        )
        data = (entry.to_json() + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("ab") as file:
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

    def entries(self) -> Iterator[OutboxEntry]:
        """Every entry, oldest first; lines that cannot be read (a torn last line) are skipped."""
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
                yield OutboxEntry.from_json(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue

    def latest(self, n: int = 10, to: str | None = None) -> list[OutboxEntry]:
        """The newest ``n`` entries, oldest first.

        Args:
            n: How many at most.
            to: Only messages to this exact address (as the registry normalised it).
        """
        newest: deque[OutboxEntry] = deque(maxlen=max(n, 0))
        for entry in self.entries():
            if to is None or entry.notification.to == to:
                newest.append(entry)
        return list(newest)
