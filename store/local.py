"""The kiosk's own database: applications, their students, the outbox, receipts and audit.

Personal data (contact address, the parent's ID, name, email and phone, the signature, each
student's ID, name and class) never reaches a column in the clear: it is sealed with
:class:`store.sealing.Sealer`, bound to the row's id. What stays readable is what the sync worker
and the progress page must sort and filter by (statuses, times, school codes) and a keyed
fingerprint of the contact to find a parent's applications again.

:class:`LocalStore` is the repository the wizard, the progress page and the sync worker use.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Final, TypeAlias

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
    orm,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kiosk.domain.contact import Channel, Contact, Email, Phone
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import IdKind, IdNumber
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.domain.status import ApplicationStatus, BindingStatus, StudentStatus
from kiosk.domain.wire import BindingChangeOut, BindingOut
from store.base import CreatedAtMixin, StrEnumText, TimestampMixin, UtcDateTime, make_metadata
from store.sealing import Sealer

#: Length of an application id: a UUID in its 36-character text form.
UUID_TEXT: Final = 36


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


# --- the repository -------------------------------------------------------------------------

#: Taipei time (UTC+8, no daylight saving since 1979): receipt numbers run per day there.
TAIPEI: Final = timezone(timedelta(hours=8), "Asia/Taipei")

#: Builds the exact JSON body of ``POST /v1/applications`` once the receipt number is known.
PayloadBuilder: TypeAlias = Callable[[str], bytes]

_KIOSK_CODE: Final = re.compile(r"[A-Z0-9]{1,8}")
# Two savers can race only on PostgreSQL (SQLite takes the write lock at BEGIN): for the first
# receipt of a day, or the same application twice. The loser retries and sees the winner's row.
_SAVE_ATTEMPTS: Final = 5
_CONTACT_CONTEXT: Final = b"contact"
_STATE_ID: Final = 1


@dataclass(frozen=True, slots=True)
class StoredStudent:
    """One student of a stored application.

    Attributes:
        position: 0-based place in the application.
        level: The school level.
        school_code: The school's roster code.
        school_name: The school's name.
        relationship: The relationship chosen (its 其他 description is in ``entry``).
        status: 待上傳 / 申請 / 認證 / 不通過.
        reason: Why it was rejected (the reviewer's words or a refusal's error code).
        binding_id: The registry's binding, once pushed.
        updated_at: When the status last changed.
        entry: The student as entered (ID, name, class); None once the application is reduced.
        removed: Whether the parent cancelled the binding at the registry.
    """

    position: int
    level: Level
    school_code: str
    school_name: str
    relationship: Relationship
    status: StudentStatus
    reason: str | None
    binding_id: uuid.UUID | None
    updated_at: datetime
    entry: StudentEntry | None
    removed: bool = False


@dataclass(frozen=True, slots=True)
class StoredApplication:
    """An application as the kiosk keeps it, its personal part opened.

    Attributes:
        application_id: The application's id.
        receipt: The receipt number the parent was given.
        status: Queued, pending or decided.
        consent_version: The statement version accepted.
        submitted_at: When 送出資料 was pressed.
        pushed_at: When the registry acknowledged it.
        decided_at: When its last student was decided.
        reduced_at: When its personal part was dropped.
        contact: The verified contact; None if staff verified in person or once reduced.
        challenge_id: The registry's code challenge that verified the contact.
        parent: The parent's details; None once reduced.
        signature: The signature; None once reduced.
        students: The students, in order.
    """

    application_id: uuid.UUID
    receipt: str
    status: ApplicationStatus
    consent_version: str
    submitted_at: datetime
    pushed_at: datetime | None
    decided_at: datetime | None
    reduced_at: datetime | None
    contact: Contact | None
    challenge_id: str | None
    parent: ParentDetails | None
    signature: Signature | None
    students: tuple[StoredStudent, ...]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """An application body waiting to be pushed.

    Attributes:
        application_id: The application (the idempotency key of the push).
        payload: The exact JSON body to POST.
        attempts: Failed attempts so far.
        next_attempt_at: Not to be tried before this.
        last_error: The error code of the last failed attempt.
    """

    application_id: uuid.UUID
    payload: bytes
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A student's status as the registry's changes feed moved it (nothing personal).

    Attributes:
        application_id: The application.
        receipt: Its receipt number.
        position: The student's place in it.
        before: The status it had.
        after: The status it has now.
        removed: Whether the parent cancelled the binding.
    """

    application_id: uuid.UUID
    receipt: str
    position: int
    before: StudentStatus
    after: StudentStatus
    removed: bool


