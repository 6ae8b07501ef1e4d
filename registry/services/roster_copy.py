"""A roster into PostgreSQL, set-based: each kind of row ``COPY``'d into a temporary table and
upserted in one statement, batch by batch, in the caller's transaction.

A file is imported in one pass (:func:`copy_file`): a thread reads and checks it, handing over
batches of pupils (as ``COPY`` text) with the schools, teachers and classes first seen in them;
this thread upserts each batch while the next is read. Whether the file can be imported is known
at its end: with any problem the caller rolls the whole transaction back. A roster checked
before (:func:`copy_roster`, the demo's rows) goes the same way.

Each upsert creates a row, or updates it only where something differs (``xmax = 0`` tells a row a
statement inserted from one it updated), so the counts are those of the path SQLite takes. No
pupil is held in memory beyond the batches in flight.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Final, NamedTuple

from psycopg import Cursor
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.wire import StaffRole
from registry.services.roster_checks import ClassEntry, SchoolEntry, TeacherEntry
from registry.services.roster_file import (
    CheckedRoster,
    RosterProblem,
    RosterReading,
    RosterRow,
)

#: Pupils copied and upserted at a time (while the next ones are read).
_BATCH: Final = 25_000
#: Batches read ahead of the database.
_AHEAD: Final = 2

_TABLES: Final = {
    "roster_schools": "code varchar(32), name varchar(100), level varchar(24)",
    "roster_teachers": "username varchar(100), name varchar(100), school_code varchar(32)",
    "roster_classes": (
        "school_code varchar(32), name varchar(100), teacher_username varchar(100),"
        " teacher_name varchar(100)"
    ),
    "roster_students": (
        "id_number varchar(16), name varchar(100), school_code varchar(32),"
        " class_name varchar(100), level varchar(24)"
    ),
}

_STUDENT_COLUMNS: Final = "id_number, name, school_code, class_name, level"

_COUNT: Final = (
    "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM changed"
)

_UPSERT_SCHOOLS: Final = f"""
WITH changed AS (
    INSERT INTO schools (code, name, level) SELECT code, name, level FROM roster_schools
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level
    WHERE (schools.name, schools.level) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level)
    RETURNING xmax = 0 AS created
)
{_COUNT}
"""

# A login already taken by other staff was refused before (roster_import): an existing account
# here is this teacher's, and only their name may change.
_UPSERT_TEACHERS: Final = f"""
WITH changed AS (
    INSERT INTO staff_accounts (username, display_name, role, school_code, password_hash,
                                created_at)
    SELECT username, name, %(role)s, school_code, %(password_hash)s, now() FROM roster_teachers
    ON CONFLICT (username) DO UPDATE SET display_name = EXCLUDED.display_name
    WHERE staff_accounts.display_name IS DISTINCT FROM EXCLUDED.display_name
    RETURNING xmax = 0 AS created
)
{_COUNT}
"""

_UPSERT_CLASSES: Final = f"""
WITH changed AS (
    INSERT INTO school_classes (school_code, name, homeroom_teacher_id, homeroom_teacher_name)
    SELECT c.school_code, c.name, s.id, c.teacher_name
    FROM roster_classes c LEFT JOIN staff_accounts s ON s.username = c.teacher_username
    ON CONFLICT (school_code, name) DO UPDATE SET
        homeroom_teacher_id = EXCLUDED.homeroom_teacher_id,
        homeroom_teacher_name = EXCLUDED.homeroom_teacher_name
    WHERE (school_classes.homeroom_teacher_id, school_classes.homeroom_teacher_name)
        IS DISTINCT FROM (EXCLUDED.homeroom_teacher_id, EXCLUDED.homeroom_teacher_name)
    RETURNING xmax = 0 AS created
)
{_COUNT}
"""

# The pupils in one statement, not INSERT … ON CONFLICT (whose speculative insertion made the
# first import of a city about a fifth slower): each pupil of the batch is looked up once, by ID
# number; those on the roster already are updated where they differ, and the new ones inserted
# in the order of their ID numbers (the unique index is then written page after page, not at
# random). Imports take a lock (roster_import), so no pupil appears meanwhile.
_UPSERT_STUDENTS: Final = """
WITH found AS MATERIALIZED (
    SELECT r.id_number, r.name, r.school_code, c.id AS class_id, r.level, s.id AS student_id,
        (s.name, s.school_code, s.class_id, s.level, s.enrolled)
            IS DISTINCT FROM (r.name, r.school_code, c.id, r.level, true) AS differs
    FROM roster_students r
    JOIN school_classes c ON c.school_code = r.school_code AND c.name = r.class_name
    LEFT JOIN students s ON s.id_number = r.id_number
), updated AS (
    UPDATE students SET name = f.name, school_code = f.school_code, class_id = f.class_id,
        level = f.level, enrolled = true
    FROM found f
    WHERE students.id = f.student_id AND f.differs
    RETURNING 1
), created AS (
    INSERT INTO students (id_number, name, school_code, class_id, level, enrolled)
    SELECT id_number, name, school_code, class_id, level, true FROM found
    WHERE student_id IS NULL
    ORDER BY id_number
    RETURNING 1
)
SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM updated)
"""


def _copy(cursor: Cursor[Any], table: str, rows: Iterable[Sequence[object]]) -> None:
    columns = ", ".join(column.split()[0] for column in _TABLES[table].split(","))
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _counts(cursor: Cursor[Any], statement: str, **params: object) -> tuple[int, int]:
    cursor.execute(statement, params or None)
    created, updated = cursor.fetchone() or (0, 0)
    return int(created), int(updated)


class _Batch(NamedTuple):
    """What one batch writes: the schools, teachers and classes first seen in it, then its
    pupils (how many, and their rows in ``COPY``'s text format)."""

    schools: list[tuple[str, SchoolEntry]]
    teachers: list[tuple[str, TeacherEntry]]
    classes: list[tuple[tuple[str, str], ClassEntry]]
    size: int
    students: bytes


def _copy_line(row: RosterRow) -> str:
    """A pupil in ``COPY`` text. No checked value holds a tab, a newline or a carriage return
    (whitespace is folded, names hold letters); a backslash, possible in a class's name, is
    doubled."""
    fields = (row.student_id, row.student_name, row.school_code, row.class_name, row.level)
    line = "\t".join(fields)
    if "\\" in line:
        line = "\t".join(value.replace("\\", "\\\\") for value in fields)
    return line


def _text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""


def _checked_batches(roster: CheckedRoster) -> Iterator[_Batch]:
    """A checked roster: its schools, teachers and classes, then its pupils read again."""
    yield _Batch(
        list(roster.schools.items()),
        list(roster.teachers.items()),
        list(roster.classes.items()),
        0,
        b"",
    )
    lines: list[str] = []
    for row in roster.stream():
        lines.append(_copy_line(row))
        if len(lines) == _BATCH:
            yield _Batch([], [], [], len(lines), _text(lines))
            lines = []
    if lines:
        yield _Batch([], [], [], len(lines), _text(lines))


def _file_batches(reading: RosterReading) -> Iterator[_Batch]:
    """A file as it is read and checked, each batch with what its rows name first."""
    found = reading.consistency
    known = [0, 0, 0]

    def new(entries: Mapping[Any, Any], kind: int) -> list[Any]:
        fresh = list(islice(entries.items(), known[kind], None))
        known[kind] += len(fresh)
        return fresh

    def batch(lines: list[str]) -> _Batch:
        schools, teachers = new(found.schools, 0), new(found.teachers, 1)
        return _Batch(schools, teachers, new(found.classes, 2), len(lines), _text(lines))

    lines: list[str] = []
    # A pupil twice in one batch would break its INSERT: the repeat is left out (the check
    # reports it at the end, and nothing is imported).
    numbers: set[str] = set()
    for row in reading.rows():
        if row.student_id in numbers:
            continue
        numbers.add(row.student_id)
        lines.append(_copy_line(row))
        if len(lines) == _BATCH:
            yield batch(lines)
            lines = []
            numbers.clear()
    yield batch(lines)


_END: Final = object()


def _read_ahead(batches: Iterator[_Batch]) -> Iterator[_Batch]:
    """``batches`` made in a thread of their own, :data:`_AHEAD` batches ahead: the file is
    read and checked while PostgreSQL upserts the previous batch (its wait holds no GIL).
    The thread's exception is raised here; leaving early stops the thread."""
    ready: queue.Queue[object] = queue.Queue(maxsize=_AHEAD)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read() -> None:
        try:
            for batch in batches:
                put(batch)
                if stop.is_set():
                    return
            put(_END)
        except BaseException as exc:  # handed to the thread that takes the batches
            put(exc)
        finally:
            batches.close()  # type: ignore[attr-defined]  # a generator

    reader = threading.Thread(target=read, name="roster-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, _Batch)
            yield item
    finally:
        stop.set()
        reader.join()


_STAFF_TAKEN: Final = """
SELECT t.username FROM roster_teachers t JOIN staff_accounts s ON s.username = t.username
WHERE s.role <> %(role)s OR s.school_code <> t.school_code
"""


class _Writer:
    """Writes batches through one cursor, counting what was created and updated."""

    def __init__(self, cursor: Cursor[Any], password_hash: str) -> None:
        self._cursor, self._password_hash = cursor, password_hash
        self.counts = {kind: (0, 0) for kind in ("schools", "teachers", "classes", "students")}
        self.taken: list[RosterProblem] = []

    def _add(self, kind: str, created: int, updated: int) -> None:
        before = self.counts[kind]
        self.counts[kind] = (before[0] + created, before[1] + updated)

    def _load(self, table: str, rows: Iterable[Sequence[object]]) -> None:
        self._cursor.execute(f"TRUNCATE {table}")
        _copy(self._cursor, table, rows)

    def write(self, batch: _Batch) -> None:
        cursor = self._cursor
        if batch.schools:
            self._load("roster_schools", ((k, s.name, s.level.value) for k, s in batch.schools))
            self._add("schools", *_counts(cursor, _UPSERT_SCHOOLS))
        if batch.teachers:
            self._load("roster_teachers", ((k, t.name, t.school_code) for k, t in batch.teachers))
            role = StaffRole.TEACHER.value
            cursor.execute(_STAFF_TAKEN, {"role": role})
            lines = dict((k, t.line) for k, t in batch.teachers)
            for (login,) in cursor.fetchall():
                error = DomainError(
                    ErrorCode.ROSTER_STAFF_TAKEN, field="teacher_username", username=login
                )
                self.taken.append(RosterProblem(lines[login], error))
            params = {"role": role, "password_hash": self._password_hash}
            self._add("teachers", *_counts(cursor, _UPSERT_TEACHERS, **params))
        if batch.classes:
            self._load(
                "roster_classes",
                (
                    (code, name, c.teacher_username, c.teacher_name)
                    for (code, name), c in batch.classes
                ),
            )
            self._add("classes", *_counts(cursor, _UPSERT_CLASSES))
        if batch.size:
            cursor.execute("TRUNCATE roster_students")
            with cursor.copy(f"COPY roster_students ({_STUDENT_COLUMNS}) FROM STDIN") as copy:
                copy.write(batch.students)
            self._add("students", *_counts(cursor, _UPSERT_STUDENTS))


def _write_all(
    session: Session,
    batches: Iterator[_Batch],
    password_hash: str,
    progress: Callable[[int], None] | None,
) -> _Writer:
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor() as cursor:
        for table, columns in _TABLES.items():
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP")
        writer = _Writer(cursor, password_hash)
        for batch in _read_ahead(batches):
            writer.write(batch)
            if progress is not None and batch.size:
                progress(batch.size)
        cursor.execute(f"DROP TABLE {', '.join(_TABLES)}")
    return writer


def copy_roster(
    session: Session,
    roster: CheckedRoster,
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None,
) -> dict[str, tuple[int, int]]:
    """Upserts a checked roster (staff conflicts already refused) in the session's transaction.

    Returns:
        (created, updated) of ``schools``, ``teachers``, ``classes`` and ``students``.

    Raises:
        RosterChanged: The file changed since it was checked (the caller rolls back).
    """
    batches = _checked_batches(roster)
    return _write_all(session, batches, locked_password_hash, progress).counts


def copy_file(
    session: Session,
    reading: RosterReading,
    *,
    locked_password_hash: str,
    progress: Callable[[int], None] | None,
) -> tuple[CheckedRoster, dict[str, tuple[int, int]]]:
    """Reads, checks and upserts a roster file in one pass, in the session's transaction.

    Returns:
        The file as checked, and (created, updated) of each kind of row.

    Raises:
        RosterInvalid: The file has problems, or a login belongs to other staff: the caller
            must roll back (rows were written).
        OSError: The file cannot be read.
    """
    writer = _write_all(session, _file_batches(reading), locked_password_hash, progress)
    for problem in writer.taken:
        reading.add(problem)
    return reading.finish(), writer.counts
