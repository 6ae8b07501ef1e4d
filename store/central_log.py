"""The registry's records of what happened: the audit log, the messages sent or queued, and the
changes feed the kiosks pull (written by triggers, never by the application).

The live state is in :mod:`store.central`, which names these tables too, so that importing it
brings the whole schema. Nothing here points at its models but by foreign key.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.domain.clock import utc_now
from kiosk.domain.contact import Channel
from kiosk.domain.wire import BindingStatus
from store.base import CreatedAtMixin
from store.central_base import _BIG_ID, EMAIL_LENGTH, CentralBase

# --- audit and notifications ----------------------------------------------------------------


class AuditEvent(CentralBase):
    """Something someone did: who, what, to what (no personal data in ``detail``)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    """``staff:<id>``, ``kiosk:<id>``, ``parent:<session id>``, ``cli`` or ``system``."""
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(80), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LateStaffEvent(CentralBase):
    """A staff action a kiosk kept while offline and uploaded later: its id, so that an upload
    repeated is audited once (the audit row itself is in :class:`AuditEvent`)."""

    __tablename__ = "late_staff_events"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    received_at: Mapped[datetime]


class NotificationStatus(StrEnum):
    """Where a message stands: ``waiting`` (queued, due at ``next_attempt_at``), ``sent``
    (handed over), ``failed`` (a code that could not be sent; a queued message given up on)."""

    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"


class NotificationRecord(CreatedAtMixin, CentralBase):
    """A message to one address: queued with its text until handed over (a decision's message),
    then only the log of what went to whom; a code is logged once sent, never with its text
    (:mod:`registry.services.notifications`)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient", "channel", "recipient"),
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    channel: Mapped[Channel]
    recipient: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    kind: Mapped[str] = mapped_column(String(40))
    """``code``, ``account_created``, ... (the Notification's ``meta.kind``)."""
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.SENT.value)
    error: Mapped[str | None] = mapped_column(String(200))
    """Why the last attempt failed (a ``NotifyFailure`` value and the other side's reply)."""
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, str] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]  # a process hands it over until then
    sent_at: Mapped[datetime | None]


# --- the changes feed -----------------------------------------------------------------------
#
# Rows of these two tables are written by database triggers on ``bindings`` (see the revision
# "binding changes feed"), never by the application: every insert of a binding, and every
# change of its status, reason or removal, whoever makes it, gets the next sequence number of
# the kiosk whose application it belongs to. On PostgreSQL the counter row stays locked until
# the transaction ends, so the numbers of one kiosk become visible in order: a reader that has
# seen change N never later finds a change below N appearing. NOTE: a SQLite batch migration
# that rebuilds ``bindings`` drops its triggers; such a revision must create them again
# (tests/sync/test_changes_feed.py notices when they are missing).


class ChangeCounter(CentralBase):
    """The last sequence number given to a change of one kiosk's bindings."""

    __tablename__ = "change_counters"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)


class BindingChange(CentralBase):
    """One change of a binding, as the kiosk that submitted its application pulls it."""

    __tablename__ = "binding_changes"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    """Per kiosk: 1, 2, 3, ... in commit order (the feed's cursor)."""
    binding_id: Mapped[uuid.UUID]
    application_id: Mapped[uuid.UUID]
    status: Mapped[BindingStatus]
    reason: Mapped[str | None] = mapped_column(String(200))
    removed: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime]
    """The binding's ``updated_at`` as of this change."""
