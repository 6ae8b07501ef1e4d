"""The audit log: who did what to what (no personal data in the details)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store.central import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str | None,
    now: datetime,
    **detail: str | int | bool | None,
) -> None:
    """Adds an audit event to the session's transaction (it lands when that commits).

    Does not commit. Audit rows are written here, by the services that do what they record, so
    that the event and the change commit or roll back together.

    Args:
        session: The transaction the action happened in.
        actor: ``staff:<id>``, ``kiosk:<id>``, ``parent:<session id>``, ``cli`` or ``system``.
        action: What was done (``binding.approve``, ``kiosk.enroll``, ...).
        subject: What it was done to (``binding:<id>``), if anything.
        now: When.
        detail: Small facts worth keeping (ids, counts, statuses); never names, IDs or contacts.
    """
    session.add(AuditEvent(at=now, actor=actor, action=action, subject=subject, detail=detail))
