"""A checked roster into PostgreSQL, set-based: each kind of row ``COPY``'d into a temporary
table and upserted in one statement, in the caller's transaction.

The pupils are streamed from the file into ``COPY`` (never held in memory); schools, classes and
teachers come from the check's one entry each. Each upsert creates a row, or updates it only where
something differs; ``xmax = 0`` tells a row the statement inserted from one it updated, so the
counts are those of the ORM path SQLite takes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final

from psycopg import Cursor
from sqlalchemy.orm import Session

from kiosk.domain.wire import StaffRole
from registry.services.roster_file import CheckedRoster, RosterRow

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

# The pupils in two statements, not one INSERT … ON CONFLICT (whose speculative insertion made the
# first import of a city about a fifth slower): those on the roster already, updated where they
# differ; then the new ones. Imports take a lock (roster_import), so no pupil appears between.
_UPDATE_STUDENTS: Final = """
UPDATE students SET name = r.name, school_code = r.school_code, class_id = c.id,
    level = r.level, enrolled = true
FROM roster_students r
JOIN school_classes c ON c.school_code = r.school_code AND c.name = r.class_name
WHERE students.id_number = r.id_number
  AND (students.name, students.school_code, students.class_id, students.level,
       students.enrolled)
    IS DISTINCT FROM (r.name, r.school_code, c.id, r.level, true)
"""

_INSERT_STUDENTS: Final = """
INSERT INTO students (id_number, name, school_code, class_id, level, enrolled)
SELECT r.id_number, r.name, r.school_code, c.id, r.level, true
FROM roster_students r
JOIN school_classes c ON c.school_code = r.school_code AND c.name = r.class_name
WHERE NOT EXISTS (SELECT FROM students s WHERE s.id_number = r.id_number)
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


#: A batch of pupils: how many, and their rows in ``COPY``'s text format.
_Batch = tuple[int, bytes]


def _student_batches(rows: Iterator[RosterRow]) -> Iterator[_Batch]:
    """The pupils' rows, in batches of :data:`_BATCH`, as ``COPY`` text (made here, in the
    reading thread, so the thread talking to PostgreSQL only sends them). No checked value holds
    a tab, a newline or a carriage return (whitespace is folded, names hold letters); a
    backslash, possible in a class's name, is doubled."""
    lines: list[str] = []
    for row in rows:
        fields = (row.student_id, row.student_name, row.school_code, row.class_name, row.level)
        line = "\t".join(fields)
        if "\\" in line:
            line = "\t".join(value.replace("\\", "\\\\") for value in fields)
        lines.append(line)
        if len(lines) == _BATCH:
            yield len(lines), ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield len(lines), ("\n".join(lines) + "\n").encode()


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
        except BaseException as exc:  # handed to the thread that reads the batches
            put(exc)
        finally:
            batches.close()  # type: ignore[attr-defined]  # a generator

    reader = threading.Thread(target=read, name="roster-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]  # a batch
    finally:
        stop.set()
        reader.join()


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
    connection = session.connection().connection.driver_connection
    assert connection is not None
    counts: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        for table, columns in _TABLES.items():
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP")
        _copy(
            cursor,
            "roster_schools",
            ((code, s.name, s.level.value) for code, s in roster.schools.items()),
        )
        _copy(
            cursor,
            "roster_teachers",
            ((login, t.name, t.school_code) for login, t in roster.teachers.items()),
        )
        _copy(
            cursor,
            "roster_classes",
            (
                (code, name, c.teacher_username, c.teacher_name)
                for (code, name), c in roster.classes.items()
            ),
        )
        counts["schools"] = _counts(cursor, _UPSERT_SCHOOLS)
        counts["teachers"] = _counts(
            cursor,
            _UPSERT_TEACHERS,
            role=StaffRole.TEACHER.value,
            password_hash=locked_password_hash,
        )
        counts["classes"] = _counts(cursor, _UPSERT_CLASSES)
        # The pupils: read from the file again, a batch at a time into COPY and upserted.
        created = updated = 0
        for size, text in _read_ahead(_student_batches(roster.stream())):
            cursor.execute("TRUNCATE roster_students")
            with cursor.copy(f"COPY roster_students ({_STUDENT_COLUMNS}) FROM STDIN") as copy:
                copy.write(text)
            cursor.execute(_UPDATE_STUDENTS)
            updated += cursor.rowcount
            cursor.execute(_INSERT_STUDENTS)
            created += cursor.rowcount
            if progress is not None:
                progress(size)
        counts["students"] = (created, updated)
        cursor.execute(f"DROP TABLE {', '.join(_TABLES)}")
    return counts
