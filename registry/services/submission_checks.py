"""What a submission must pass before anything of the roster is read.

A submission names a verified challenge; until that is proven, the registry says nothing about
students (``draft.signature_mismatch`` for a pupil on the roster and ``student.not_found`` for
one who is not would be an existence oracle). Its time must lie in a sane window around the
registry's clock, and its consent version must be one the registry knows. A roster miss counts
against the parent session of the challenge, as a look-up's miss does, under the same lock.
And the two rules that read other people's applications: one email belongs to one parent, and a
student already bound to (or pending for) the parent is not applied for again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from kiosk.domain.contact import Channel, Contact, email_key, parse_email
from kiosk.domain.draft import PARENT_EMAIL_FIELD
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import parse_id
from kiosk.domain.wire import BindingStatus
from store.central import (
    Application,
    Binding,
    CodeChallenge,
    ParentAccount,
    ParentSession,
)

#: How far ahead of the registry's clock a kiosk's ``submitted_at`` may be (a wrong clock).
SUBMITTED_AHEAD: Final = timedelta(days=1)
#: How old a submission may be when it first arrives (a kiosk long away from the network).
SUBMITTED_BEHIND: Final = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class SubmissionRules:
    """The registry's settings a submission is checked against.

    Attributes:
        consent_versions: The statement versions a parent may have accepted.
        max_misses: Roster misses a parent session may have before it locks.
    """

    consent_versions: frozenset[str]
    max_misses: int


# The submission's statements, built once (each request only binds its values): building and
# keying a statement costs more than PostgreSQL's answer to it.
_SESSION_OF: Final = (
    select(ParentSession, CodeChallenge)
    .join(CodeChallenge, CodeChallenge.id == ParentSession.challenge_id)
    .where(
        ParentSession.challenge_id == bindparam("challenge_id"),
        ParentSession.kiosk_id == bindparam("kiosk_id"),
    )
    .order_by(ParentSession.expires_at.desc())
    .limit(1)
    .with_for_update(of=ParentSession)
)
_EMAIL_TAKEN: Final = select(
    exists().where(
        ParentAccount.email_key == bindparam("key"),
        ParentAccount.id_number != bindparam("parent_id"),
    ),
    exists().where(
        Application.parent_email_key == bindparam("key"),
        Application.parent_id_number != bindparam("parent_id"),
        Binding.application_id == Application.id,
        Binding.removed_at.is_(None),
    ),
)
_SESSIONS_OF: Final = (
    select(ParentSession, CodeChallenge)
    .join(CodeChallenge, CodeChallenge.id == ParentSession.challenge_id)
    .where(
        ParentSession.challenge_id.in_(bindparam("challenge_ids", expanding=True)),
        ParentSession.kiosk_id == bindparam("kiosk_id"),
    )
    .order_by(ParentSession.expires_at.desc())
    .with_for_update(of=ParentSession)
)
_EMAIL_HOLDERS_ACCOUNTS: Final = select(ParentAccount.email_key, ParentAccount.id_number).where(
    ParentAccount.email_key.in_(bindparam("keys", expanding=True))
)
_EMAIL_HOLDERS_APPLICATIONS: Final = (
    select(Application.parent_email_key, Application.parent_id_number)
    .join(Binding, Binding.application_id == Application.id)
    .where(
        Application.parent_email_key.in_(bindparam("keys", expanding=True)),
        Binding.removed_at.is_(None),
    )
    .distinct()
)
_LIVE_BINDINGS_OF: Final = select(
    Binding.parent_id_number, Binding.student_id, Binding.status
).where(
    Binding.parent_id_number.in_(bindparam("parent_ids", expanding=True)),
    Binding.student_id.in_(bindparam("student_ids", expanding=True)),
    Binding.removed_at.is_(None),
    Binding.status != BindingStatus.REJECTED,
)


def submitted_at_utc(submitted_at: datetime) -> datetime:
    """``submitted_at`` in UTC.

    Raises:
        DomainError: ``REQUEST_INVALID`` (field ``submitted_at``) for a time that has no UTC
            equivalent (``9999-12-31T23:59:59-14:00`` overflows).
    """
    try:
        return submitted_at.astimezone(UTC)
    except OverflowError:
        raise DomainError(ErrorCode.REQUEST_INVALID, field="submitted_at") from None


def check_submitted_window(at: datetime, now: datetime) -> None:
    """A new submission's time lies between :data:`SUBMITTED_BEHIND` ago and
    :data:`SUBMITTED_AHEAD` from now (a replay of a stored one is not asked).

    Raises:
        DomainError: ``REQUEST_INVALID`` (field ``submitted_at``).
    """
    if not now - SUBMITTED_BEHIND <= at <= now + SUBMITTED_AHEAD:
        raise DomainError(ErrorCode.REQUEST_INVALID, field="submitted_at")


def check_consent_version(version: str, known: frozenset[str]) -> None:
    """The statement version the parent accepted is one this registry knows.

    Raises:
        DomainError: ``REQUEST_INVALID`` (field ``consent_version``).
    """
    if version not in known:
        raise DomainError(ErrorCode.REQUEST_INVALID, field="consent_version")


def locked_session_of(
    session: Session, challenge_id: uuid.UUID, kiosk_id: str
) -> tuple[ParentSession, Contact]:
    """The parent session the challenge opened on this kiosk, locked for this transaction, and
    the contact the challenge verified (one query).

    Raises:
        DomainError: ``CODE_UNKNOWN`` (field ``challenge_id``) when the challenge verified no
            contact on this kiosk; ``SESSION_LOCKED`` when its look-ups are used up.
    """
    row = session.execute(
        _SESSION_OF, {"challenge_id": challenge_id, "kiosk_id": kiosk_id}
    ).one_or_none()
    return session_contact(None if row is None else (row[0], row[1]))


def locked_sessions_of(
    session: Session, challenge_ids: Collection[uuid.UUID], kiosk_id: str
) -> dict[uuid.UUID, tuple[ParentSession, CodeChallenge]]:
    """:func:`locked_session_of`'s rows for several challenges at once (one query; each
    challenge's latest session, locked for this transaction)."""
    rows = session.execute(
        _SESSIONS_OF, {"challenge_ids": list(challenge_ids), "kiosk_id": kiosk_id}
    ).all()
    latest: dict[uuid.UUID, tuple[ParentSession, CodeChallenge]] = {}
    for parent_session, challenge in rows:  # newest first
        latest.setdefault(parent_session.challenge_id, (parent_session, challenge))
    return latest


