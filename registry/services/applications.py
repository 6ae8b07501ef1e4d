"""Applications and the parent's view of their bindings.

A submission is idempotent on its application id: the first one stores the application and one
binding per student; a replay with the same content (same canonical hash) gets the stored
result; the same id with other content is a conflict. Concurrent replays are settled by the
primary key (the losers' inserts fail and they answer with the winner's result).

Every rule is checked again with ``kiosk.domain``: the registry rebuilds a
:class:`~kiosk.domain.draft.Draft` from the submission with the same methods the kiosk used.

Nothing here commits: the caller's unit of work does (:mod:`registry.unit_of_work`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Final, cast

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from kiosk.domain.contact import email_key
from kiosk.domain.draft import (
    Draft,
    ParentDetails,
)
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import DEFAULT_LANGUAGE
from kiosk.domain.wire import BindingOut, SubmissionIn, SubmissionOut
from registry.services.in_person import verified_in_person
from registry.services.locks import lock
from registry.services.roster import RosterPupil, pupil_of
from registry.services.submission_checks import (
    SubmissionRules,
    check_consent_version,
    check_email_free,
    check_not_bound,
    check_submitted_window,
    count_roster_miss,
    locked_session_of,
    submitted_at_utc,
)
from registry.services.submission_draft import (
    Submitted,
    add_pupil,
    at_school_given,
    finish_draft,
    parent_details,
    parent_email,
    parent_given,
    start_draft,
    stored_rows,
    student_given,
)
from store.central import (
    Application,
    Binding,
    ParentAccount,
    School,
    Student,
)

#: The answers that count as a roster miss against the challenge's parent session.
ROSTER_MISSES: Final = (ErrorCode.STUDENT_NOT_FOUND, ErrorCode.STUDENT_LEFT_SCHOOL)


# A submission's statements, built once (each request only binds its values): building and
# keying a statement costs more than PostgreSQL's answer to it.
_INSERT_APPLICATION: Final = insert(cast(Table, Application.__table__))
_INSERT_BINDING: Final = insert(cast(Table, Binding.__table__))
_ACCOUNT: Final = select(ParentAccount).where(ParentAccount.id_number == bindparam("id_number"))
_STORED_UNDER: Final = select(Application).where(
    or_(
        Application.id == bindparam("id"),
        and_(
            Application.kiosk_id == bindparam("kiosk_id"),
            Application.receipt == bindparam("receipt"),
        ),
    )
)


def content_hash(submission: SubmissionIn) -> str:
    """SHA-256 of the submission's canonical JSON (sorted keys, UTC time, no whitespace)."""
    data = submission.model_dump(mode="json")
    data["submitted_at"] = submitted_at_utc(submission.submitted_at).isoformat()
    if data["language"] == DEFAULT_LANGUAGE:  # hashed as before the field: replays still match
        del data["language"]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def binding_options() -> tuple[object, ...]:
    """Loads a binding's student with its school and class (what :func:`to_wire` reads)."""
    student = joinedload(Binding.student)
    return (student.joinedload(Student.school), student.joinedload(Student.school_class))


def to_wire(binding: Binding) -> BindingOut:
    """A binding as the parent's kiosk shows it (student, school and class loaded)."""
    return BindingOut(
        binding_id=binding.id,
        application_id=binding.application_id,
        position=binding.position,
        student_name=binding.student.name,
        class_name=binding.student.school_class.name,
        school_name=binding.student.school.name,
        relationship=binding.relationship,
        relationship_other=binding.relationship_other,
        status=binding.status,
        reason=binding.reason,
        updated_at=binding.updated_at,
    )


def stored_result(session: Session, application: Application) -> SubmissionOut:
    """What a submission of ``application`` answers: its bindings as they stand now.

    Does not commit.
    """
    bindings = session.scalars(
        select(Binding)
        .where(Binding.application_id == application.id, Binding.removed_at.is_(None))
        .options(*binding_options())  # type: ignore[arg-type]
        .order_by(Binding.position)
    ).all()
    return SubmissionOut(
        application_id=application.id,
        receipt=application.receipt,
        bindings=[to_wire(binding) for binding in bindings],
    )


