"""Receipt numbers never repeat: the day's counter resumes past what the registry holds.

A kiosk whose counter was lost with its database (a restore from an older copy, a new database)
would give numbers again that parents already hold; the registry refuses a second application
under a number (unique per kiosk) and tells a kiosk its last one (``GET /v1/kiosks/me``), and
:func:`resume_past` moves the counter past it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.orm import Session

from store.local.tables import AuditEvent, ReceiptDay

_RECEIPT: Final = re.compile(r"K[A-Z0-9]{1,8}-(\d{8})-(\d{4,})")


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
    day, number = matched.group(1), int(matched.group(2))
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
