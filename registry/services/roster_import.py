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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.wire import StaffRole
from registry.services.roster_file import RosterInvalid, RosterProblem, RosterRow, read_roster
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


def _staff_conflicts(
    rows: Sequence[RosterRow], existing: Mapping[str, StaffAccount]
) -> Iterator[RosterProblem]:
    reported: set[str] = set()
    for row in rows:
        login = row.teacher_username
        if login is None or login in reported or login not in existing:
            continue
        account = existing[login]
        if account.role is not StaffRole.TEACHER or account.school_code != row.school_code:
            reported.add(login)
            yield RosterProblem(
                row.line,
                DomainError(ErrorCode.ROSTER_STAFF_TAKEN, field="teacher_username", username=login),
            )


def import_rows(
    session: Session,
    rows: Sequence[RosterRow],
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Upserts checked rows into the registry's database, in the caller's transaction.

    Does not commit.

    Checks first what only the database knows (a teacher's login that belongs to staff of
    another school or role); with any such problem nothing is written.

    Args:
        session: A session inside a transaction; the caller commits (or rolls back).
        rows: Rows from :func:`~registry.services.roster_file.parse_roster` (consistent with each
            other).
        locked_password_hash: The password hash new teacher accounts get: a well-formed hash of
            a secret nobody knows, so they cannot sign in until a password is set.
        progress: Called with the number of rows done since the last call.

    Returns:
        What was created and changed.

    Raises:
        RosterInvalid: A login in the file belongs to other staff.
    """
    codes = sorted({row.school_code for row in rows})
    logins = sorted({row.teacher_username for row in rows if row.teacher_username})
    student_ids = sorted({row.student_id for row in rows})
    staff: dict[str, StaffAccount] = {}
    for chunk in _chunks(logins):
        staff.update(
            (a.username, a)
            for a in session.scalars(select(StaffAccount).where(StaffAccount.username.in_(chunk)))
        )
    problems = list(_staff_conflicts(rows, staff))
    if problems:
        raise RosterInvalid(problems)

    summary = ImportSummary(rows=len(rows))
    schools: dict[str, School] = {}
    classes: dict[tuple[str, str], SchoolClass] = {}
    for chunk in _chunks(codes):
        schools.update(
            (s.code, s) for s in session.scalars(select(School).where(School.code.in_(chunk)))
        )
        classes.update(
            ((c.school_code, c.name), c)
            for c in session.scalars(select(SchoolClass).where(SchoolClass.school_code.in_(chunk)))
        )

    # The rows agree with each other (parse_roster checked), so the first row of each school,
    # class and teacher speaks for all of its rows.
    school_rows: dict[str, RosterRow] = {}
    class_rows: dict[tuple[str, str], RosterRow] = {}
    teacher_rows: dict[str, RosterRow] = {}
    for row in rows:
        school_rows.setdefault(row.school_code, row)
        class_rows.setdefault((row.school_code, row.class_name), row)
        if row.teacher_username is not None:
            teacher_rows.setdefault(row.teacher_username, row)

    # Parents before children, flushing in between: a class needs its school and its teacher's
    # id, a student its class's id.
    for code, row in school_rows.items():
        _upsert(
            session,
            schools,
            code,
            School,
            {"name": row.school_name, "level": row.level},
            summary.schools,
            key={"code": code},
        )
    session.flush()
    for login, row in teacher_rows.items():
        _upsert(
            session,
            staff,
            login,
            StaffAccount,
            {"display_name": row.teacher_name},
            summary.teachers,
            key={
                "username": login,
                "role": StaffRole.TEACHER,
                "school_code": row.school_code,
                "password_hash": locked_password_hash,
            },
        )
    session.flush()
    for (code, name), row in class_rows.items():
        teacher = staff[row.teacher_username] if row.teacher_username else None
        _upsert(
            session,
            classes,
            (code, name),
            SchoolClass,
            {
                "homeroom_teacher_id": teacher.id if teacher else None,
                "homeroom_teacher_name": row.teacher_name,
            },
            summary.classes,
            key={"school_code": code, "name": name},
        )
    session.flush()
    class_ids = {key: klass.id for key, klass in classes.items()}
    if session.get_bind().dialect.name == "postgresql":
        summary.students = _copy_students(session, rows, class_ids, progress)
        return summary
    students: dict[str, Student] = {}
    for chunk in _chunks(student_ids):
        students.update(
            (s.id_number, s)
            for s in session.scalars(select(Student).where(Student.id_number.in_(chunk)))
        )
    done = 0
    for row in rows:
        _upsert(
            session,
            students,
            row.student_id,
            Student,
            {
                "name": row.student_name,
                "school_code": row.school_code,
                "class_id": class_ids[(row.school_code, row.class_name)],
                "level": row.level,
                "enrolled": True,
            },
            summary.students,
            key={"id_number": row.student_id},
        )
        done += 1
        if done % _CHUNK == 0:
            session.flush()
            if progress is not None:
                progress(_CHUNK)
    session.flush()
    if progress is not None and done % _CHUNK:
        progress(done % _CHUNK)
    return summary


#: The students' upsert from the copied rows: a pupil is created, or updated only where
#: something differs; ``xmax = 0`` tells a row this statement inserted from one it updated.
_UPSERT_STUDENTS: Final = """
WITH changed AS (
    INSERT INTO students (id_number, name, school_code, class_id, level, enrolled)
    SELECT id_number, name, school_code, class_id, level, true FROM roster_import_students
    ON CONFLICT (id_number) DO UPDATE SET
        name = EXCLUDED.name, school_code = EXCLUDED.school_code,
        class_id = EXCLUDED.class_id, level = EXCLUDED.level, enrolled = true
    WHERE (students.name, students.school_code, students.class_id, students.level,
           students.enrolled)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.school_code, EXCLUDED.class_id,
                          EXCLUDED.level, true)
    RETURNING xmax = 0 AS created
)
SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM changed
"""


def _copy_students(
    session: Session,
    rows: Sequence[RosterRow],
    class_ids: Mapping[tuple[str, str], int],
    progress: Callable[[int], None] | None,
) -> Counts:
    """PostgreSQL: the students streamed with ``COPY`` into a temporary table, then upserted
    in one statement, all in the caller's transaction (no ORM object per pupil)."""
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE roster_import_students (id_number varchar(16),"
            " name varchar(100), school_code varchar(32), class_id integer, level varchar(24))"
            " ON COMMIT DROP"
        )
        columns = "id_number, name, school_code, class_id, level"
        with cursor.copy(f"COPY roster_import_students ({columns}) FROM STDIN") as copy:
            for done, row in enumerate(rows, start=1):
                klass = class_ids[(row.school_code, row.class_name)]
                copy.write_row(
                    (row.student_id, row.student_name, row.school_code, klass, row.level.value)
                )
                if progress is not None and done % _CHUNK == 0:
                    progress(_CHUNK)
        if progress is not None and len(rows) % _CHUNK:
            progress(len(rows) % _CHUNK)
        cursor.execute(_UPSERT_STUDENTS)
        created, updated = cursor.fetchone() or (0, 0)
        cursor.execute("DROP TABLE roster_import_students")
    return Counts(created=int(created), updated=int(updated))


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


def import_roster(
    session: Session,
    path: Path,
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None = None,
    translator: Translator | None = None,
) -> ImportSummary:
    """Reads, checks and imports a roster file in the caller's transaction. Does not commit.

    Args:
        session: A session inside a transaction; the caller commits on success.
        path: The CSV file.
        locked_password_hash: See :func:`import_rows`.
        progress: Called with the number of students written since the last call.
        translator: Whose level labels the file may use (Traditional Chinese when not given).

    Raises:
        RosterInvalid: With every problem; nothing was written.
    """
    rows = read_roster(path, translator=translator)
    return import_rows(session, rows, locked_password_hash=locked_password_hash, progress=progress)