def _replay(session: Session, application: Application, digest: str) -> Submitted:
    if application.content_hash != digest:
        raise DomainError(ErrorCode.APPLICATION_CONFLICT)
    return Submitted(
        stored_result(session, application),
        created=False,
        parent_email=application.parent_email,
        parent_name=application.parent_name,
        student_names=(),
    )


def _roster_student(session: Session, index: int, raw: SubmissionIn, draft: Draft) -> RosterPupil:
    """Finds the ``index``-th student on the roster and adds it to the draft.

    Its ``STUDENT_NOT_FOUND`` / ``STUDENT_LEFT_SCHOOL`` are the caller's to count as misses.
    """
    choice, number = student_given(raw, index)
    student = pupil_of(session, number.value)
    given = raw.students[index]
    if student is None or not at_school_given(student, raw, index):
        # Only then is the school asked about (a pupil found there proves it exists).
        if session.get(School, given.school_code) is None:
            raise DomainError(ErrorCode.SCHOOL_UNKNOWN, field=f"students.{index}.school_code")
        raise DomainError(ErrorCode.STUDENT_NOT_FOUND, field=f"students.{index}.student_id")
    add_pupil(draft, raw, index, (choice, number), student)
    return student


def _parent_details(
    session: Session, submission: SubmissionIn
) -> tuple[ParentDetails, ParentAccount | None]:
    """The parent as the rules see them; an existing account's data wins over what was sent."""
    number = parent_given(submission)
    account = session.scalars(_ACCOUNT, {"id_number": number.value}).one_or_none()
    return parent_details(submission, number, account), account


def submit(
    session: Session,
    submission: SubmissionIn,
    *,
    kiosk_id: str,
    now: datetime,
    rules: SubmissionRules,
) -> Submitted:
    """Stores an application (or answers a replay of it). Does not commit.

    A first submission's confirmation is for the caller to send once its transaction commits.

    Raises:
        DomainError: ``APPLICATION_CONFLICT`` (same id, other content; or the kiosk's receipt
            number already names another application, ``field`` "receipt"); the rules' own codes
            with the field inside the submission (``students.1.student_id``, ``parent.email``):
            ``id.*``, ``name.*``, ``email.*``, ``phone.*``, ``relationship.*``,
            ``SCHOOL_UNKNOWN``, ``STUDENT_NOT_FOUND``, ``STUDENT_LEFT_SCHOOL``, ``draft.*``,
            ``PARENT_EMAIL_TAKEN``, ``STUDENT_ALREADY_BOUND``, ``STUDENT_ALREADY_PENDING``;
            ``CODE_UNKNOWN`` (``challenge_id`` verified no contact on this kiosk);
            ``SESSION_LOCKED`` (the challenge's session used up its misses);
            ``REQUEST_INVALID`` (``submitted_at`` out of its window, ``consent_version``
            unknown). Nothing of the roster is read before the challenge is proven, and a
            roster miss counts against its session (committed, see
            :func:`~registry.services.submission_checks.count_roster_miss`).
    """
    digest = content_hash(submission)
    existing = session.get(Application, submission.application_id)
    if existing is not None:
        return _replay(session, existing, digest)
    try:
        return _store(session, submission, digest, kiosk_id=kiosk_id, now=now, rules=rules)
    except IntegrityError:
        session.rollback()
    # Someone else stored this id (a concurrent replay) or a binding of this parent and student
    # (a concurrent application) first: answer as if we had come second.
    existing = session.get(Application, submission.application_id)
    if existing is not None:
        return _replay(session, existing, digest)
    return _store(session, submission, digest, kiosk_id=kiosk_id, now=now, rules=rules)


