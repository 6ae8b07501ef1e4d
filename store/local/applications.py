"""The wizard's application store: 「送出資料」 saves here, the progress page reads here.

:class:`ApplicationStore` saves a submitted application, its students and its outbox entry in one
transaction, with the receipt number the parent is given, and reads applications back opened
(by id, or by the verified contact for 查詢申請進度). What becomes of an application after it is
saved (pushed, refused, decided, reduced) is the sync worker's: :mod:`store.local.outbox`.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Final, TypeAlias

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, sessionmaker

from kiosk.domain.contact import Contact
from kiosk.domain.draft import Draft
from kiosk.domain.status import ApplicationStatus, StudentStatus
from store.local.codec import PersonalPart, SealedCodec
from store.local.records import StoredApplication, StoredStudent
from store.local.tables import (
    Application,
    ApplicationStudent,
    AuditEvent,
    OutboxEntry,
    ReceiptDay,
)

log = logging.getLogger(__name__)

#: Taipei time (UTC+8, no daylight saving since 1979): receipt numbers run per day there.
TAIPEI: Final = timezone(timedelta(hours=8), "Asia/Taipei")

#: Builds the exact JSON body of ``POST /v1/applications`` once the receipt number is known.
PayloadBuilder: TypeAlias = Callable[[str], bytes]

_KIOSK_CODE: Final = re.compile(r"[A-Z0-9]{1,8}")
# Two savers can race only on PostgreSQL (SQLite takes the write lock at BEGIN): for the first
# receipt of a day, or the same application twice. The loser retries and sees the winner's row.
_SAVE_ATTEMPTS: Final = 5
#: ``last_error`` of the outbox entry of an application withdrawn for a changed version.
WITHDRAWN: Final = "application.withdrawn"
#: The audit action of an application given a new receipt number (its detail: before, after).
RENUMBERED: Final = "receipt.renumbered"
# Fields of the body that differ between two saves of the same content (the time of the press).
_PER_PRESS: Final = frozenset({"submitted_at"})


class VersionChangedError(Exception):
    """The draft's application id is saved already, with other content (or was withdrawn).

    A parent who saw an error, went back (返回修改) and changed something must not be given
    the saved body: the caller withdraws that version, here
    (:meth:`store.local.outbox.OutboxStore.withdraw`) and at the registry, where it may stand,
    and saves the draft under a new id.

    Attributes:
        application_id: The id saved with the other content.
    """

    def __init__(self, application_id: uuid.UUID) -> None:
        super().__init__(f"application {application_id} is saved with other content")
        self.application_id = application_id


class ApplicationStore:
    """Submitted applications: saved once with their outbox entry, read back opened.

    Args:
        session_factory: Sessions on the kiosk's database (migrated to head).
        codec: Seals and opens the personal data.
        kiosk_code: This kiosk's short code in receipt numbers (1–8 of A–Z, 0–9).
        tz: The time zone whose date the receipt numbers carry (Taipei).
        saved: Called after each saved submission (the rolling backup); when it fails, that is
            logged and the submission stands.

    Raises:
        ValueError: For a kiosk code that cannot go into a receipt number.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        codec: SealedCodec,
        *,
        kiosk_code: str,
        tz: tzinfo = TAIPEI,
        saved: Callable[[], object] | None = None,
    ) -> None:
        self._saved = saved
        if not _KIOSK_CODE.fullmatch(kiosk_code):
            raise ValueError(f"a kiosk code is 1 to 8 of A-Z and 0-9, not {kiosk_code!r}")
        self._sessions = session_factory
        self._codec = codec
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
            VersionChangedError: The id is stored with other content, or was withdrawn: nothing
                was stored.
        """
        draft.check_complete()
        for attempt in range(_SAVE_ATTEMPTS):
            try:
                with self._sessions.begin() as session:
                    receipt = self._save(session, draft, payload, now)
            except IntegrityError:
                if attempt == _SAVE_ATTEMPTS - 1:
                    raise
                continue
            self._after_save()
            return receipt
        raise AssertionError("unreachable")  # the loop returns or raises

    def _after_save(self) -> None:
        if self._saved is None:
            return
        try:
            self._saved()
        except Exception as failed:  # the submission is saved; only the copy of it is late
            # The type and errno only: an error's text may quote a path or a value.
            errno = getattr(failed, "errno", None) or getattr(failed, "sqlite_errorcode", None)
            log.error(
                "store: the backup after a save failed: %s (errno %s)", type(failed).__name__, errno
            )

    def _save(self, session: Session, draft: Draft, payload: PayloadBuilder, now: datetime) -> str:
        application_id = str(draft.application_id)
        existing = session.get(Application, application_id)
        if existing is not None:
            if self._same_version(existing, payload):
                return existing.receipt
            raise VersionChangedError(draft.application_id)
        parent, signature = draft.parent, draft.signature
        assert draft.consent_version is not None  # check_complete saw to these
        assert parent is not None
        assert signature is not None

        codec = self._codec
        receipt = self._next_receipt(session, now)
        contact = draft.contact
        application = Application(
            id=application_id,
            receipt=receipt,
            status=ApplicationStatus.QUEUED,
            consent_version=draft.consent_version,
            contact_channel=contact.channel if contact else None,
            contact_fingerprint=codec.fingerprint(contact) if contact else None,
            sealed=codec.seal_application(
                application_id, PersonalPart(contact, draft.challenge_id, parent, signature)
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
                sealed=codec.seal_student(application_id, position, entry),
                updated_at=now,
            )
            for position, entry in enumerate(draft.students)
        ]
        application.outbox = OutboxEntry(
            payload=codec.seal_payload(application_id, payload(receipt)),
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

    def _same_version(self, existing: Application, payload: PayloadBuilder) -> bool:
        """Whether ``payload`` is the body saved for ``existing`` but for the time of the press."""
        entry = existing.outbox
        if entry is None:
            return True  # reduced to its receipt: nothing of it is sent any more
        if entry.last_error == WITHDRAWN:
            return False
        saved = json.loads(self._codec.open_payload(entry))
        again = json.loads(payload(existing.receipt))
        for name in _PER_PRESS:
            saved.pop(name, None)
            again.pop(name, None)
        return bool(saved == again)

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

    # --- reading --------------------------------------------------------------------------

    def get(self, application_id: uuid.UUID) -> StoredApplication | None:
        """The application with this id, opened; None if this kiosk has none."""
        with self._sessions() as session:
            application = session.get(Application, str(application_id))
            return None if application is None else self._open(application)

    def by_receipt(self, receipt: str) -> StoredApplication | None:
        """The application with this receipt number (or the number it had before it was
        renumbered: the one on the parent's form), opened; None if this kiosk has none."""
        with self._sessions() as session:
            application = session.scalars(
                select(Application).where(Application.receipt == receipt)
            ).one_or_none()
            if application is None:
                renumbered = session.scalars(
                    select(AuditEvent.subject_id)
                    .where(AuditEvent.action == RENUMBERED)
                    .where(AuditEvent.detail["before"].as_string() == receipt)
                ).first()
                application = session.get(Application, renumbered) if renumbered else None
            return None if application is None else self._open(application)

    def applications_for_contact(self, contact: Contact) -> list[StoredApplication]:
        """The applications verified with this contact, newest first (查詢申請進度).

        Args:
            contact: The verified contact, normalised as at submission.
        """
        with self._sessions() as session:
            applications = session.scalars(
                select(Application)
                .where(Application.contact_fingerprint == self._codec.fingerprint(contact))
                .order_by(Application.created_at.desc(), Application.receipt.desc())
            ).all()
            # A fingerprint match is a lookup, not a proof: keep only rows whose sealed
            # contact really is this one.
            opened = (self._open(application) for application in applications)
            return [stored for stored in opened if stored.contact in (contact, None)]

    def _open(self, application: Application) -> StoredApplication:
        personal = self._codec.open_application(application)
        return StoredApplication(
            application_id=uuid.UUID(application.id),
            receipt=application.receipt,
            former_receipt=_former_receipt(application),
            status=application.status,
            consent_version=application.consent_version,
            submitted_at=application.created_at,
            pushed_at=application.pushed_at,
            decided_at=application.decided_at,
            reduced_at=application.reduced_at,
            contact=personal.contact if personal else None,
            challenge_id=personal.challenge_id if personal else None,
            parent=personal.parent if personal else None,
            signature=personal.signature if personal else None,
            students=tuple(self._open_student(student) for student in application.students),
        )

    def _open_student(self, student: ApplicationStudent) -> StoredStudent:
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
            entry=self._codec.open_student(student),
            removed=student.removed_at is not None,
        )


def _former_receipt(application: Application) -> str | None:
    """The number the parent was given, when it was renumbered since (a lost counter)."""
    session = object_session(application)
    if session is None:
        return None
    detail = session.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.action == RENUMBERED, AuditEvent.subject_id == application.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).first()
    before = detail.get("before") if detail else None
    return before if isinstance(before, str) else None
