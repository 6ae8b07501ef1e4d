"""Handing messages to the notifier: codes at once, decisions through a durable queue.

A one-time code is sent at once (:func:`deliver`): whether it could be sent decides the answer,
so the code's service commits the challenge first and the router calls :func:`deliver`.

A message about a decision (an application received, a binding approved or rejected) is never
silently lost: :func:`deliver_after_commit` queues it as a ``waiting`` row of ``notifications``
in the very transaction that makes the decision (no decision is kept without its message, none
is queued for a decision rolled back), and hands it to the process's courier once that
transaction has committed (:mod:`registry.courier`: sent after the answer, with the others handed
over meanwhile, in one batch). What could not be handed over is tried again by every registry
process's sending loop (:func:`deliver_due`), after 30 s, 1, 2, 4 ... minutes (doubling, at most
an hour apart), and given up on after :data:`RETRY.attempts` attempts: ``failed``, shown by
``registry outbox``.

Several processes share the queue: a process claims a row before sending it (``claimed_until``,
set by a conditional UPDATE that only one process can win; on PostgreSQL the candidates are read
``FOR UPDATE SKIP LOCKED`` so processes do not wait on each other's rows), so no message is sent
twice by two processes. A process that dies between handing a message over and recording it
leaves the claim to expire, and the message is sent again: at least once, exactly once unless a
process dies at that moment. Once sent, the text is dropped (subject, body and meta): the row
stays as the log of what went to whom, pruned with the others (:mod:`.retention`); a message
given up on keeps it until the operator sends it again (:func:`retry_failed`) or it is pruned.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Protocol, cast

from sqlalchemy import CursorResult, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.contact import Channel, email_key
from registry import unit_of_work
from registry.notify.base import Notification, Notifier, NotifyError
from registry.services.locks import lock
from store.central import NotificationRecord, NotificationStatus, SendEvent

#: How often an address nobody verified may be told an application named it.
UNVERIFIED_NOTICE_EVERY = timedelta(days=1)

_log = logging.getLogger(__name__)
_WAITING = NotificationStatus.WAITING.value
#: The queue's table, for the statements that need no ORM objects (the claims and settling).
_TABLE = cast(Table, NotificationRecord.__table__)
#: A queued message's row (one statement, no ORM object: every submission queues one).
_QUEUE: Final = insert(_TABLE).returning(_TABLE.c.id)


@dataclass(frozen=True, slots=True)
class Retry:
    """When a queued message is tried again, and when it is given up on.

    Attributes:
        first: The wait after the first failed attempt (and before a queued message's first
            attempt by the sending loop, so the request that queued it goes first).
        longest: The longest wait between two attempts (the waits double up to it).
        attempts: Attempts after which it is given up on (the defaults try for about 4 hours).
        claim: How long a process may take to hand one over before another may take it.
    """

    first: timedelta = timedelta(seconds=30)
    longest: timedelta = timedelta(hours=1)
    attempts: int = 10
    claim: timedelta = timedelta(minutes=5)

    def wait_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1, 2, ...)."""
        wait: timedelta = self.first * 2 ** max(attempts - 1, 0)
        return min(wait, self.longest)


RETRY = Retry()


def deliver(
    notifier: Notifier,
    notification: Notification,
    *,
    sessions: sessionmaker[Session],
    now: datetime,
) -> NotifyError | None:
    """Sends one message at once and logs that it went (or why not), without its text.

    Commits the log row in a short transaction of its own (never the caller's, which must have
    committed already: on SQLite it would still hold the lock this one waits for). Never raises
    for a failed delivery: the caller decides what it means (a code not sent is an error).

    Returns:
        None when it was handed over, else the error.
    """
    failure = _send(notifier, notification)
    with sessions.begin() as session:
        session.add(
            NotificationRecord(
                created_at=now,
                channel=notification.channel,
                recipient=notification.to,
                kind=notification.meta.get("kind", ""),
                status=NotificationStatus.SENT if failure is None else NotificationStatus.FAILED,
                error=None if failure is None else str(failure)[:200],
                attempts=1,
                sent_at=now if failure is None else None,
            )
        )
    return failure


def _send(notifier: Notifier, notification: Notification) -> NotifyError | None:
    try:
        notifier.send(notification)
    except NotifyError as exc:
        _log.warning("notification not delivered: %s", exc.reason.value)
        return exc
    return None


