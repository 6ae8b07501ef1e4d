"""A batch of applications from one kiosk's sync worker, stored in one transaction.

The usual batch — a backlog of new applications, each of other people, each passing its rules —
is settled at once (:func:`_at_once`): the facts its rules read (the stored ids and receipts,
the challenges' parent sessions, the accounts, the pupils, the emails' holders, the live
bindings, the in-person marks) in one query each for the whole batch, after the locks of all its
parents and emails; each application rebuilt and checked as a draft with the same rules
(:mod:`registry.services.submission_draft`, :mod:`registry.services.submission_checks`); then
all its applications and bindings written in one statement each. About a dozen statements for
the batch instead of about fifteen per application.

Anything else — an application already stored (a replay), two applications of one parent, one
email or one pupil, any refusal, a concurrent writer's key — leaves nothing of that attempt (a
savepoint) and the batch is settled one application at a time, each as its own submission would
be (:func:`~registry.services.applications.submit_in_savepoint`): stored, answered as a replay,
or refused, each in a savepoint of the batch's transaction, so a refusal takes nothing else with
it. Either way the whole batch commits once (one commit, and one wait for the kiosk's row of the
changes feed). A refusal that was a roster miss is counted against its parent session in the
batch's transaction, as a single submission's miss is committed on its own.

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.domain.contact import email_key
from kiosk.domain.errors import DomainError, DomainErrors
from kiosk.domain.wire import SubmissionIn
from registry.services.applications import (
    ROSTER_MISSES,
    content_hash,
    insert_stored,
    submit_in_savepoint,
)
from registry.services.in_person import in_person_of
from registry.services.locks import lock
from registry.services.roster import pupils_of
from registry.services.submission_checks import (
    SubmissionRules,
    check_consent_version,
    check_submitted_window,
    count_roster_miss,
    emails_taken,
    live_bindings,
    locked_session_of,
    locked_sessions_of,
    refuse_bound,
    refuse_taken_email,
    session_contact,
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
from store.central import Application, ParentAccount

_STORED_AMONG: Final = select(Application.id).where(
    or_(
        Application.id.in_(bindparam("ids", expanding=True)),
        and_(
            Application.kiosk_id == bindparam("kiosk_id"),
            Application.receipt.in_(bindparam("receipts", expanding=True)),
        ),
    )
)
_ACCOUNTS: Final = select(ParentAccount).where(
    ParentAccount.id_number.in_(bindparam("id_numbers", expanding=True))
)


class _OneAtATime(Exception):  # noqa: N818 - not an error: a way out
    """The batch is not the usual one: it is settled one application at a time."""


def submit_batch(
    session: Session,
    submissions: Sequence[SubmissionIn],
    *,
    kiosk_id: str,
    now: datetime,
    rules: SubmissionRules,
) -> list[Submitted | DomainError]:
    """Settles each submission in order; what became of each (the outcome or the refusal).

    Does not commit; a database failure other than a rule's refusal goes up (and the caller's
    transaction, the whole batch, rolls back: the kiosk sends it again, and every application
    in it is idempotent).
    """
    if len(submissions) > 1:
        savepoint = session.begin_nested()
        try:
            stored = _at_once(session, submissions, kiosk_id=kiosk_id, now=now, rules=rules)
        except (_OneAtATime, DomainError, DomainErrors, IntegrityError):
            # Nothing of the attempt stays (the locks taken stay until the commit, harmlessly).
            savepoint.rollback()
        except BaseException:
            savepoint.rollback()
            raise
        else:
            savepoint.commit()
            return list(stored)
    outcomes: list[Submitted | DomainError] = []
    for submission in submissions:
        try:
            outcomes.append(
                submit_in_savepoint(session, submission, kiosk_id=kiosk_id, now=now, rules=rules)
            )
        except DomainError as refused:
            outcomes.append(refused)
            if refused.code in ROSTER_MISSES:
                parent_session, _contact = locked_session_of(
                    session, submission.challenge_id, kiosk_id
                )
                count_roster_miss(
                    session, parent_session, max_misses=rules.max_misses, now=now, commit=False
                )
    return outcomes


def _at_once(
    session: Session,
    submissions: Sequence[SubmissionIn],
    *,
    kiosk_id: str,
    now: datetime,
    rules: SubmissionRules,
) -> list[Submitted]:
    """Stores every application of the batch, each checked by its rules, or raises.

    Raises:
        _OneAtATime: Not the usual batch (a replay, people in two applications, a pupil not
            found where given).
        DomainError, DomainErrors: An application its rules refuse (the caller settles them
            one at a time, so that each gets its own answer).
        IntegrityError: A concurrent writer stored a key first.
    """
    # What needs no database first, in the order a single submission checks it.
    for submission in submissions:
        check_submitted_window(submitted_at_utc(submission.submitted_at), now)
        check_consent_version(submission.consent_version, rules.consent_versions)
    ids = [submission.application_id for submission in submissions]
    receipts = [submission.receipt for submission in submissions]
    if len(set(ids)) < len(ids) or len(set(receipts)) < len(receipts):
        raise _OneAtATime
    if session.execute(
        _STORED_AMONG, {"ids": ids, "kiosk_id": kiosk_id, "receipts": receipts}
    ).first():
        raise _OneAtATime  # a replay among them (or a receipt that names another)
    sessions = locked_sessions_of(
        session, {submission.challenge_id for submission in submissions}, kiosk_id
    )
    contacts = [
        session_contact(sessions.get(submission.challenge_id))[1] for submission in submissions
    ]
    numbers = [parent_given(submission) for submission in submissions]
    parents = [number.value for number in numbers]
    accounts = {
        account.id_number: account
        for account in session.scalars(_ACCOUNTS, {"id_numbers": parents})
    }
    details = [
        parent_details(submission, number, accounts.get(number.value))
        for submission, number in zip(submissions, numbers, strict=True)
    ]
    emails = [
        email_key(parent_email(detail, accounts.get(parent)))
        for detail, parent in zip(details, parents, strict=True)
    ]
    if len(set(parents)) < len(parents) or len(set(emails)) < len(emails):
        raise _OneAtATime  # one parent's (or one email's) second application reads the first
    lock(session, *(f"parent:{parent}" for parent in parents), *(f"email:{key}" for key in emails))
    drafts = [
        start_draft(submission, detail)
        for submission, detail in zip(submissions, details, strict=True)
    ]
    given = [
        [student_given(submission, index) for index in range(len(submission.students))]
        for submission in submissions
    ]
    wanted = [number.value for students in given for _choice, number in students]
    if len(set(wanted)) < len(wanted):
        raise _OneAtATime  # one pupil in two applications
    pupils = pupils_of(session, wanted)
    students = []
    for submission, draft, theirs in zip(submissions, drafts, given, strict=True):
        found = []
        for index, (choice, number) in enumerate(theirs):
            pupil = pupils.get(number.value)
            if pupil is None or not at_school_given(pupil, submission, index):
                raise _OneAtATime  # a miss: counted, with its own answer, one at a time
            add_pupil(draft, submission, index, (choice, number), pupil)
            found.append(pupil)
        finish_draft(draft, submission)
        students.append(found)
    taken = emails_taken(session, dict(zip(emails, parents, strict=True)))
    live = live_bindings(session, parents, {pupil.id for found in students for pupil in found})
    for parent, key, found in zip(parents, emails, students, strict=True):
        refuse_taken_email(key in taken)
        ids_of = [pupil.id for pupil in found]
        refuse_bound(
            {pupil: live[(parent, pupil)] for pupil in ids_of if (parent, pupil) in live}, ids_of
        )
    in_person = in_person_of(session, {submission.challenge_id for submission in submissions})
    applications, bindings, outcomes = [], [], []
    for submission, contact, detail, draft, found in zip(
        submissions, contacts, details, drafts, students, strict=True
    ):
        application, rows, outcome = stored_rows(
            submission,
            content_hash(submission),
            kiosk_id=kiosk_id,
            now=now,
            contact=contact,
            details=detail,
            account=accounts.get(detail.parent_id.value),
            draft=draft,
            students=found,
            in_person=submission.challenge_id in in_person,
        )
        applications.append(application)
        bindings.extend(rows)
        outcomes.append(outcome)
    insert_stored(session, applications, bindings)
    return outcomes