@dataclass(frozen=True, slots=True)
class SyncHealth:
    """How the kiosk stands with the registry (the staff console's kiosk health, ``kiosk sync``).

    Attributes:
        waiting: Applications not yet at the registry (待上傳).
        due: Those of them due for another try now.
        oldest_waiting_since: When the longest-waiting one was submitted.
        changes_cursor: How far the registry's changes feed was applied.
        last_contact_at: When the registry last answered.
        last_failure_at: When it last could not be reached.
        last_error: Why (an error code), or None when the last word was an answer.
    """

    waiting: int
    due: int
    oldest_waiting_since: datetime | None
    changes_cursor: int
    last_contact_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None


class LocalStore:
    """The kiosk's applications, outbox and audit log, personal data sealed.

    Args:
        session_factory: Sessions on the kiosk's database (migrated to head).
        sealer: Seals and opens the personal data.
        kiosk_code: This kiosk's short code in receipt numbers (1–8 of A–Z, 0–9).
        tz: The time zone whose date the receipt numbers carry (Taipei).

    Raises:
        ValueError: For a kiosk code that cannot go into a receipt number.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        sealer: Sealer,
        *,
        kiosk_code: str,
        tz: tzinfo = TAIPEI,
    ) -> None:
        if not _KIOSK_CODE.fullmatch(kiosk_code):
            raise ValueError(f"a kiosk code is 1 to 8 of A-Z and 0-9, not {kiosk_code!r}")
        self._sessions = session_factory
        self._sealer = sealer
        self._kiosk_code = kiosk_code
        self._tz = tz

    # --- writing --------------------------------------------------------------------------

    def save_submission(self, draft: Draft, payload: PayloadBuilder, *, now: datetime) -> str:
        """Stores a submitted application, its students and its outbox entry in ONE transaction.

        When this returns, the application survives a crash (WAL, ``synchronous=FULL``); when it
        raises, nothing of it was stored and no receipt number was used up. Saving an
        application id that is already stored stores nothing and returns its receipt.

        Args:
            draft: The complete application (:meth:`Draft.check_complete` must pass).
            payload: Given the new receipt number, returns the exact JSON body the sync worker
                will POST (called inside the transaction, once per attempt).
            now: The time of 送出資料 (timezone-aware).

        Returns:
            The receipt number, ``K<kiosk>-YYYYMMDD-NNNN``.

        Raises:
            DomainError: When the draft is not complete.
        """
        draft.check_complete()
        for attempt in range(_SAVE_ATTEMPTS):
            try:
                with self._sessions.begin() as session:
                    return self._save(session, draft, payload, now)
            except IntegrityError:
                if attempt == _SAVE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # the loop returns or raises

    def _save(self, session: Session, draft: Draft, payload: PayloadBuilder, now: datetime) -> str:
        application_id = str(draft.application_id)
        existing = session.get(Application, application_id)
        if existing is not None:
            return existing.receipt
        parent, signature = draft.parent, draft.signature
        assert draft.consent_version is not None  # check_complete saw to these
        assert parent is not None
        assert signature is not None

        receipt = self._next_receipt(session, now)
        contact = draft.contact
        application = Application(
            id=application_id,
            receipt=receipt,
            status=ApplicationStatus.QUEUED,
            consent_version=draft.consent_version,
            contact_channel=contact.channel if contact else None,
            contact_fingerprint=self._contact_fingerprint(contact) if contact else None,
            sealed=self._sealer.seal(
                _dump(
                    {
                        "contact": _contact_json(contact),
                        "challenge_id": draft.challenge_id,
                        "parent": _parent_json(parent),
                        "signature": _signature_json(signature),
                    }
                ),
                context=_application_context(application_id),
            ),
            created_at=now,
            updated_at=now,
        )
        application.students = [
            ApplicationStudent(
                position=position,
                level=entry.level,
                school_code=entry.school_code,
                school_name=entry.school_name,
                relationship=entry.relationship.relationship,
                status=StudentStatus.QUEUED,
                sealed=self._sealer.seal(
                    _dump(_student_json(entry)),
                    context=_student_context(application_id, position),
                ),
                updated_at=now,
            )
            for position, entry in enumerate(draft.students)
        ]
        application.outbox = OutboxEntry(
            payload=self._sealer.seal(payload(receipt), context=_outbox_context(application_id)),
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(application)
        session.add(
            AuditEvent(
                at=now,
                actor="parent",
                action="application.submitted",
                subject_id=application_id,
                detail={"receipt": receipt, "students": len(draft.students)},
            )
        )
        session.flush()  # constraint failures surface here, inside the retry loop
        return receipt

    def _next_receipt(self, session: Session, now: datetime) -> str:
        day = now.astimezone(self._tz).strftime("%Y%m%d")
        counter = session.scalars(
            select(ReceiptDay).where(ReceiptDay.day == day).with_for_update()
        ).one_or_none()
        if counter is None:
            counter = ReceiptDay(day=day, last_number=0)
            session.add(counter)
        counter.last_number += 1
        return f"K{self._kiosk_code}-{day}-{counter.last_number:04d}"

    def mark_pushed(
        self, application_id: uuid.UUID, bindings: Sequence[BindingOut], *, now: datetime
    ) -> None:
        """Records the registry's acknowledgement: the outbox entry is done, students pending.

        Safe to call again with the same answer (a replayed push returns the stored result).
        A replay answers only the bindings still standing: a student without one was cancelled
        at the registry before this kiosk heard the first answer, and is marked removed.

        Args:
            application_id: The application pushed.
            bindings: The registry's bindings, each naming its student's position.
            now: When the answer came.

        Raises:
            DomainError: ``APPLICATION_NOT_FOUND`` for an unknown id; ``REGISTRY_ERROR`` when
                the answer does not fit the application (another id, a position twice or out of
                range).
        """
        key = str(application_id)
        with self._sessions.begin() as session:
            application = self._application(session, key)
            by_position = {binding.position: binding for binding in bindings}
            if (
                len(by_position) != len(bindings)
                or not by_position.keys() <= {s.position for s in application.students}
                or any(binding.application_id != application_id for binding in bindings)
            ):
                raise DomainError(ErrorCode.REGISTRY_ERROR)
            if application.outbox is not None and application.outbox.acked_at is None:
                application.outbox.acked_at = now
                application.outbox.last_error = None
            if application.pushed_at is None:
                application.pushed_at = now
            for student in application.students:
                answered = by_position.get(student.position)
                if answered is None:
                    if student.removed_at is None:
                        student.removed_at = now
                    continue
                student.binding_id = str(answered.binding_id)
                self._set_status(
                    student, StudentStatus.at_registry(answered.status), answered.reason, now
                )
            self._summarise(application, now)
            session.add(
                AuditEvent(at=now, actor="kiosk", action="application.pushed", subject_id=key)
            )

    def mark_attempt_failed(
        self, application_id: uuid.UUID, error_code: ErrorCode, next_attempt_at: datetime
    ) -> None:
        """Counts a failed push and puts the entry off until ``next_attempt_at``.

        Args:
            application_id: The application whose push failed.
            error_code: Why (``registry.unreachable``, ``server.error``, ...).
            next_attempt_at: When to try again.

        Raises:
            DomainError: ``APPLICATION_NOT_FOUND`` when it has no outbox entry.
        """
        with self._sessions.begin() as session:
            entry = session.scalars(
                select(OutboxEntry).where(OutboxEntry.application_id == str(application_id))
            ).one_or_none()
            if entry is None:
                raise DomainError(ErrorCode.APPLICATION_NOT_FOUND)
            entry.attempts += 1
            entry.last_error = error_code.value
            entry.next_attempt_at = next_attempt_at

    def mark_refused(
        self, application_id: uuid.UUID, error_code: ErrorCode, *, now: datetime
    ) -> None:
        """Records that the registry refused the application for good (not a passing failure).

        The outbox entry is done (never sent again) and every student shows 不通過 with the
        refusal's code as the reason (``parent.email_taken``, ``student.left_school``, ...).

        Args:
            application_id: The application refused.
            error_code: The registry's reason.
            now: When the refusal came.

        Raises:
            DomainError: ``APPLICATION_NOT_FOUND`` for an unknown id.
        """
        key = str(application_id)
        with self._sessions.begin() as session:
            application = self._application(session, key)
            if application.outbox is not None:
                application.outbox.acked_at = now
                application.outbox.last_error = error_code.value
            for student in application.students:
                self._set_status(student, StudentStatus.REJECTED, error_code.value, now)
            application.status = ApplicationStatus.DECIDED
            application.decided_at = now
            application.updated_at = now
            session.add(
                AuditEvent(
                    at=now,
                    actor="kiosk",
                    action="application.refused",
                    subject_id=key,
                    detail={"code": error_code.value},
                )
            )

    def apply_status(
        self, binding_id: uuid.UUID, status: BindingStatus, reason: str | None, *, now: datetime
    ) -> bool:
        """Records a binding's new status from the registry (approved, rejected, ...).

        Args:
            binding_id: The registry's binding.
            status: Its status now.
            reason: Why it was rejected, for 不通過.
            now: When the change was learnt.

        Returns:
            Whether the binding belongs to an application of this kiosk.
        """
        with self._sessions.begin() as session:
            student = session.scalars(
                select(ApplicationStudent).where(ApplicationStudent.binding_id == str(binding_id))
            ).one_or_none()
            if student is None:
                return False
            if (student.status, student.reason) != (StudentStatus.at_registry(status), reason):
                self._set_status(student, StudentStatus.at_registry(status), reason, now)
                self._summarise(student.application, now)
                session.add(
                    AuditEvent(
                        at=now,
                        actor="kiosk",
                        action="binding.status",
                        subject_id=str(binding_id),
                        detail={"status": status.value},
                    )
                )
            return True

    def apply_changes(
        self, changes: Sequence[BindingChangeOut], cursor: int, *, now: datetime
    ) -> list[StatusChange]:
        """Applies a page of the registry's changes feed and keeps its cursor, in ONE transaction.

        A crash before the commit leaves both as they were (the page is asked for again); after
        it, both moved. Changes of bindings this kiosk does not know (not acknowledged yet, or of
        an application already reduced) are passed over: a later push answers their state.

        Args:
            changes: The page, oldest first (the last change of a binding wins).
            cursor: The page's cursor, to ask after next time.
            now: When the page came.

        Returns:
            What moved, in the page's order.
        """
        moved: list[StatusChange] = []
        with self._sessions.begin() as session:
            keys = {str(change.binding_id) for change in changes}
            students = {
                student.binding_id: student
                for student in session.scalars(
                    select(ApplicationStudent)
                    .where(ApplicationStudent.binding_id.in_(keys))
                    .options(orm.selectinload(ApplicationStudent.application))
                )
            }
            touched: dict[str, Application] = {}
            for change in changes:
                student = students.get(str(change.binding_id))
                if student is None:
                    continue
                status = StudentStatus.at_registry(change.status)
                before = student.status
                reason = change.reason if status is StudentStatus.REJECTED else None
                if (before, student.reason, student.removed_at is not None) == (
                    status,
                    reason,
                    change.removed,
                ):
                    continue
                self._set_status(student, status, reason, now)
                if change.removed != (student.removed_at is not None):
                    student.removed_at = now if change.removed else None
                touched[student.application_id] = student.application
                moved.append(
                    StatusChange(
                        application_id=uuid.UUID(student.application_id),
                        receipt=student.application.receipt,
                        position=student.position,
                        before=before,
                        after=status,
                        removed=change.removed,
                    )
                )
                session.add(
                    AuditEvent(
                        at=now,
                        actor="kiosk",
                        action="binding.status",
                        subject_id=str(change.binding_id),
                        detail={"status": status.value, "removed": change.removed},
                    )
                )
            for application in touched.values():
                self._summarise(application, now)
            self._state(session).changes_cursor = cursor
        return moved

    def changes_cursor(self) -> int:
        """How far the registry's changes feed was applied (0: not at all)."""
        with self._sessions() as session:
            state = session.get(SyncState, _STATE_ID)
            return state.changes_cursor if state is not None else 0

    def record_contact(self, *, now: datetime, error_code: ErrorCode | None = None) -> None:
        """Remembers whether the registry answered just now (``error_code`` None) or not.

        Args:
            now: When.
            error_code: Why it could not be reached, or None when it answered.
        """
        with self._sessions.begin() as session:
            state = self._state(session)
            if error_code is None:
                state.last_contact_at = now
                state.last_error = None
            else:
                state.last_failure_at = now
                state.last_error = error_code.value

    def retry_now(self, error_codes: Iterable[ErrorCode], *, now: datetime) -> int:
        """Makes waiting entries whose last try failed with one of ``error_codes`` due now.

        The sync worker calls this once the registry answers again: entries put off because it
        could not be reached need not wait out their backoff.

        Returns:
            How many entries were brought forward.
        """
        codes = [code.value for code in error_codes]
        with self._sessions.begin() as session:
            entries = session.scalars(
                select(OutboxEntry).where(
                    OutboxEntry.acked_at.is_(None),
                    OutboxEntry.next_attempt_at > now,
                    OutboxEntry.last_error.in_(codes),
                )
            ).all()
            for entry in entries:
                entry.next_attempt_at = now
            return len(entries)

    def reduce_decided(self, *, decided_before: datetime, now: datetime) -> list[str]:
        """Reduces applications decided before ``decided_before`` to their receipt.

        Every personal part goes (the application, its students, its outbox entry are deleted);
        a :class:`Receipt` keeps the receipt number, the times and each student's level, school,
        status and binding. Applications refused at sync count as decided too.

        Args:
            decided_before: The retention period's start (now minus the period).
            now: The time.

        Returns:
            The receipt numbers reduced.
        """
        with self._sessions.begin() as session:
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

    def receipt(self, receipt: str) -> Receipt | None:
        """What stays of a reduced application, by its receipt number."""
        with self._sessions() as session:
            return session.get(Receipt, receipt)

    def sync_health(self, now: datetime) -> SyncHealth:
        """How many applications wait for the registry, and its last word."""
        with self._sessions() as session:
            waiting = OutboxEntry.acked_at.is_(None)
            count, oldest = session.execute(
                select(func.count(), func.min(OutboxEntry.created_at)).where(waiting)
            ).one()
            due = session.scalar(
                select(func.count()).where(waiting, OutboxEntry.next_attempt_at <= now)
            )
            state = session.get(SyncState, _STATE_ID)
            return SyncHealth(
                waiting=count,
                due=due or 0,
                oldest_waiting_since=oldest,
                changes_cursor=state.changes_cursor if state else 0,
                last_contact_at=state.last_contact_at if state else None,
                last_failure_at=state.last_failure_at if state else None,
                last_error=state.last_error if state else None,
            )

    def audit(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Appends an event to the audit log (never personal data in ``detail``).

        Args:
            at: When it happened.
            actor: ``kiosk``, ``parent`` or ``staff:<username>``.
            action: What happened (``form.reprinted``, ``kiosk_mode.left``, ...).
            subject_id: What it happened to (an application or binding id).
            detail: Further facts, JSON-serialisable.
        """
        with self._sessions.begin() as session:
            session.add(
                AuditEvent(
                    at=at, actor=actor, action=action, subject_id=subject_id, detail=detail or {}
                )
            )

    # --- reading --------------------------------------------------------------------------

    def get(self, application_id: uuid.UUID) -> StoredApplication | None:
        """The application with this id, opened; None if this kiosk has none."""
        with self._sessions() as session:
            application = session.get(Application, str(application_id))
            return None if application is None else self._open(application)

    def applications_for_contact(self, contact: Contact) -> list[StoredApplication]:
        """The applications verified with this contact, newest first (查詢申請進度).

        Args:
            contact: The verified contact, normalised as at submission.
        """
        with self._sessions() as session:
            applications = session.scalars(
                select(Application)
                .where(Application.contact_fingerprint == self._contact_fingerprint(contact))
                .order_by(Application.created_at.desc(), Application.receipt.desc())
            ).all()
            # A fingerprint match is a lookup, not a proof: keep only rows whose sealed
            # contact really is this one.
            opened = (self._open(application) for application in applications)
            return [stored for stored in opened if stored.contact in (contact, None)]

    def unsent_payload(self, application_id: uuid.UUID) -> bytes | None:
        """The exact body saved for an application, while the registry has not acknowledged it.

        None once it was acknowledged (or for an unknown id).
        """
        key = str(application_id)
        with self._sessions() as session:
            entry = session.scalars(
                select(OutboxEntry).where(
                    OutboxEntry.application_id == key, OutboxEntry.acked_at.is_(None)
                )
            ).one_or_none()
            if entry is None:
                return None
            return self._sealer.open(entry.payload, context=_outbox_context(key))

    def due_outbox(self, now: datetime, limit: int) -> list[OutboxItem]:
        """Entries not yet acknowledged whose time has come, the longest waiting first.

        Args:
            now: The time.
            limit: The most to return (a batch).
        """
        with self._sessions() as session:
            entries = session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.acked_at.is_(None), OutboxEntry.next_attempt_at <= now)
                .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
                .limit(limit)
            ).all()
            return [
                OutboxItem(
                    application_id=uuid.UUID(entry.application_id),
                    payload=self._sealer.open(
                        entry.payload, context=_outbox_context(entry.application_id)
                    ),
                    attempts=entry.attempts,
                    next_attempt_at=entry.next_attempt_at,
                    last_error=entry.last_error,
                )
                for entry in entries
            ]

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _state(session: Session) -> SyncState:
        state = session.get(SyncState, _STATE_ID)
        if state is None:
            state = SyncState(id=_STATE_ID, changes_cursor=0)
            session.add(state)
        return state

    def _contact_fingerprint(self, contact: Contact) -> bytes:
        return self._sealer.fingerprint(
            f"{contact.channel.value}:{contact.address}".encode(), context=_CONTACT_CONTEXT
        )

    @staticmethod
    def _application(session: Session, application_id: str) -> Application:
        application = session.get(Application, application_id)
        if application is None:
            raise DomainError(ErrorCode.APPLICATION_NOT_FOUND)
        return application

    @staticmethod
    def _set_status(
        student: ApplicationStudent, status: StudentStatus, reason: str | None, now: datetime
    ) -> None:
        student.status = status
        student.reason = reason if status is StudentStatus.REJECTED else None
        student.updated_at = now

    @staticmethod
    def _summarise(application: Application, now: datetime) -> None:
        if application.pushed_at is None:
            application.status = ApplicationStatus.QUEUED
        elif any(
            # A binding the parent cancelled waits for no decision any more.
            not student.status.decided and student.removed_at is None
            for student in application.students
        ):
            application.status = ApplicationStatus.PENDING
            application.decided_at = None
        else:
            application.status = ApplicationStatus.DECIDED
            if application.decided_at is None:
                application.decided_at = now
        application.updated_at = now

    def _open(self, application: Application) -> StoredApplication:
        personal: dict[str, Any] | None = None
        if application.sealed is not None:
            personal = _load(
                self._sealer.open(application.sealed, context=_application_context(application.id))
            )
        return StoredApplication(
            application_id=uuid.UUID(application.id),
            receipt=application.receipt,
            status=application.status,
            consent_version=application.consent_version,
            submitted_at=application.created_at,
            pushed_at=application.pushed_at,
            decided_at=application.decided_at,
            reduced_at=application.reduced_at,
            contact=_contact_from(personal["contact"]) if personal else None,
            challenge_id=personal["challenge_id"] if personal else None,
            parent=_parent_from(personal["parent"]) if personal else None,
            signature=_signature_from(personal["signature"]) if personal else None,
            students=tuple(self._open_student(student) for student in application.students),
        )

    def _open_student(self, student: ApplicationStudent) -> StoredStudent:
        entry: StudentEntry | None = None
        if student.sealed is not None:
            entry = _student_from(
                _load(
                    self._sealer.open(
                        student.sealed,
                        context=_student_context(student.application_id, student.position),
                    )
                ),
                student,
            )
        return StoredStudent(
            position=student.position,
            level=student.level,
            school_code=student.school_code,
            school_name=student.school_name,
            relationship=student.relationship,
            status=student.status,
            reason=student.reason,
            binding_id=uuid.UUID(student.binding_id) if student.binding_id else None,
            updated_at=student.updated_at,
            entry=entry,
            removed=student.removed_at is not None,
        )


# Associated data of each sealed column: the table and the row's id, so a blob copied into
# another row, or another table, does not open.
def _application_context(application_id: str) -> bytes:
    return f"applications/{application_id}".encode()


def _student_context(application_id: str, position: int) -> bytes:
    return f"application_students/{application_id}/{position}".encode()


def _outbox_context(application_id: str) -> bytes:
    return f"outbox/{application_id}".encode()


def _dump(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _load(blob: bytes) -> dict[str, Any]:
    value = json.loads(blob)
    assert isinstance(value, dict)
    return value


def _contact_json(contact: Contact | None) -> dict[str, str] | None:
    if contact is None:
        return None
    return {"channel": contact.channel.value, "address": contact.address}


def _contact_from(value: dict[str, str] | None) -> Contact | None:
    if value is None:
        return None
    return Contact(Channel(value["channel"]), value["address"])


def _id_json(number: IdNumber) -> dict[str, str]:
    return {"value": number.value, "kind": number.kind.value}


def _id_from(value: dict[str, str]) -> IdNumber:
    return IdNumber(value["value"], IdKind(value["kind"]))


def _parent_json(parent: ParentDetails) -> dict[str, Any]:
    return {
        "id": _id_json(parent.parent_id),
        "name": parent.name,
        "email": parent.email.value if parent.email else None,
        "phone": (
            {"e164": parent.phone.e164, "is_mobile": parent.phone.is_mobile}
            if parent.phone
            else None
        ),
        "existing_account": parent.existing_account,
    }


def _parent_from(value: dict[str, Any]) -> ParentDetails:
    phone = value["phone"]
    return ParentDetails(
        parent_id=_id_from(value["id"]),
        name=value["name"],
        email=Email(value["email"]) if value["email"] is not None else None,
        phone=Phone(phone["e164"], phone["is_mobile"]) if phone is not None else None,
        existing_account=value["existing_account"],
    )


def _signature_json(signature: Signature) -> dict[str, Any]:
    return {"strokes": signature.strokes, "typed_name": signature.typed_name}


def _signature_from(value: dict[str, Any]) -> Signature:
    strokes = tuple(tuple((x, y) for x, y in stroke) for stroke in value["strokes"])
    return Signature(strokes, value["typed_name"])


def _student_json(entry: StudentEntry) -> dict[str, Any]:
    return {
        "id": _id_json(entry.student_id),
        "name": entry.name,
        "class_name": entry.class_name,
        "relationship_description": entry.relationship.description,
    }


def _student_from(value: dict[str, Any], row: ApplicationStudent) -> StudentEntry:
    return StudentEntry(
        relationship=RelationshipChoice(row.relationship, value["relationship_description"]),
        level=row.level,
        student_id=_id_from(value["id"]),
        school_code=row.school_code,
        school_name=row.school_name,
        name=value["name"],
        class_name=value["class_name"],
    )