def queue(session: Session, notifications: list[Notification], *, now: datetime) -> list[int]:
    """Queues messages in the caller's transaction (kept or dropped with it), in one statement;
    their rows' ids (not in any order).

    Does not commit. The sending loop first tries each :attr:`Retry.first` after ``now``.
    """
    if not notifications:
        return []
    rows = session.execute(
        _QUEUE,
        [
            {
                "created_at": now,
                "channel": notification.channel,
                "recipient": notification.to,
                "kind": notification.meta.get("kind", ""),
                "status": _WAITING,
                "subject": notification.subject,
                "body": notification.body,
                "meta": dict(notification.meta),
                "attempts": 0,
                "next_attempt_at": now + RETRY.first,
            }
            for notification in notifications
        ],
    )
    return [int(queued) for queued in rows.scalars()]


def deliver_after_commit(
    session: Session, courier: Courier, notification: Notification, *, now: datetime
) -> None:
    """Queues a message in the request's transaction, and hands it to ``courier`` once that has
    committed (the courier sends it after the answer; see :class:`registry.courier.Courier`).

    Does not commit. A failed attempt leaves it queued for the sending loop; the decision the
    message tells of stands either way.

    Args:
        session: The request's session (its unit of work).
        courier: This process's sender of queued messages.
        notification: The message.
        now: When.
    """
    deliver_all_after_commit(session, courier, [notification], now=now)


def deliver_all_after_commit(
    session: Session, courier: Courier, notifications: list[Notification], *, now: datetime
) -> None:
    """:func:`deliver_after_commit` for several messages (queued in one statement)."""
    for queued in queue(session, notifications, now=now):
        unit_of_work.after_commit(session, functools.partial(courier.soon, queued))


class Courier(Protocol):
    """What :func:`deliver_after_commit` hands a committed message's row to."""

    def soon(self, queued: int) -> None:
        """Sends the queued message ``queued`` soon (never raises)."""


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    attempts: int
    notification: Notification


def _claim(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    limit: int,
    only: Sequence[int] | None = None,
) -> list[_Claimed]:
    """Claims waiting messages for this process: those ``only`` names (due or not), else up to
    ``limit`` due ones. Commits the claims (one transaction, one UPDATE for the batch)."""
    free = or_(NotificationRecord.claimed_until.is_(None), NotificationRecord.claimed_until <= now)
    candidates = select(NotificationRecord.id).where(NotificationRecord.status == _WAITING, free)
    if only is not None:
        candidates = candidates.where(NotificationRecord.id.in_(only))
    else:
        candidates = candidates.where(NotificationRecord.next_attempt_at <= now)
    candidates = (
        candidates.order_by(NotificationRecord.next_attempt_at, NotificationRecord.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises
    )
    with sessions.begin() as session:
        ids = session.scalars(candidates).all()
        if not ids:
            return []
        # Conditional, so that a row another process claimed meanwhile is not taken twice.
        won = session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(ids), _TABLE.c.status == _WAITING, free)
            .values(claimed_until=now + RETRY.claim, attempts=_TABLE.c.attempts + 1)
            .returning(
                _TABLE.c.id,
                _TABLE.c.attempts,
                _TABLE.c.channel,
                _TABLE.c.recipient,
                _TABLE.c.subject,
                _TABLE.c.body,
                _TABLE.c.meta,
            )
        ).all()
    claimed = [
        _Claimed(
            row.id,
            row.attempts,
            Notification(
                channel=Channel(row.channel),
                to=row.recipient,
                subject=row.subject or "",
                body=row.body or "",
                meta=MappingProxyType(dict(row.meta or {})),
            ),
        )
        for row in won
    ]
    order = {row_id: position for position, row_id in enumerate(ids)}
    return sorted(claimed, key=lambda claim: order[claim.id])


def _sent(now: datetime) -> dict[str, object]:
    """A sent message's record: its text dropped (the row stays as the log of what went to whom)."""
    return {
        "claimed_until": None,
        "status": NotificationStatus.SENT.value,
        "sent_at": now,
        "error": None,
        "subject": None,
        "body": None,
        "meta": None,
    }


def _failed(claimed: _Claimed, failure: NotifyError, now: datetime) -> dict[str, object]:
    """A failed attempt's record: waiting again (backoff), or given up on after the last
    attempt (its text kept for ``registry outbox --retry``)."""
    values: dict[str, object] = {"claimed_until": None, "error": str(failure)[:200]}
    if claimed.attempts >= RETRY.attempts:
        values["status"] = NotificationStatus.FAILED.value
        _log.error("notification given up on after %d attempts", claimed.attempts)
    else:
        values["next_attempt_at"] = now + RETRY.wait_after(claimed.attempts)
    return values


