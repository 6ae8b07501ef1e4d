"""The retention period's end: a decided application kept only as its receipt.

Once the period has passed since an application was decided (every student approved, rejected
or cancelled, or the application refused at sync), :func:`reduce_decided` deletes its personal
part — the application, its students and its outbox entry — and keeps a :class:`Receipt`: the
receipt number, the times and each student's level, school, status and binding, so 查詢申請進度
and the staff can still say what became of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import orm, select
from sqlalchemy.orm import Session

from kiosk.domain.status import ApplicationStatus
from store.local.tables import Application, AuditEvent, Receipt


def reduce_decided(session: Session, *, decided_before: datetime, now: datetime) -> list[str]:
    """Reduces applications decided before ``decided_before`` to their receipt. Does not commit.

    Args:
        session: The session whose transaction does it (all reduced, or none).
        decided_before: The retention period's start (now minus the period).
        now: The time.

    Returns:
        The receipt numbers reduced.
    """
    applications = session.scalars(
        select(Application)
        .where(
            Application.status == ApplicationStatus.DECIDED,
            Application.decided_at < decided_before,
        )
        .options(orm.selectinload(Application.students))
    ).all()
    for application in applications:
        session.add(
            Receipt(
                receipt=application.receipt,
                application_id=application.id,
                submitted_at=application.created_at,
                decided_at=application.decided_at,
                statuses=[
                    {
                        "level": student.level.value,
                        "school_code": student.school_code,
                        "status": student.status.value,
                        "binding_id": student.binding_id,
                    }
                    for student in application.students
                ],
                created_at=now,
            )
        )
        session.add(
            AuditEvent(
                at=now,
                actor="kiosk",
                action="application.reduced",
                subject_id=application.id,
                detail={"receipt": application.receipt},
            )
        )
        session.delete(application)
    return [application.receipt for application in applications]
