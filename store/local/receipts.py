"""Corrections of saved applications: receipt numbers that never repeat, versions withdrawn.

- A kiosk whose counter was lost with its database (a restore from an older copy, a new
  database) would give numbers again that parents already hold; the registry refuses a second
  application under a number (unique per kiosk) and tells a kiosk its last one
  (``GET /v1/kiosks/me``). :func:`resume_past` moves the counter past it; :func:`renumber` gives
  a waiting application that was refused for its number the next free one.
- :func:`withdraw` takes back a saved version the parent changed afterwards (返回修改 after an
  error): never pushed again, shown nowhere.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import ApplicationStatus
from store.local.applications import RENUMBERED, WITHDRAWN
from store.local.codec import SealedCodec
from store.local.tables import Application, AuditEvent, OutboxEntry, ReceiptDay

_RECEIPT: Final = re.compile(r"(K[A-Z0-9]{1,8})-(\d{8})-(\d{4,})")


def resume_past(session: Session, last_receipt: str) -> bool:
    """Moves that day's counter up to ``last_receipt``'s number, should it be behind.

    Args:
        session: In a transaction (the caller commits).
        last_receipt: ``K<kiosk>-YYYYMMDD-NNNN``, as the registry has it.

    Returns:
        Whether the counter had to move (audited as ``receipts.resumed``).
    """
    matched = _RECEIPT.fullmatch(last_receipt)
    if matched is None:
        return False
    day, number = matched.group(2), int(matched.group(3))
    counter = session.get(ReceiptDay, day)
    if counter is not None and counter.last_number >= number:
        return False
    if counter is None:
        session.add(ReceiptDay(day=day, last_number=number))
    else:
        counter.last_number = number
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            actor="kiosk",
            action="receipts.resumed",
            detail={"receipt": last_receipt},
        )
    )
    return True


def renumber(
    session: Session,
    codec: SealedCodec,
    application_id: uuid.UUID,
    last_receipt: str | None,
    *,
    now: datetime,
) -> OutboxEntry:
    """Gives a waiting application the next number of its day past ``last_receipt``.

    Its receipt and the saved body's change together (audited ``receipt.renumbered`` with both
    numbers); the rest of the body stays exactly as saved.

    Raises:
        DomainError: ``APPLICATION_NOT_FOUND`` when it does not wait any more.
    """
    application = session.get(Application, str(application_id))
    entry = application.outbox if application is not None else None
    matched = _RECEIPT.fullmatch(application.receipt) if application is not None else None
    if application is None or entry is None or entry.acked_at is not None or matched is None:
        raise DomainError(ErrorCode.APPLICATION_NOT_FOUND)
    if last_receipt is not None:
        resume_past(session, last_receipt)
    code, day = matched.group(1), matched.group(2)
    counter = session.get(ReceiptDay, day)
    if counter is None:
        counter = ReceiptDay(day=day, last_number=int(matched.group(3)))
        session.add(counter)
    counter.last_number += 1
    before, after = application.receipt, f"{code}-{day}-{counter.last_number:04d}"
    body = json.loads(codec.open_payload(entry))
    body["receipt"] = after
    entry.payload = codec.seal_payload(
        application.id, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )
    application.receipt = after
    application.updated_at = now
    session.add(
        AuditEvent(
            at=now,
            actor="kiosk",
            action=RENUMBERED,
            subject_id=application.id,
            detail={"before": before, "after": after},
        )
    )
    session.flush()
    return entry


def withdraw(session: Session, application_id: uuid.UUID, *, now: datetime) -> bool:
    """Withdraws a saved version the parent changed afterwards: never pushed again, shown
    nowhere (its students count as removed), kept for the audit until the retention.

    Whether it reached the registry is not known here: the caller withdraws it there too.

    Returns:
        Whether it was withdrawn just now (False: unknown id, or withdrawn before).
    """
    key = str(application_id)
    application = session.get(Application, key)
    entry = application.outbox if application is not None else None
    if application is None or (entry is not None and entry.last_error == WITHDRAWN):
        return False
    if entry is not None:
        entry.acked_at = entry.acked_at or now
        entry.last_error = WITHDRAWN
    for student in application.students:
        if student.removed_at is None:
            student.removed_at = now
    application.status = ApplicationStatus.DECIDED
    application.decided_at = now
    application.updated_at = now
    session.add(
        AuditEvent(
            at=now,
            actor="parent",
            action="application.withdrawn",
            subject_id=key,
            detail={"receipt": application.receipt},
        )
    )
    return True
