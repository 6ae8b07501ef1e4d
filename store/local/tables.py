"""The kiosk's eight tables: applications, their students, the outbox, receipt days, receipts,
the sync state, the audit log and the queue of actions.

Personal data never reaches a column in the clear: the ``sealed`` columns hold what
:mod:`store.local.codec` seals, bound to the row. What stays readable is what the sync worker and
the progress page must sort and filter by (statuses, times, school codes) and a keyed fingerprint
of the contact to find a parent's applications again. :data:`LocalBase.metadata` is what the local
Alembic tree migrates to (:func:`store.migrate.target_metadata`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    orm,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.domain.contact import Channel
from kiosk.domain.people import Level, Relationship
from kiosk.domain.status import ApplicationStatus, StudentStatus
from store.base import CreatedAtMixin, StrEnumText, TimestampMixin, UtcDateTime, make_metadata

#: Length of an application id: a UUID in its 36-character text form.
UUID_TEXT: Final = 36
#: The id of the one :class:`SyncState` row.
SYNC_STATE_ID: Final = 1


class LocalBase(DeclarativeBase):
    """Declarative base of the kiosk's local schema (its own metadata and naming convention)."""

    metadata = make_metadata()


class Application(TimestampMixin, LocalBase):
    """One submitted application (送出資料), with its personal part sealed."""

    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(UUID_TEXT), primary_key=True)
    """The application's UUID: the registry's idempotency key too."""
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    """The receipt number the parent is given (``K<kiosk>-YYYYMMDD-NNNN``)."""
    status: Mapped[ApplicationStatus] = mapped_column(StrEnumText(ApplicationStatus))
    consent_version: Mapped[str] = mapped_column(String(40))
    """The version of the personal-data statement the parent accepted."""
    contact_channel: Mapped[Channel | None] = mapped_column(StrEnumText(Channel))
    """How the parent verified: ``email`` or ``sms`` (the address itself is sealed); None when
    staff verified the parent in person."""
    contact_fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    """Keyed fingerprint of the verified contact, to find the parent's applications again."""
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON: contact address, parent details, signature. None once reduced."""
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the registry acknowledged the application."""
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the last of its students was approved or rejected."""
    reduced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the personal part was dropped after the retention period."""

    students: Mapped[list[ApplicationStudent]] = orm.relationship(
        back_populates="application",
        order_by="ApplicationStudent.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    outbox: Mapped[OutboxEntry | None] = orm.relationship(
        back_populates="application", cascade="all, delete-orphan", passive_deletes=True
    )

    def summarise(self, now: datetime) -> None:
        """Sets :attr:`status` (and :attr:`decided_at`) from the students' statuses.

        Queued until pushed; pending while a student still waits for a decision; decided once
        every student is decided or cancelled by the parent.
        """
        if self.pushed_at is None:
            self.status = ApplicationStatus.QUEUED
        elif any(
            # A binding the parent cancelled waits for no decision any more.
            not student.status.decided and student.removed_at is None
            for student in self.students
        ):
            self.status = ApplicationStatus.PENDING
            self.decided_at = None
        else:
            self.status = ApplicationStatus.DECIDED
            if self.decided_at is None:
                self.decided_at = now
        self.updated_at = now


class ApplicationStudent(LocalBase):
    """One student of an application, in the order the parent added them."""

    __tablename__ = "application_students"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    """0-based place in the application (the registry answers bindings in this order)."""
    level: Mapped[Level] = mapped_column(StrEnumText(Level, 16))
    school_code: Mapped[str] = mapped_column(String(32))
    school_name: Mapped[str] = mapped_column(String(100))
    relationship: Mapped[Relationship] = mapped_column(StrEnumText(Relationship, 32))
    status: Mapped[StudentStatus] = mapped_column(StrEnumText(StudentStatus))
    reason: Mapped[str | None] = mapped_column(String(500))
    """Why it was rejected: the reviewer's words, or the error code of a refusal at sync."""
    binding_id: Mapped[str | None] = mapped_column(String(UUID_TEXT), unique=True)
    """The registry's binding, once pushed."""
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON: student ID, name, class, the 其他 relationship's description."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When this kiosk learnt that the parent cancelled the binding at the registry (it waits
    for nothing any more)."""

    application: Mapped[Application] = orm.relationship(back_populates="students")

    def set_status(self, status: StudentStatus, reason: str | None, now: datetime) -> None:
        """Moves the student to ``status``; a reason is kept for 不通過 only."""
        self.status = status
        self.reason = reason if status is StudentStatus.REJECTED else None
        self.updated_at = now


class OutboxEntry(CreatedAtMixin, LocalBase):
    """The body the sync worker must POST for one application, until the registry acks it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The sync worker's question: which unacked entries are due, oldest first?
        Index("ix_outbox_due", "acked_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    """Sealed: the exact JSON body of ``POST /v1/applications``."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(64))
    """The error code of the last failed attempt."""
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    application: Mapped[Application] = orm.relationship(back_populates="outbox")


class ReceiptDay(LocalBase):
    """The last receipt number given on one day (receipt numbers run per day)."""

    __tablename__ = "receipt_days"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    """``YYYYMMDD`` in the kiosk's time zone."""
    last_number: Mapped[int] = mapped_column(Integer)


class Receipt(CreatedAtMixin, LocalBase):
    """What stays of an application after the retention period: no personal data."""

    __tablename__ = "receipts"

    receipt: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(UUID_TEXT), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    statuses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Per student, in order: ``{"level", "school_code", "status", "binding_id"}``."""


class SyncState(LocalBase):
    """What the sync worker remembers between runs (one row, id 1): kept here, so a restart
    goes on where the last run stopped."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    changes_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    """The registry's changes feed was applied up to this number."""
    last_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the registry last answered."""
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When it last could not be reached."""
    last_error: Mapped[str | None] = mapped_column(String(64))
    """Why it could not be reached (an error code); None once it answers again."""


class AuditEvent(LocalBase):
    """Something a person or the kiosk did, for the audit log (no personal data in it)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    """``kiosk``, ``parent`` or ``staff:<username>``."""
    action: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class QueuedAction(CreatedAtMixin, LocalBase):
    """An action that waits to be uploaded to the registry (a parent's 取消 or 註銷全部紀錄, ...),
    kept until the registry has taken it (:mod:`store.local.actions`)."""

    __tablename__ = "queued_actions"
    __table_args__ = (Index("ix_queued_actions_due", "sent_at", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(UUID_TEXT), primary_key=True)
    """The action's UUID: the registry's idempotency key."""
    kind: Mapped[str] = mapped_column(String(40))
    """What to do (``binding.cancel``, ``bindings.purge``, ...): says how it is uploaded."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The action's facts, JSON (never personal data)."""
    contact_fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    """Keyed fingerprint of the verified contact that asked, to show it on the parent's page."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(64))
    """The error code of the last failed attempt (or of the refusal)."""
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the registry took it, or refused it for good (then with :attr:`refused`)."""
    refused: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffEventRow(LocalBase):
    """One staff action waiting to be audited at the registry."""

    __tablename__ = "staff_events"

    id: Mapped[str] = mapped_column(String(UUID_TEXT), primary_key=True)
    """The event's UUID: the registry records it once, however often it is sent."""
    action: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    sealed_token: Mapped[bytes] = mapped_column(LargeBinary)
    """The staff token, sealed to this row."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[str | None] = mapped_column(String(64))
    """The registry's error code when it refused the event for good (then never sent again)."""
