"""The sync worker's outbox and state store: what waits to be pushed, and what the registry said.

:class:`OutboxStore` hands the sync worker the outbox entries to push (the exact body saved at
「送出資料」), records how each push ended (acknowledged, put off, refused for good), applies the
registry's changes feed together with its cursor, remembers the registry's last word, and reduces
applications decided longer ago than the retention period to their receipt. The applications
themselves are saved by :mod:`store.local.applications`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, orm, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import ApplicationStatus, BindingStatus, StudentStatus
from kiosk.domain.wire import BindingChangeOut, BindingOut
from store.local.codec import SealedCodec
from store.local.faults import FaultWatch
from store.local.receipts import renumber, resume_past, withdraw
from store.local.records import OutboxItem, StatusChange, SyncHealth
from store.local.retention import reduce_decided
from store.local.tables import (
    SYNC_STATE_ID,
    Application,
    ApplicationStudent,
    AuditEvent,
    OutboxEntry,
    Receipt,
    SyncState,
)


class OutboxStore:
    """The outbox, the statuses the registry sends back, the sync state and the retention.

    Args:
        session_factory: Sessions on the kiosk's database (migrated to head).
        codec: Opens the sealed bodies.
        faults: Watches the database's faults (kiosk health tells the last one).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        codec: SealedCodec,
        faults: FaultWatch | None = None,
    ) -> None:
        self._sessions = session_factory
        self._codec = codec
        self._faults = faults

    # --- what waits -----------------------------------------------------------------------

    def unsent(self, application_id: uuid.UUID) -> OutboxItem | None:
        """An application's entry while the registry has not acknowledged it, due or not.

        None once it was acknowledged or refused (or for an unknown id).
        """
        with self._sessions() as session:
            entry = session.scalars(
                select(OutboxEntry).where(
                    OutboxEntry.application_id == str(application_id),
                    OutboxEntry.acked_at.is_(None),
                )
            ).one_or_none()
            return None if entry is None else self._item(entry)

    def due(self, now: datetime, limit: int, horizon: timedelta | None = None) -> list[OutboxItem]:
        """Entries not yet acknowledged whose time has come, the longest waiting first.

        Args:
            now: The time.
            limit: The most to return (a batch).
            horizon: The longest an entry is ever put off: one set further ahead than this was
                set while the kiosk's clock was ahead (since put right), and is due now.
        """
        time_has_come = OutboxEntry.next_attempt_at <= now
        if horizon is not None and now < datetime.max.replace(tzinfo=now.tzinfo) - horizon:
            time_has_come = or_(time_has_come, OutboxEntry.next_attempt_at > now + horizon)
        with self._sessions() as session:
            entries = session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.acked_at.is_(None), time_has_come)
                .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
                .limit(limit)
            ).all()
            return [self._item(entry) for entry in entries]

    # --- how a push ended -----------------------------------------------------------------

    def mark_pushed(
        self, application_id: uuid.UUID, bindings: Sequence[BindingOut], *, now: datetime
    ) -> None:
        """Records the registry's acknowledgement of one push (:meth:`mark_pushed_many`)."""
        self.mark_pushed_many([(application_id, bindings)], now=now)

    def mark_pushed_many(
        self, answers: Sequence[tuple[uuid.UUID, Sequence[BindingOut]]], *, now: datetime
    ) -> None:
        """Records the registry's acknowledgements (each application pushed, with its bindings
        naming their students' positions): the outbox entries are done, students pending; one
        local transaction (one sync to disk) for a batch's answers, all or none.

        Safe to call again with the same answer (a replayed push returns the stored result).
        A replay answers only the bindings still standing: a student without one was cancelled
        at the registry before this kiosk heard the first answer, and is marked removed.

        Raises:
            DomainError: ``APPLICATION_NOT_FOUND`` for an unknown id; ``REGISTRY_ERROR`` when
                an answer does not fit its application (another id, a position twice or out of
                range). Nothing is recorded then.
        """
        with self._sessions.begin() as session:
            # The batch's applications with their students and outbox entries: three statements
            # for the batch rather than three for each application.
            loaded = {
                application.id: application
                for application in session.scalars(
                    select(Application)
                    .where(Application.id.in_({str(answer[0]) for answer in answers}))
                    .options(
                        orm.selectinload(Application.students),
                        orm.selectinload(Application.outbox),
                    )
                )
            }
            for application_id, bindings in answers:
                key = str(application_id)
                application = loaded.get(key)
                if application is None:
                    raise DomainError(ErrorCode.APPLICATION_NOT_FOUND)
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
                    student.set_status(
                        StudentStatus.at_registry(answered.status), answered.reason, now
                    )
                application.summarise(now)
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
                student.set_status(StudentStatus.REJECTED, error_code.value, now)
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

    def withdraw(self, application_id: uuid.UUID, *, now: datetime) -> bool:
        """Withdraws a saved version the parent changed afterwards (:func:`withdraw`)."""
        with self._sessions.begin() as session:
            return withdraw(session, application_id, now=now)

    def renumber(
        self, application_id: uuid.UUID, last_receipt: str | None, *, now: datetime
    ) -> OutboxItem:
        """Gives a waiting application the next free receipt number (:func:`renumber`)."""
        with self._sessions.begin() as session:
            entry = renumber(session, self._codec, application_id, last_receipt, now=now)
            return self._item(entry)

    # --- the registry's word: statuses, the changes feed, whether it answers --------------

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
                student.set_status(StudentStatus.at_registry(status), reason, now)
                student.application.summarise(now)
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
                student.set_status(status, reason, now)
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
                application.summarise(now)
            self._state(session).changes_cursor = cursor
        return moved

    def resume_receipts(self, last_receipt: str) -> bool:
        """Moves the receipt counter past the registry's last number (:func:`resume_past`)."""
        with self._sessions.begin() as session:
            return resume_past(session, last_receipt)

    def changes_cursor(self) -> int:
        """How far the registry's changes feed was applied (0: not at all)."""
        with self._sessions() as session:
            state = session.get(SyncState, SYNC_STATE_ID)
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

    def shift_waits(self, by: timedelta) -> int:
        """Moves every waiting entry's next try by ``by`` (the wall clock jumped so far).

        Returns:
            How many entries moved.
        """
        with self._sessions.begin() as session:
            entries = session.scalars(select(OutboxEntry).where(OutboxEntry.acked_at.is_(None)))
            moved = 0
            for entry in entries:
                entry.next_attempt_at += by
                moved += 1
            return moved

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

    # --- retention ------------------------------------------------------------------------

    def reduce_decided(self, *, decided_before: datetime, now: datetime) -> list[str]:
        """Reduces applications decided before ``decided_before`` to their receipt
        (:func:`~store.local.retention.reduce_decided`); the receipt numbers reduced."""
        with self._sessions.begin() as session:
            return reduce_decided(session, decided_before=decided_before, now=now)

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
            state = session.get(SyncState, SYNC_STATE_ID)
            fault = self._faults.last if self._faults is not None else None
            return SyncHealth(
                waiting=count,
                due=due or 0,
                oldest_waiting_since=oldest,
                changes_cursor=state.changes_cursor if state else 0,
                last_contact_at=state.last_contact_at if state else None,
                last_failure_at=state.last_failure_at if state else None,
                last_error=state.last_error if state else None,
                local_fault=fault.kind.value if fault else None,
                local_fault_at=fault.at if fault else None,
            )

    # --- helpers --------------------------------------------------------------------------

    def _item(self, entry: OutboxEntry) -> OutboxItem:
        return OutboxItem(
            application_id=uuid.UUID(entry.application_id),
            payload=self._codec.open_payload(entry),
            attempts=entry.attempts,
            next_attempt_at=entry.next_attempt_at,
            last_error=entry.last_error,
        )

    @staticmethod
    def _state(session: Session) -> SyncState:
        state = session.get(SyncState, SYNC_STATE_ID)
        if state is None:
            state = SyncState(id=SYNC_STATE_ID, changes_cursor=0)
            session.add(state)
        return state

    @staticmethod
    def _application(session: Session, application_id: str) -> Application:
        application = session.get(Application, application_id)
        if application is None:
            raise DomainError(ErrorCode.APPLICATION_NOT_FOUND)
        return application