def session_contact(
    row: tuple[ParentSession, CodeChallenge] | None,
) -> tuple[ParentSession, Contact]:
    """The parent session and the contact its challenge verified, if it may submit.

    Raises:
        DomainError: As :func:`locked_session_of`.
    """
    if row is None or row[1].used_at is None:
        raise DomainError(ErrorCode.CODE_UNKNOWN, field="challenge_id")
    parent_session, challenge = row
    if parent_session.locked_at is not None:
        raise DomainError(ErrorCode.SESSION_LOCKED)
    return parent_session, Contact(challenge.channel, challenge.address)


def count_roster_miss(
    session: Session,
    parent_session: ParentSession,
    *,
    max_misses: int,
    now: datetime,
    commit: bool = True,
) -> None:
    """Counts a submission's roster miss against its parent session, as a look-up's miss.

    Commits, as :func:`registry.services.roster.verify_student` does: the miss must count
    although the request then fails (nothing else of the submission is written by then). A
    batch (``commit`` False) counts it in its own transaction, which commits whatever its
    applications' fates (:mod:`registry.services.application_batch`).
    """
    parent_session.failed_lookups += 1
    if parent_session.failed_lookups >= max_misses:
        parent_session.locked_at = now
    if commit:
        session.commit()


def check_email_free(session: Session, email: str, parent_id: str) -> None:
    """The tutorial's rule: one email belongs to one parent ID (account or live application).

    Emails are compared by :func:`~kiosk.domain.contact.email_key`: case spells no new mailbox.
    Both are asked in one query.
    """
    taken = session.execute(_EMAIL_TAKEN, {"key": email_key(email), "parent_id": parent_id}).one()
    refuse_taken_email(any(taken))