def submit_in_savepoint(
    session: Session,
    submission: SubmissionIn,
    *,
    kiosk_id: str,
    now: datetime,
    rules: SubmissionRules,
) -> Submitted:
    """:func:`submit` inside a savepoint of the caller's transaction (a batch's): an application
    refused leaves nothing of itself, the others of the transaction stand. Does not commit.

    Raises:
        DomainError: as :func:`submit`; a roster miss is not counted here (the savepoint rolls
            back): it is the caller's to count, in its own transaction.
    """
    digest = content_hash(submission)
    for attempt in (1, 2):
        savepoint = session.begin_nested()
        try:
            existing = session.get(Application, submission.application_id)
            if existing is not None:
                outcome = _replay(session, existing, digest)
            else:
                outcome = _store(
                    session,
                    submission,
                    digest,
                    kiosk_id=kiosk_id,
                    now=now,
                    rules=rules,
                    commit_miss=False,
                )
        except IntegrityError:
            # A concurrent replay or application came first: once more, as the second comer.
            savepoint.rollback()
            if attempt == 2:
                raise
            continue
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        return outcome
    raise AssertionError("unreachable")


def _stored_under(session: Session, submission: SubmissionIn, kiosk_id: str) -> Application | None:
    """The application stored under the submission's id, if any (one query, which also asks
    whether the kiosk's receipt number already names another application).

    Raises:
        DomainError: ``APPLICATION_CONFLICT`` (field ``receipt``): a kiosk's receipt number
            names one application; another id under it is a conflict.
    """
    rows = session.scalars(
        _STORED_UNDER,
        {"id": submission.application_id, "kiosk_id": kiosk_id, "receipt": submission.receipt},
    ).all()
    for row in rows:
        if row.id == submission.application_id:
            return row
    if rows:
        raise DomainError(ErrorCode.APPLICATION_CONFLICT, field="receipt")
    return None


def last_receipt(session: Session, kiosk_id: str) -> str | None:
    """The highest receipt number the registry holds from this kiosk (they sort by day, then
    number). Does not commit."""
    return session.scalar(
        select(func.max(Application.receipt)).where(Application.kiosk_id == kiosk_id)
    )


def _store(
    session: Session,
    submission: SubmissionIn,
    digest: str,
    *,
    kiosk_id: str,
    now: datetime,
    rules: SubmissionRules,
    commit_miss: bool = True,
) -> Submitted:
    # Everything that needs no roster first: only a proven challenge may ask about students.
    check_submitted_window(submitted_at_utc(submission.submitted_at), now)
    check_consent_version(submission.consent_version, rules.consent_versions)
    parent_session, contact = locked_session_of(session, submission.challenge_id, kiosk_id)
    details, account = _parent_details(session, submission)
    parent_id = details.parent_id.value
    email = parent_email(details, account)
    # One writer per parent and per email at a time: the email and already-bound rules below
    # read, then write, and must not interleave with another application of the same people.
    lock(session, f"parent:{parent_id}", f"email:{email_key(email)}")
    existing = _stored_under(session, submission, kiosk_id)
    if existing is not None:
        return _replay(session, existing, digest)
    draft = start_draft(submission, details)
    try:
        students = [
            _roster_student(session, index, submission, draft)
            for index in range(len(submission.students))
        ]
    except DomainError as error:
        if error.code in ROSTER_MISSES and commit_miss:
            count_roster_miss(session, parent_session, max_misses=rules.max_misses, now=now)
        raise
    finish_draft(draft, submission)
    check_email_free(session, email, parent_id)
    check_not_bound(session, parent_id, [student.id for student in students])
    application, bindings, outcome = stored_rows(
        submission,
        digest,
        kiosk_id=kiosk_id,
        now=now,
        contact=contact,
        details=details,
        account=account,
        draft=draft,
        students=students,
        in_person=verified_in_person(session, submission.challenge_id),
    )
    # The last statements before the commit: the application's primary key settles concurrent
    # replays here, and a binding's insert takes its kiosk's row of the changes feed (held to
    # the commit), so nothing else is asked after it.
    insert_stored(session, [application], bindings)
    return outcome


def insert_stored(
    session: Session, applications: list[dict[str, object]], bindings: list[dict[str, object]]
) -> None:
    """Writes applications and their bindings (rows, not ORM objects: no unit of work for
    plain inserts on the hottest path; several at once are one statement each)."""
    session.execute(_INSERT_APPLICATION, applications)
    session.execute(_INSERT_BINDING, bindings)
