"""Look-ups on the roster: schools by level, a student by level + ID + school, a parent by ID.

They read only and do not commit, except :func:`verify_student`'s count of misses.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import parse_id
from kiosk.domain.masking import mask_email, mask_name, mask_phone
from kiosk.domain.people import Level
from kiosk.domain.wire import ParentLookupOut, SchoolOut, StudentVerifyOut
from registry.services import parent_sessions
from registry.settings import Limits
from store.central import ParentAccount, ParentSession, School, SchoolClass, Student


def list_schools(session: Session, level: Level) -> list[SchoolOut]:
    """The schools of ``level``, by name. Does not commit."""
    rows = session.scalars(select(School).where(School.level == level).order_by(School.name))
    return [SchoolOut(code=row.code, name=row.name, level=row.level) for row in rows]


@dataclass(frozen=True, slots=True)
class RosterPupil:
    """A pupil on the roster as a look-up or a submission reads it (one statement, no ORM
    objects: these are the kiosk's most frequent requests)."""

    id: int
    name: str
    level: Level
    enrolled: bool
    class_name: str
    school_code: str
    school_name: str


#: The pupil of an ID number, with school and class (built once: each request binds).
_PUPIL_ROWS: Final = (
    select(
        Student.id,
        Student.name,
        Student.level,
        Student.enrolled,
        SchoolClass.name.label("class_name"),
        School.code.label("school_code"),
        School.name.label("school_name"),
    )
    .join(School, School.code == Student.school_code)
    .join(SchoolClass, SchoolClass.id == Student.class_id)
)
_PUPIL: Final = _PUPIL_ROWS.where(Student.id_number == bindparam("id_number"))
_PUPILS: Final = _PUPIL_ROWS.add_columns(Student.id_number).where(
    Student.id_number.in_(bindparam("id_numbers", expanding=True))
)


def pupil_of(session: Session, id_number: str) -> RosterPupil | None:
    """The pupil with this (normalised) ID number, enrolled or not. Does not commit."""
    row = session.execute(_PUPIL, {"id_number": id_number}).one_or_none()
    return None if row is None else RosterPupil(*row)


def pupils_of(session: Session, id_numbers: Collection[str]) -> dict[str, RosterPupil]:
    """:func:`pupil_of` for several ID numbers at once (one query), by ID number."""
    rows = session.execute(_PUPILS, {"id_numbers": list(id_numbers)}).all()
    return {row[-1]: RosterPupil(*row[:-1]) for row in rows}


def find_student(
    session: Session, *, level: Level, student_id: str, school_code: str
) -> RosterPupil | None:
    """The enrolled pupil matching all three; None otherwise.

    Does not commit.

    Raises:
        DomainError: ``id.*`` when ``student_id`` is no identity number at all.
    """
    pupil = pupil_of(session, parse_id(student_id, field="student_id").value)
    if (
        pupil is None
        or not pupil.enrolled
        or pupil.level != level
        or pupil.school_code != school_code
    ):
        return None
    return pupil


def verify_student(
    session: Session,
    *,
    parent_session_id: uuid.UUID,
    kiosk_id: str,
    level: Level,
    student_id: str,
    school_code: str,
    limits: Limits,
    now: datetime,
) -> StudentVerifyOut:
    """Finds a pupil for a parent session, counting misses.

    The parent session is checked (and locked) here, in the same transaction as the look-up.
    Commits a miss before raising: it must count although the request fails. A hit does not
    commit.

    Whatever part was wrong (ID, school, level, enrolment) the answer is the same
    ``STUDENT_NOT_FOUND``, whose only parameter, ``remaining``, is the look-ups left before the
    session locks, so the answer tells nothing about which part. The miss that uses the last
    look-up is answered ``SESSION_LOCKED`` at once (the parent learns of the lock on the try that
    causes it, not on the next).

    Raises:
        DomainError: as :func:`registry.services.parent_sessions.checked` (``SESSION_INVALID``,
            ``SESSION_EXPIRED``, ``SESSION_LOCKED`` once :attr:`Limits.lookup_misses` are used);
            ``id.*`` for a malformed ID (not counted: it reveals nothing); ``STUDENT_NOT_FOUND``
            with ``remaining``; ``SESSION_LOCKED`` on the miss that uses up the last look-up.
    """
    parent_session = parent_sessions.checked(
        session, parent_session_id, kiosk_id=kiosk_id, now=now, lock=True
    )
    number = parse_id(student_id, field="student_id").value
    student = find_student(session, level=level, student_id=number, school_code=school_code)
    if student is None:
        parent_session.failed_lookups += 1
        remaining = limits.lookup_misses - parent_session.failed_lookups
        if remaining <= 0:
            parent_session.locked_at = now
        session.commit()
        if remaining <= 0:
            raise DomainError(ErrorCode.SESSION_LOCKED)
        raise DomainError(ErrorCode.STUDENT_NOT_FOUND, remaining=remaining)
    return StudentVerifyOut(
        name=student.name,
        class_name=student.class_name,
        school_code=student.school_code,
        school_name=student.school_name,
    )


def count_parent_lookup(session: Session, parent_session_id: uuid.UUID, limits: Limits) -> None:
    """Counts a parent-ID look-up against its parent session. Does not commit: the count is
    kept with the answer.

    A parent looks up their own ID, perhaps again after a typo; not hundreds (each answer holds
    masked personal data), so a session has :attr:`Limits.parent_lookups` of them.

    Raises:
        DomainError: ``SESSION_LOCKED`` once they are used up.
    """
    parent_session = session.scalars(
        select(ParentSession).where(ParentSession.id == parent_session_id).with_for_update()
    ).one()
    if parent_session.parent_lookups >= limits.parent_lookups:
        raise DomainError(ErrorCode.SESSION_LOCKED)
    parent_session.parent_lookups += 1


def lookup_parent(session: Session, parent_id: str) -> ParentLookupOut:
    """Whether the parent ID has an account, with its details masked for the prefill.

    Does not commit.

    Raises:
        DomainError: ``id.*`` (field ``parent_id``) for a malformed ID.
    """
    number = parse_id(parent_id, field="parent_id").value
    account = session.scalars(
        select(ParentAccount).where(ParentAccount.id_number == number)
    ).one_or_none()
    if account is None:
        return ParentLookupOut(has_account=False)
    return ParentLookupOut(
        has_account=True,
        masked_name=mask_name(account.name),
        masked_email=mask_email(account.email),
        masked_phone=mask_phone(account.phone),
    )
