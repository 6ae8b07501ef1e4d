"""One line of the registry's file outbox: written by the registry, read by it and the demo kiosk.

The file outbox (registry/API.md, "File outbox") holds every message the registry "sent" as one
JSON line::

    {"id", "channel": "email"|"sms", "to", "subject", "body", "created_at", "meta": {...}}

This module is that format, once: :meth:`OutboxLine.to_json` writes a line and
:meth:`OutboxLine.from_json` reads one back. It lives in the domain because both sides use it and
neither may import the other (the registry imports nothing of the kiosk but its domain; the kiosk
nothing of the registry).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from kiosk.domain.contact import Channel


@dataclass(frozen=True, slots=True)
class OutboxLine:
    """One message as the file outbox holds it.

    Attributes:
        id: A UUID given when the message was written.
        created_at: When it was written (timezone-aware).
        channel: Email or SMS.
        to: The address: an email address, or a mobile number in E.164 (``+886912345678``).
        subject: The email subject.
        body: The text.
        meta: Machine-readable facts about the message (``{"kind": "code", "code": "549497"}``).
    """

    id: str
    created_at: datetime
    channel: Channel
    to: str
    subject: str
    body: str
    meta: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def kind(self) -> str:
        """What the message is about (``code``, ``account_created``, ...), or ``""``."""
        return self.meta.get("kind", "")

    def to_json(self) -> str:
        """The message as one line of JSON (without the newline; Chinese left readable)."""
        return json.dumps(
            {
                "id": self.id,
                "channel": self.channel.value,
                "to": self.to,
                "subject": self.subject,
                "body": self.body,
                "created_at": self.created_at.isoformat(),
                "meta": dict(self.meta),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> OutboxLine:
        """Reads one line written by :meth:`to_json`.

        Raises:
            ValueError: The line is not such a message (not JSON, not UTF-8, a field missing or
                of the wrong kind: a torn last line, say).
        """
        try:
            raw = json.loads(line)
            meta: Mapping[str, str] = MappingProxyType(
                {str(k): str(v) for k, v in dict(raw.get("meta") or {}).items()}
            )
            return cls(
                id=str(raw["id"]),
                created_at=datetime.fromisoformat(str(raw["created_at"])),
                channel=Channel(raw["channel"]),
                to=str(raw["to"]),
                subject=str(raw["subject"]),
                body=str(raw["body"]),
                meta=meta,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError("not an outbox line") from exc