def emails_taken(session: Session, parent_of: Mapping[str, str]) -> set[str]:
    """Of these email keys (each with the parent ID using it), those another parent ID holds:
    :func:`check_email_free`'s question for several at once (two queries)."""
    keys = list(parent_of)
    holders = [
        *session.execute(_EMAIL_HOLDERS_ACCOUNTS, {"keys": keys}).all(),
        *session.execute(_EMAIL_HOLDERS_APPLICATIONS, {"keys": keys}).all(),
    ]
    return {key for key, parent_id in holders if parent_id != parent_of[key]}


def refuse_taken_email(taken: bool) -> None:
    """:func:`check_email_free`'s answer once it is known whether the email is taken."""
    if taken:
        raise DomainError(ErrorCode.PARENT_EMAIL_TAKEN, field=f"parent.{PARENT_EMAIL_FIELD}")


def email_taken_early(
    session: Session, *, parent_id: str, email: str, verified: Contact, count: Callable[[], None]
) -> bool:
    """The parent step's early :func:`check_email_free`: whether ``email`` is another parent
    ID's. Does not commit.

    Not an oracle of who has an account: the caller is a parent session (a contact proven by a
    code on this kiosk), and a question about any email but that verified contact's own is
    counted by ``count`` (the session's parent look-ups, which lock it once used up). The
    verified email is the parent's own: telling them it is another ID's tells nothing of a
    stranger, so it is answered without counting.

    Raises:
        DomainError: ``id.*`` (field ``parent_id``) or ``email.*`` (field ``email``) for a
            malformed value (not counted); ``SESSION_LOCKED`` from ``count``.
    """
    number = parse_id(parent_id, field="parent_id").value
    address = parse_email(email, field="email").value
    own = verified.channel is Channel.EMAIL and email_key(verified.address) == email_key(address)
    if not own:
        count()
    try:
        check_email_free(session, address, number)
    except DomainError:
        return True
    return False


def check_not_bound(session: Session, parent_id: str, student_ids: list[int]) -> None:
    """A student already bound to, or pending for, this parent is refused (``student_ids``:
    the roster's ids of the submission's students, in order)."""
    live = live_bindings(session, [parent_id], student_ids)
    refuse_bound({student: status for (_parent, student), status in live.items()}, student_ids)


def live_bindings(
    session: Session, parent_ids: Collection[str], student_ids: Collection[int]
) -> dict[tuple[str, int], BindingStatus]:
    """The live bindings of any of these parents to any of these students, by (parent ID,
    student): :func:`check_not_bound`'s question for several parents at once (one query)."""
    rows = session.execute(
        _LIVE_BINDINGS_OF,
        {"parent_ids": list(parent_ids), "student_ids": list(student_ids)},
    ).all()
    return {(parent_id, student_id): status for parent_id, student_id, status in rows}


def refuse_bound(status_of: Mapping[int, BindingStatus], student_ids: list[int]) -> None:
    """:func:`check_not_bound`'s answer from the parent's live bindings (student → status)."""
    for index, student_id in enumerate(student_ids):
        status = status_of.get(student_id)
        if status is BindingStatus.APPROVED:
            raise DomainError(ErrorCode.STUDENT_ALREADY_BOUND, field=f"students.{index}.student_id")
        if status is BindingStatus.PENDING:
            raise DomainError(
                ErrorCode.STUDENT_ALREADY_PENDING, field=f"students.{index}.student_id"
            )
