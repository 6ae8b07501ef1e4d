"""Staff actions taken on this kiosk while the registry could not be reached, kept to upload.

Leaving kiosk mode or 立即同步 is audited at the registry as it happens; when the registry is out
of reach the event is kept here instead, with the staff token the member was signed in with
(sealed: it is a credential until it expires), and uploaded by the sync worker like an application
(:mod:`kiosk.staff_upload`) once the registry answers. An uploaded event is deleted here; one the
registry refuses for good is kept, marked with the refusal, and never sent again.

(Issue 9's queued parent actions, :mod:`store.local.actions`, are a similar queue; the two could
become one later.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.local.tables import StaffEventRow
from store.sealing import Sealer

#: Events uploaded in one pass at most (the rest wait for the next).
BATCH: Final = 50


@dataclass(frozen=True, slots=True)
class StaffEvent:
    """A kept staff action, its token opened."""

    event_id: uuid.UUID
    action: str
    at: datetime
    staff_token: str


def _context(event_id: str) -> bytes:
    return f"staff_event:{event_id}".encode()


class StaffEventStore:
    """Keeps staff actions for upload, and forgets them once the registry has them.

    Args:
        sessions: Sessions on the kiosk's database.
        sealer: Seals the staff tokens.
    """

    def __init__(self, sessions: sessionmaker[Session], sealer: Sealer) -> None:
        self._sessions = sessions
        self._sealer = sealer

    def keep(self, action: str, *, at: datetime, staff_token: str) -> uuid.UUID:
        """Keeps one action to upload; its new id."""
        event_id = uuid.uuid4()
        key = str(event_id)
        sealed = self._sealer.seal(staff_token.encode(), context=_context(key))
        with self._sessions.begin() as session:
            session.add(StaffEventRow(id=key, action=action, at=at, sealed_token=sealed))
        return event_id

    def waiting(self, limit: int = BATCH) -> list[StaffEvent]:
        """The events still to upload, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(StaffEventRow)
                .where(StaffEventRow.refused.is_(None))
                .order_by(StaffEventRow.at)
                .limit(limit)
            ).all()
            return [
                StaffEvent(
                    event_id=uuid.UUID(row.id),
                    action=row.action,
                    at=row.at,
                    staff_token=self._sealer.open(
                        row.sealed_token, context=_context(row.id)
                    ).decode(),
                )
                for row in rows
            ]

    def uploaded(self, event_id: uuid.UUID) -> None:
        """The registry has it: forgotten here (the token with it)."""
        with self._sessions.begin() as session:
            session.execute(delete(StaffEventRow).where(StaffEventRow.id == str(event_id)))

    def failed(self, event_id: uuid.UUID, *, refused: str | None) -> None:
        """An attempt failed: counted; with ``refused`` (an error code) never sent again."""
        with self._sessions.begin() as session:
            session.execute(
                update(StaffEventRow)
                .where(StaffEventRow.id == str(event_id))
                .values(attempts=StaffEventRow.attempts + 1, refused=refused)
            )

    def count(self) -> int:
        """Events still to upload."""
        with self._sessions() as session:
            return len(
                session.scalars(
                    select(StaffEventRow.id).where(StaffEventRow.refused.is_(None))
                ).all()
            )
