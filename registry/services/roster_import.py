"""Importing a roster: checked rows (:mod:`registry.services.roster_file`) upserted into the
registry's database, all or nothing.

Importing is an upsert keyed on the school code, the class name within its school, the teacher's
login and the student's ID number, so importing the same file again changes nothing. Students
missing from a file are left alone: a file may hold one school of many.

Teachers become staff accounts of role teacher that cannot sign in until ``registry add-staff``
gives them a password: their password hash is the one the caller passes in (see
:func:`import_roster`). Nothing here commits: the caller's transaction holds the whole import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.wire import StaffRole
from registry.services.locks import lock
from registry.services.roster_copy import copy_file, copy_roster
from registry.services.roster_file import (
    CheckedRoster,
    RosterInvalid,
    RosterProblem,
    RosterReading,
    RosterRow,
    check_roster,
    check_rows,
)
from store.central import School, SchoolClass, StaffAccount, Student

# Ids are looked up in chunks: SQLite allows a bounded number of bound parameters per statement.
_CHUNK: Final = 500

T = TypeVar("T")


@dataclass(slots=True)
class Counts:
    """How many rows of one kind an import created and changed."""

    created: int = 0
    updated: int = 0


@dataclass(slots=True)
class ImportSummary:
    """What an import did (all zero when the same file is imported again).

    Attributes:
        rows: Rows read.
        schools: Schools created and updated.
        classes: Classes created and updated.
        teachers: Teacher accounts created and updated.
        students: Students created and updated.
    """

    rows: int = 0
    schools: Counts = field(default_factory=Counts)
    classes: Counts = field(default_factory=Counts)
    teachers: Counts = field(default_factory=Counts)
    students: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        """Whether the import changed anything."""
        return any(
            c.created or c.updated
            for c in (self.schools, self.classes, self.teachers, self.students)
        )


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _set(obj: object, values: Mapping[str, object]) -> bool:
    """Sets the attributes that differ; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _staff_conflicts(session: Session, roster: CheckedRoster) -> Iterator[RosterProblem]:
    """Logins of the file that belong to other staff (another school's, or not a teacher)."""
    for chunk in _chunks(sorted(roster.teachers)):
        for login, role, school in session.execute(
            select(StaffAccount.username, StaffAccount.role, StaffAccount.school_code).where(
                StaffAccount.username.in_(chunk)
            )
        ):
            teacher = roster.teachers[login]
            if role is not StaffRole.TEACHER or school != teacher.school_code:
                yield RosterProblem(
                    teacher.line,
                    DomainError(
                        ErrorCode.ROSTER_STAFF_TAKEN, field="teacher_username", username=login
                    ),
                )


