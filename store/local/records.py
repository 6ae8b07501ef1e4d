"""What the local store gives back: applications opened, outbox items, status changes, health.

Plain frozen records, detached from any session: the wizard, the progress page and the sync
worker read them without touching the database again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.contact import Contact
from kiosk.domain.draft import ParentDetails, Signature, StudentEntry
from kiosk.domain.people import Level, Relationship
from kiosk.domain.status import ApplicationStatus, StudentStatus


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
        receipt: Its receipt number now.
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
        former_receipt: The number the parent was given, when the application was renumbered
            since (its number was another application's at the registry: a lost counter).
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
    former_receipt: str | None = None


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
        local_fault: The last fault of the kiosk's own database since it started (a
            :class:`store.local.faults.FaultKind` value: ``disk_full``, ``database_damaged``,
            ...), None without one.
        local_fault_at: When it happened.
        clock_skew_s: The registry's clock minus this kiosk's, in seconds, from its last
            answer (None: not known); far from 0, staff should set the kiosk's clock.
    """

    waiting: int
    due: int
    oldest_waiting_since: datetime | None
    changes_cursor: int
    last_contact_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    local_fault: str | None = None
    local_fault_at: datetime | None = None
    clock_skew_s: float | None = None
