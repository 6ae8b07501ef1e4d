"""The queue of actions: what the kiosk must tell the registry, kept until the registry has it.

An action is a ``kind`` (what to do: ``binding.cancel``, ``bindings.purge``, and whatever else is
queued later), a JSON ``payload`` (its facts, never personal data), when it was made
(``created_at``) and when the registry took it (``sent_at``). It is saved in one local
transaction before it is tried, so that it survives the registry being away, a reload and a
restart, and is uploaded once the registry answers (:mod:`kiosk.sync_actions`); its id is the
registry's idempotency key, so sending it again never applies it twice. A refusal (the binding
was approved meanwhile, say) ends it too, marked refused with the registry's error code.

Each action may name the verified contact that asked (as a keyed fingerprint, like the
applications), so the parent's progress page can show what of theirs still waits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.contact import Contact
from store.local.codec import SealedCodec
from store.local.tables import OutboxEntry, QueuedAction


@dataclass(frozen=True, slots=True)
class QueuedItem:
    """One action of the queue, detached from the database.

    Attributes:
        action_id: Its id (the registry's idempotency key).
        kind: What to do.
        payload: Its facts.
        created_at: When it was asked for.
        sent_at: When the registry took it (or refused it); None while it waits.
        attempts: Tries that failed so far.
        last_error: The error code of the last failed try, or of the refusal.
        refused: Whether the registry refused it for good.
    """

    action_id: uuid.UUID
    kind: str
    payload: Mapping[str, Any]
    created_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    refused: bool = False

    @property
    def waiting(self) -> bool:
        """Whether it still waits to be uploaded."""
        return self.sent_at is None


class ActionQueue:
    """The queue of actions on the kiosk's database.

    Args:
        session_factory: Sessions on the kiosk's database (migrated to head).
        codec: Gives the keyed fingerprint of a contact.
    """

    def __init__(self, session_factory: sessionmaker[Session], codec: SealedCodec) -> None:
        self._sessions = session_factory
        self._codec = codec

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        now: datetime,
        contact: Contact | None = None,
        action_id: uuid.UUID | None = None,
    ) -> QueuedItem:
        """Saves an action (one transaction): from now on it is uploaded whatever happens.

        Args:
            kind: What to do (the uploader's handler of that kind uploads it).
            payload: Its facts, JSON-serialisable, no personal data.
            now: When it was asked for (due at once).
            contact: The verified contact that asked, if any (its page shows it waiting).
            action_id: Its id; a new one when not given. Enqueueing an id again changes nothing.
        """
        key = str(action_id or uuid.uuid4())
        with self._sessions.begin() as session:
            row = session.get(QueuedAction, key)
            if row is None:
                row = QueuedAction(
                    id=key,
                    kind=kind,
                    payload=dict(payload),
                    contact_fingerprint=self._codec.fingerprint(contact) if contact else None,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
                session.add(row)
                session.flush()
            return _item(row)

    def get(self, action_id: uuid.UUID) -> QueuedItem | None:
        """The action with this id, or None."""
        with self._sessions() as session:
            row = session.get(QueuedAction, str(action_id))
            return None if row is None else _item(row)

    def due(self, now: datetime, limit: int = 100) -> list[QueuedItem]:
        """Actions still waiting whose time has come, oldest first (the order they were asked)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(QueuedAction)
                .where(QueuedAction.sent_at.is_(None), QueuedAction.next_attempt_at <= now)
                .order_by(QueuedAction.created_at, QueuedAction.id)
                .limit(limit)
            ).all()
            return [_item(row) for row in rows]

    def waiting_for(self, contact: Contact, kinds: frozenset[str]) -> list[QueuedItem]:
        """The actions of ``kinds`` this contact asked for that still wait, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(QueuedAction)
                .where(
                    QueuedAction.sent_at.is_(None),
                    QueuedAction.contact_fingerprint == self._codec.fingerprint(contact),
                    QueuedAction.kind.in_(kinds),
                )
                .order_by(QueuedAction.created_at, QueuedAction.id)
            ).all()
            return [_item(row) for row in rows]

    def waiting_count(self) -> int:
        """How many actions still wait (kiosk health)."""
        with self._sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(QueuedAction).where(QueuedAction.sent_at.is_(None))
            )
            return int(count or 0)

    def applications_waiting_before(self, moment: datetime) -> int:
        """Applications saved until ``moment`` that the registry has not taken yet (a purge asked
        at ``moment`` waits for them: it must find them there)."""
        with self._sessions() as session:
            count = session.scalar(
                select(func.count())
                .select_from(OutboxEntry)
                .where(OutboxEntry.acked_at.is_(None), OutboxEntry.created_at <= moment)
            )
            return int(count or 0)

    def mark_sent(self, action_id: uuid.UUID, *, now: datetime) -> None:
        """The registry took the action: it waits no more. Safe to call again."""
        self._end(action_id, now=now, refused=False, error=None)

    def mark_refused(self, action_id: uuid.UUID, error_code: str, *, now: datetime) -> None:
        """The registry refused the action for good: it waits no more, and says why."""
        self._end(action_id, now=now, refused=True, error=error_code)

    def mark_attempt_failed(
        self, action_id: uuid.UUID, error_code: str, *, next_attempt_at: datetime
    ) -> None:
        """A try did not reach (or not move) the registry: tried again at ``next_attempt_at``."""
        with self._sessions.begin() as session:
            session.execute(
                update(QueuedAction)
                .where(QueuedAction.id == str(action_id), QueuedAction.sent_at.is_(None))
                .values(
                    attempts=QueuedAction.attempts + 1,
                    last_error=error_code,
                    next_attempt_at=next_attempt_at,
                )
            )

    def retry_now(self, error_codes: frozenset[str], *, now: datetime) -> int:
        """Actions put off for one of ``error_codes`` (the registry away) are due now."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(QueuedAction)
                .where(
                    QueuedAction.sent_at.is_(None),
                    QueuedAction.last_error.in_(error_codes),
                    QueuedAction.next_attempt_at > now,
                )
                .values(next_attempt_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def _end(
        self, action_id: uuid.UUID, *, now: datetime, refused: bool, error: str | None
    ) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(QueuedAction)
                .where(QueuedAction.id == str(action_id), QueuedAction.sent_at.is_(None))
                .values(sent_at=now, refused=refused, last_error=error)
            )


def _item(row: QueuedAction) -> QueuedItem:
    return QueuedItem(
        action_id=uuid.UUID(row.id),
        kind=row.kind,
        payload=dict(row.payload),
        created_at=row.created_at,
        sent_at=row.sent_at,
        attempts=row.attempts,
        last_error=row.last_error,
        refused=row.refused,
    )
