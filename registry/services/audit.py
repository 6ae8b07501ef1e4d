"""The audit log: who did what to what (no personal data in the details), and its listing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, literal, or_, select
from sqlalchemy.orm import Session

from registry.services.locks import lock
from store.central import AuditEvent, LateStaffEvent, StaffAccount


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


def record_kiosk_action(
    session: Session, *, staff_id: int, school: str, kiosk_id: str, action: str, now: datetime
) -> None:
    """A staff action taken on a kiosk itself (leaving kiosk mode, 立即同步). Does not commit."""
    record(
        session,
        actor=f"staff:{staff_id}",
        action=action,
        subject=f"kiosk:{kiosk_id}",
        now=now,
        school=school,
    )


def record_late_kiosk_action(
    session: Session,
    *,
    event_id: uuid.UUID,
    staff_id: int,
    school: str,
    kiosk_id: str,
    action: str,
    at: datetime,
    now: datetime,
) -> bool:
    """A staff action a kiosk kept while offline, uploaded now: audited at the time it happened,
    once per ``event_id`` (a repeated upload records nothing). Does not commit.

    Returns:
        Whether it was recorded now (False: it had been already).
    """
    lock(session, f"late-event:{event_id}")
    if session.get(LateStaffEvent, event_id) is not None:
        return False
    session.add(LateStaffEvent(event_id=event_id, kiosk_id=kiosk_id, received_at=now))
    record(
        session,
        actor=f"staff:{staff_id}",
        action=action,
        subject=f"kiosk:{kiosk_id}",
        now=at,
        school=school,
        offline=True,
        uploaded_at=now.isoformat(),
    )
    return True


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An audit event as ``registry audit`` lists it.

    Attributes:
        at: When.
        actor: ``staff:<id>``, ``kiosk:<id>``, ...
        staff: The staff member's login, for a staff actor.
        school: The staff member's school (else the event's own ``school`` detail).
        action: What was done.
        subject: What it was done to.
        detail: Its small facts.
        kiosk: The kiosk it was done on (proven by the kiosk's own token), if any.
    """

    at: datetime
    actor: str
    staff: str | None
    school: str | None
    action: str
    subject: str | None
    detail: dict[str, Any]
    kiosk: str | None = None


def list_events(
    session: Session,
    *,
    school: str | None = None,
    staff: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[AuditRow]:
    """Audit events, oldest first, filtered (every filter given must hold).

    Args:
        session: Reads the log.
        school: Events of this school's staff (or naming this school).
        staff: Events of the staff member with this login.
        action: Events of this action (``binding.approve``, ``staff.login_failed``, ...).
        since: Events at or after this moment.
        until: Events before this moment.
        limit: At most this many (the newest of them).
    """
    staff_actor = literal("staff:") + cast(StaffAccount.id, String)
    query = select(AuditEvent, StaffAccount.username, StaffAccount.school_code).outerjoin(
        StaffAccount, AuditEvent.actor == staff_actor
    )
    if school is not None:
        # Staff of other schools go here; other actors are sorted by their detail below.
        query = query.where(or_(StaffAccount.school_code == school, StaffAccount.id.is_(None)))
    if staff is not None:
        query = query.where(StaffAccount.username == staff)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
    listed = [
        AuditRow(
            at=event.at,
            actor=event.actor,
            staff=username,
            school=staff_school or _detail_school(event.detail),
            action=event.action,
            subject=event.subject,
            detail=dict(event.detail or {}),
            kiosk=_kiosk_of(event.subject, event.detail),
        )
        for event, username, staff_school in reversed(rows)
    ]
    return [row for row in listed if school is None or row.school == school]


def _detail_school(detail: dict[str, Any] | None) -> str | None:
    value = (detail or {}).get("school")
    return value if isinstance(value, str) else None


def _kiosk_of(subject: str | None, detail: dict[str, Any] | None) -> str | None:
    value = (detail or {}).get("kiosk")
    if isinstance(value, str):
        return value
    if subject is not None and subject.startswith("kiosk:"):
        return subject.removeprefix("kiosk:")
    return None