def deliver_claimed(
    notifier: Notifier,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    only: Sequence[int] | None = None,
    limit: int = 20,
) -> int:
    """Claims, sends and settles one batch (the settling in one transaction); how many were
    claimed. ``only`` names the rows to try (due or not); else the due ones, at most ``limit``.
    """
    batch = _claim(sessions, now=now, limit=len(only) if only is not None else limit, only=only)
    if not batch:
        return 0
    outcomes = [(claimed, _send(notifier, claimed.notification)) for claimed in batch]
    sent = [claimed.id for claimed, failure in outcomes if failure is None]
    with sessions.begin() as session:
        if sent:  # the usual case, one statement for all of them
            session.execute(update(_TABLE).where(_TABLE.c.id.in_(sent)).values(_sent(now)))
        for claimed, failure in outcomes:
            if failure is not None:
                session.execute(
                    update(_TABLE)
                    .where(_TABLE.c.id == claimed.id)
                    .values(_failed(claimed, failure, now))
                )
    return len(batch)


def deliver_due(
    notifier: Notifier, sessions: sessionmaker[Session], *, now: datetime, batch: int = 20
) -> int:
    """Sends every queued message that is due, batch by batch; how many were tried."""
    tried = 0
    while True:
        done = deliver_claimed(notifier, sessions, now=now, limit=batch)
        tried += done
        if done < batch:
            return tried


def waiting_and_failed(session: Session) -> Iterator[NotificationRecord]:
    """The queue as ``registry outbox`` shows it: waiting messages by when they are due, then
    the given-up ones (newest first)."""
    yield from session.scalars(
        select(NotificationRecord)
        .where(NotificationRecord.status == _WAITING)
        .order_by(NotificationRecord.next_attempt_at, NotificationRecord.id)
    )
    yield from session.scalars(
        select(NotificationRecord)
        .where(
            NotificationRecord.status == NotificationStatus.FAILED.value,
            NotificationRecord.body.is_not(None),
        )
        .order_by(NotificationRecord.created_at.desc(), NotificationRecord.id.desc())
    )


def counts(session: Session) -> dict[str, int]:
    """How many messages are waiting, given up on (codes not sent included) and sent."""
    rows = session.execute(
        select(NotificationRecord.status, func.count()).group_by(NotificationRecord.status)
    ).all()
    return {status: int(count) for status, count in rows}


def retry_failed(session: Session) -> int:
    """Queues every message given up on again, with fresh attempts, due at once (due since it
    was first queued: whatever a registry's clock says); how many.

    Does not commit. (Codes are never queued: a failed one is not sent again.)
    """
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(NotificationRecord)
        .where(
            NotificationRecord.status == NotificationStatus.FAILED.value,
            NotificationRecord.body.is_not(None),
        )
        .values(
            status=_WAITING,
            attempts=0,
            next_attempt_at=NotificationRecord.created_at,
            claimed_until=None,
        )
    )
    return int(result.rowcount or 0)


#: How many notices an unverified address had since a moment (built once: submissions ask).
_RECENT_NOTICES_AMONG: Final = select(SendEvent.address).where(
    SendEvent.channel == Channel.EMAIL,
    SendEvent.address.in_(bindparam("keys", expanding=True)),
    SendEvent.at > bindparam("since"),
)


def unverified_notices_allowed(
    session: Session, addresses: list[str], *, now: datetime
) -> list[bool]:
    """Whether addresses nobody verified may get a notice now (in order), each allowed one
    counted.

    An application may name any email as the parent's; a mail there was sent by the city to an
    address whose owner never asked. At most one such notice per address (compared as
    :func:`~kiosk.domain.contact.email_key`) goes out per :data:`UNVERIFIED_NOTICE_EVERY`: an
    address twice here may be allowed the first time, not the second. The count is a
    ``send_events`` row under an address of its own (``notice:<key>``), so the code limits never
    see it. Three statements whatever the number of addresses. Does not commit: the counts are
    kept with the caller's decision.
    """
    keys = [f"notice:{email_key(address)}" for address in addresses]
    if not keys:
        return []
    lock(session, *keys)
    recent = set(
        session.scalars(
            _RECENT_NOTICES_AMONG, {"keys": keys, "since": now - UNVERIFIED_NOTICE_EVERY}
        )
    )
    allowed = []
    for key in keys:
        allowed.append(key not in recent)
        recent.add(key)
    counted = [key for key, yes in zip(keys, allowed, strict=True) if yes]
    if counted:
        session.execute(
            insert(SendEvent),
            [{"channel": Channel.EMAIL, "address": key, "at": now} for key in counted],
        )
    return allowed
