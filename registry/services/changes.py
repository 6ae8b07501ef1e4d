"""The changes feed: what became of a kiosk's applications, in the order it happened.

The rows are written by database triggers on ``bindings`` (see
:class:`store.central.BindingChange`); this module only reads them. A kiosk keeps the ``cursor``
of the last page it applied and asks for what came after it, so it learns every approval,
rejection and cancellation of the bindings it submitted, once, in order, whichever registry
process made them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.wire import BindingChangeOut, ChangeFeedOut
from store.central import BindingChange


def feed(session: Session, kiosk_id: str, *, after: int, limit: int) -> ChangeFeedOut:
    """The kiosk's changes numbered above ``after``, at most ``limit`` of them, oldest first.

    Reads only; does not commit.

    Args:
        session: A database session.
        kiosk_id: The kiosk asking (only its own applications' changes are answered).
        after: The cursor the kiosk holds (0 for everything).
        limit: The page's size.
    """
    rows = session.scalars(
        select(BindingChange)
        .where(BindingChange.kiosk_id == kiosk_id, BindingChange.seq > after)
        .order_by(BindingChange.seq)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    return ChangeFeedOut(
        changes=[
            BindingChangeOut(
                seq=row.seq,
                binding_id=row.binding_id,
                application_id=row.application_id,
                status=row.status,
                reason=row.reason,
                removed=row.removed,
                changed_at=row.changed_at,
            )
            for row in page
        ],
        cursor=page[-1].seq if page else after,
        more=len(rows) > limit,
    )
