"""Handing a message to the notifier, after the transaction that decided it has committed.

A message about a decision (an application received, a binding approved or rejected) goes out only
once the decision is kept: :func:`deliver_after_commit` queues it on the request's unit of work,
which hands it over after its commit (:mod:`registry.unit_of_work`). A one-time code is different:
whether it could be sent decides the answer, so the code's service commits the challenge first and
the router calls :func:`deliver` at once.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.contact import Channel, email_key
from registry import unit_of_work
from registry.notify.base import Notification, Notifier, NotifyError
from registry.services.locks import lock
from store.central import NotificationRecord, SendEvent

#: How often an address nobody verified may be told an application named it.
UNVERIFIED_NOTICE_EVERY = timedelta(days=1)

_log = logging.getLogger(__name__)


def deliver(
    notifier: Notifier,
    notification: Notification,
    *,
    sessions: sessionmaker[Session],
    now: datetime,
) -> NotifyError | None:
    """Sends one message and logs that it went (or why not) in the notifications table.

    Commits the log row in a short transaction of its own (never the caller's, which must have
    committed already: on SQLite it would still hold the lock this one waits for).

    Never raises for a failed delivery: the caller decides what a failure means (a code that was
    not sent is an error for the parent; an approval email that failed is only logged).

    Args:
        notifier: Delivers the message.
        notification: The message.
        sessions: Opens the short transaction the log row is written in.
        now: When.

    Returns:
        None when it was handed over, else the error.
    """
    failure: NotifyError | None = None
    try:
        notifier.send(notification)
    except NotifyError as exc:
        failure = exc
        _log.warning("notification not delivered: %s", exc.reason.value)
    with sessions.begin() as session:
        session.add(
            NotificationRecord(
                created_at=now,
                channel=notification.channel,
                recipient=notification.to,
                kind=notification.meta.get("kind", ""),
                status="sent" if failure is None else "failed",
                error=None if failure is None else failure.reason.value,
            )
        )
    return failure


def deliver_after_commit(
    session: Session,
    notifier: Notifier,
    notification: Notification,
    *,
    sessions: sessionmaker[Session],
    now: datetime,
) -> None:
    """Queues a message on the unit of work: :func:`deliver` hands it over once ``session``
    commits, and never if it rolls back. Does not commit.

    A failed delivery is only logged: the decision the message tells of stands.

    Args:
        session: The request's session (its unit of work).
        notifier: Delivers the message.
        notification: The message.
        sessions: Opens the short transaction the log row is written in.
        now: When.
    """
    unit_of_work.after_commit(
        session, functools.partial(deliver, notifier, notification, sessions=sessions, now=now)
    )


def unverified_notice_allowed(session: Session, address: str, *, now: datetime) -> bool:
    """Whether an address nobody verified may get a notice now, and if so, counts it.

    An application may name any email as the parent's; a mail there was sent by the city to an
    address whose owner never asked. At most one such notice per address (compared as
    :func:`~kiosk.domain.contact.email_key`) goes out per :data:`UNVERIFIED_NOTICE_EVERY`.
    The count is a ``send_events`` row under an address of its own (``notice:<key>``), so the
    code limits never see it. Does not commit: the count is kept with the caller's decision.
    """
    key = f"notice:{email_key(address)}"
    lock(session, key)
    recent = session.scalar(
        select(func.count())
        .select_from(SendEvent)
        .where(
            SendEvent.channel == Channel.EMAIL,
            SendEvent.address == key,
            SendEvent.at > now - UNVERIFIED_NOTICE_EVERY,
        )
    )
    if recent:
        return False
    session.add(SendEvent(channel=Channel.EMAIL, address=key, at=now))
    return True
