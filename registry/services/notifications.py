"""Handing a message to the notifier, after the transaction that decided it has committed."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from registry.notify.base import Notification, Notifier, NotifyError
from store.central import NotificationRecord

_log = logging.getLogger(__name__)


def deliver(
    notifier: Notifier,
    notification: Notification,
    *,
    sessions: sessionmaker[Session],
    now: datetime,
) -> NotifyError | None:
    """Sends one message and logs that it went (or why not) in the notifications table.

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