def import_checked(
    session: Session,
    roster: CheckedRoster,
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Upserts a checked roster into the registry's database, in the caller's transaction.

    Does not commit.

    Checks first what only the database knows (a teacher's login that belongs to staff of
    another school or role); with any such problem nothing is written. On PostgreSQL every kind
    of row is copied into a temporary table and upserted in one statement
    (:mod:`registry.services.roster_copy`); on SQLite, through the ORM and in chunks.

    Args:
        session: A session inside a transaction; the caller commits (or rolls back).
        roster: From :func:`~registry.services.roster_file.check_roster` or
            :func:`~registry.services.roster_file.check_rows`; its rows are read once more.
        locked_password_hash: The password hash new teacher accounts get: a well-formed hash of
            a secret nobody knows, so they cannot sign in until a password is set.
        progress: Called with the number of students written since the last call.

    Returns:
        What was created and changed.

    Raises:
        RosterInvalid: A login in the file belongs to other staff.
        RosterChanged: The file changed since it was checked; the caller must roll back.
    """
    # One import at a time (PostgreSQL; SQLite has one writer anyway): the pupils' upsert
    # counts on no other transaction adding a pupil meanwhile.
    lock(session, "roster-import")
    problems = list(_staff_conflicts(session, roster))
    if problems:
        raise RosterInvalid(problems)
    summary = ImportSummary(rows=roster.rows)
    if session.get_bind().dialect.name == "postgresql":
        counts = copy_roster(
            session, roster, locked_password_hash=locked_password_hash, progress=progress
        )
        return _summary(roster.rows, counts)

    codes = sorted(roster.schools)
    schools: dict[str, School] = {}
    classes: dict[tuple[str, str], SchoolClass] = {}
    staff: dict[str, StaffAccount] = {}
    for chunk in _chunks(codes):
        schools.update(
            (s.code, s) for s in session.scalars(select(School).where(School.code.in_(chunk)))
        )
        classes.update(
            ((c.school_code, c.name), c)
            for c in session.scalars(select(SchoolClass).where(SchoolClass.school_code.in_(chunk)))
        )
    for chunk in _chunks(sorted(roster.teachers)):
        staff.update(
            (a.username, a)
            for a in session.scalars(select(StaffAccount).where(StaffAccount.username.in_(chunk)))
        )
    # Parents before children, flushing in between: a class needs its school and its teacher's
    # id, a student its class's id.
    for code, school in roster.schools.items():
        _upsert(
            session,
            schools,
            code,
            School,
            {"name": school.name, "level": school.level},
            summary.schools,
            key={"code": code},
        )
    session.flush()
    for login, teacher in roster.teachers.items():
        _upsert(
            session,
            staff,
            login,
            StaffAccount,
            {"display_name": teacher.name},
            summary.teachers,
            key={
                "username": login,
                "role": StaffRole.TEACHER,
                "school_code": teacher.school_code,
                "password_hash": locked_password_hash,
            },
        )
    session.flush()
    for (code, name), klass in roster.classes.items():
        account = staff[klass.teacher_username] if klass.teacher_username else None
        _upsert(
            session,
            classes,
            (code, name),
            SchoolClass,
            {
                "homeroom_teacher_id": account.id if account else None,
                "homeroom_teacher_name": klass.teacher_name,
            },
            summary.classes,
            key={"school_code": code, "name": name},
        )
    session.flush()
    class_ids = {key: klass.id for key, klass in classes.items()}
    summary.students = _write_students(session, roster.stream(), class_ids, progress)
    return summary


def _write_students(
    session: Session,
    rows: Iterable[RosterRow],
    class_ids: Mapping[tuple[str, str], int],
    progress: Callable[[int], None] | None,
) -> Counts:
    """SQLite: the students in chunks, inserted or updated where they differ (bulk statements,
    no ORM object kept: memory does not grow with the file)."""
    counts = Counts()
    for chunk in _batches(rows):
        existing = {
            number: (student_id, (name, school, klass, level, enrolled))
            for student_id, number, name, school, klass, level, enrolled in session.execute(
                select(
                    Student.id,
                    Student.id_number,
                    Student.name,
                    Student.school_code,
                    Student.class_id,
                    Student.level,
                    Student.enrolled,
                ).where(Student.id_number.in_([row.student_id for row in chunk]))
            )
        }
        new: list[dict[str, object]] = []
        changed: list[dict[str, object]] = []
        for row in chunk:
            values = (
                row.student_name,
                row.school_code,
                class_ids[(row.school_code, row.class_name)],
                row.level,
                True,
            )
            fields = dict(zip(_STUDENT_FIELDS, values, strict=True))
            known = existing.get(row.student_id)
            if known is None:
                new.append({"id_number": row.student_id, **fields})
            elif known[1] != values:
                changed.append({"id": known[0], **fields})
        if new:
            session.execute(insert(Student), new)
        if changed:
            session.execute(update(Student), changed)
        counts.created += len(new)
        counts.updated += len(changed)
        if progress is not None:
            progress(len(chunk))
    return counts


_STUDENT_FIELDS: Final = ("name", "school_code", "class_id", "level", "enrolled")


def _batches(rows: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


M = TypeVar("M", School, SchoolClass, StaffAccount, Student)
K = TypeVar("K")


def _upsert(
    session: Session,
    known: dict[K, M],
    key_value: K,
    model: type[M],
    values: Mapping[str, object],
    counts: Counts,
    *,
    key: Mapping[str, object],
) -> M:
    """Creates the row (``key`` and ``values``) or brings the known one up to ``values``."""
    existing = known.get(key_value)
    if existing is None:
        created = model(**key, **values)
        session.add(created)
        known[key_value] = created
        counts.created += 1
        return created
    if _set(existing, values):
        counts.updated += 1
    return existing


def _summary(rows: int, counts: Mapping[str, tuple[int, int]]) -> ImportSummary:
    return ImportSummary(
        rows=rows,
        schools=Counts(*counts["schools"]),
        classes=Counts(*counts["classes"]),
        teachers=Counts(*counts["teachers"]),
        students=Counts(*counts["students"]),
    )


def import_rows(
    session: Session,
    rows: Sequence[RosterRow],
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Checks rows made in memory against each other and imports them (see
    :func:`import_checked`). Does not commit.

    Raises:
        RosterInvalid: The rows contradict each other, or a login belongs to other staff.
    """
    return import_checked(
        session, check_rows(rows), locked_password_hash=locked_password_hash, progress=progress
    )


def import_roster(
    session: Session,
    path: Path,
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None = None,
    translator: Translator | None = None,
    encoding: str = "utf-8",
) -> ImportSummary:
    """Checks and imports a roster file in the caller's transaction. Does not commit.

    On PostgreSQL in one pass, the rows written as they are checked (the caller's rollback
    undoes them when a problem is found); on SQLite the file is checked whole first, then read
    again for the import.

    Args:
        session: A session inside a transaction; the caller commits on success.
        path: The CSV file.
        locked_password_hash: See :func:`import_checked`.
        progress: Called with the number of students written since the last call.
        translator: Whose level labels the file may use (Traditional Chinese when not given).
        encoding: The file's encoding, one of ``roster_file.ENCODINGS``.

    Raises:
        RosterInvalid: With the problems found; the caller must roll back (on PostgreSQL rows
            were written).
        RosterChanged: The file changed while it was imported; the caller must roll back.
    """
    if session.get_bind().dialect.name != "postgresql":
        roster = check_roster(path, translator=translator, encoding=encoding)
        return import_checked(
            session, roster, locked_password_hash=locked_password_hash, progress=progress
        )
    # PostgreSQL: checked and written in one pass; any problem, and the caller rolls back.
    lock(session, "roster-import")
    reading = RosterReading(path, translator=translator, encoding=encoding)
    roster, counts = copy_file(
        session, reading, locked_password_hash=locked_password_hash, progress=progress
    )
    return _summary(roster.rows, counts)
