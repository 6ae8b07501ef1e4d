"""Reading a roster file: schools, classes with their homeroom teacher, and students, in CSV.

The file is UTF-8 (a byte-order mark is tolerated), or the encoding given (Big5 / CP950, what
Excel in Taiwan writes by default), with a header row naming the columns
:data:`COLUMNS` (in any order; other columns are ignored)::

    level,school_code,school_name,class_name,teacher_username,teacher_name,student_id,student_name
    高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林老師,A123456789,陳曉明

A file with any bad row is refused whole: every problem is reported with its line number and an
error code (the words come from the catalogs). What the rows become in the database is
:mod:`registry.services.roster_import`'s job.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final, TypeVar

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import parse_id
from kiosk.domain.people import LEVEL_LABELS, Level, parse_level, parse_name
from store.central import NAME_LENGTH

COLUMNS: Final = (
    "level",
    "school_code",
    "school_name",
    "class_name",
    "teacher_username",
    "teacher_name",
    "student_id",
    "student_name",
)

#: Longest school code (the schools table's key).
SCHOOL_CODE_LENGTH: Final = 32

_SCHOOL_CODE: Final = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_USERNAME: Final = re.compile(r"[A-Za-z0-9._@-]+", re.ASCII)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One valid row of a roster file.

    Attributes:
        line: Where the row ends in the file (the header is line 1).
        level: The school's level.
        school_code: The school's code.
        school_name: The school's name.
        class_name: The class (資訊二忠).
        teacher_username: The homeroom teacher's login, or None for a class without one.
        teacher_name: The homeroom teacher's name (None exactly when the login is).
        student_id: The student's normalised ID number.
        student_name: The student's name, normalised.
    """

    line: int
    level: Level
    school_code: str
    school_name: str
    class_name: str
    teacher_username: str | None
    teacher_name: str | None
    student_id: str
    student_name: str


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """Why one line of a roster file cannot be imported.

    Attributes:
        line: The line (the header is line 1; 0 for the file as a whole).
        error: What is wrong; its ``field`` is the column, when one column is to blame.
    """

    line: int
    error: DomainError


class RosterInvalid(Exception):  # noqa: N818 - reads as "the roster is invalid"
    """The file cannot be imported; nothing was.

    Attributes:
        problems: Every problem found, by line.
    """

    def __init__(self, problems: Iterable[RosterProblem]) -> None:
        self.problems: tuple[RosterProblem, ...] = tuple(sorted(problems, key=lambda p: p.line))
        super().__init__(f"{len(self.problems)} problem(s) in the roster")


def level_words(translator: Translator | None = None) -> Mapping[str, Level]:
    """What a roster may write for each level: its value (``senior_high``), its English label
    and its label in the translator's language (高中)."""
    t = translator or Translator()
    words: dict[str, Level] = {}
    for level, label in LEVEL_LABELS.items():
        for word in (level.value, label, t.gettext(label)):
            words[word.strip().lower()] = level
    return MappingProxyType(words)


# --- reading ----------------------------------------------------------------------------------


#: The encodings a roster file may be read in (``--encoding``), and Python's codec for each. Big5
#: is read as CP950, Microsoft's superset of it, which is what "Big5" files from Windows are.
ENCODINGS: Final = MappingProxyType({"utf-8": "utf-8-sig", "big5": "cp950", "cp950": "cp950"})


def _decode(data: bytes, encoding: str = "utf-8") -> str:
    try:
        return data.decode(ENCODINGS[encoding])
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RosterInvalid([RosterProblem(line, DomainError(ErrorCode.ROSTER_ENCODING))]) from exc


def _text(value: str, column: str, max_length: int = NAME_LENGTH) -> str:
    text = " ".join(value.split())
    if not text:
        raise DomainError(ErrorCode.ROSTER_VALUE_MISSING, field=column)
    if len(text) > max_length:
        raise DomainError(ErrorCode.ROSTER_VALUE_TOO_LONG, field=column, max=max_length)
    return text


def _row(line: int, cells: Mapping[str, str], levels: Mapping[str, Level]) -> RosterRow:
    """One row checked column by column; every column's error is collected, not just the first."""
    errors: list[DomainError] = []

    def check(column: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(cells[column])
        except DomainError as error:
            errors.append(error)
            return None

    def level(value: str) -> Level:
        word = " ".join(value.split()).lower()
        return levels[word] if word in levels else parse_level(value, field="level")

    def school_code(value: str) -> str:
        code = _text(value, "school_code", SCHOOL_CODE_LENGTH)
        if not _SCHOOL_CODE.fullmatch(code):
            raise DomainError(ErrorCode.ROSTER_SCHOOL_CODE, field="school_code")
        return code

    def username(value: str) -> str:
        name = _text(value, "teacher_username")
        if not _USERNAME.fullmatch(name):
            raise DomainError(ErrorCode.ROSTER_USERNAME, field="teacher_username")
        return name

    parsed_level = check("level", level)
    code = check("school_code", school_code)
    school_name = check("school_name", lambda v: _text(v, "school_name"))
    class_name = check("class_name", lambda v: _text(v, "class_name"))
    has_login = bool(cells["teacher_username"].strip())
    has_name = bool(cells["teacher_name"].strip())
    login: str | None = None
    teacher: str | None = None
    if has_login != has_name:
        errors.append(DomainError(ErrorCode.ROSTER_TEACHER_INCOMPLETE, field="teacher_username"))
    elif has_login:
        login = check("teacher_username", username)
        teacher = check("teacher_name", lambda v: parse_name(v, field="teacher_name"))
    student_id = check("student_id", lambda v: parse_id(v, field="student_id").value)
    student_name = check("student_name", lambda v: parse_name(v, field="student_name"))
    if (
        errors
        or parsed_level is None
        or code is None
        or school_name is None
        or class_name is None
        or student_id is None
        or student_name is None
    ):
        # A value is None only where its error was collected; the test also narrows the types.
        raise RosterInvalid(RosterProblem(line, error) for error in errors)
    return RosterRow(
        line=line,
        level=parsed_level,
        school_code=code,
        school_name=school_name,
        class_name=class_name,
        teacher_username=login,
        teacher_name=teacher,
        student_id=student_id,
        student_name=student_name,
    )


def _consistency(rows: Sequence[RosterRow]) -> Iterator[RosterProblem]:
    """Rows that contradict an earlier row: a school, a class's teacher, a login, a student."""
    schools: dict[str, RosterRow] = {}
    classes: dict[tuple[str, str], RosterRow] = {}
    logins: dict[str, RosterRow] = {}
    students: dict[str, RosterRow] = {}
    for row in rows:
        first = schools.setdefault(row.school_code, row)
        if (first.school_name, first.level) != (row.school_name, row.level):
            yield RosterProblem(
                row.line,
                DomainError(ErrorCode.ROSTER_SCHOOL_MISMATCH, field="school_code", line=first.line),
            )
        first = classes.setdefault((row.school_code, row.class_name), row)
        if first.teacher_username != row.teacher_username:
            yield RosterProblem(
                row.line,
                DomainError(
                    ErrorCode.ROSTER_TEACHER_MISMATCH, field="teacher_username", line=first.line
                ),
            )
        if row.teacher_username is not None:
            first = logins.setdefault(row.teacher_username, row)
            if (first.teacher_name, first.school_code) != (row.teacher_name, row.school_code):
                yield RosterProblem(
                    row.line,
                    DomainError(
                        ErrorCode.ROSTER_TEACHER_CONFLICT, field="teacher_username", line=first.line
                    ),
                )
        first = students.setdefault(row.student_id, row)
        if first is not row:
            yield RosterProblem(
                row.line,
                DomainError(
                    ErrorCode.ROSTER_STUDENT_DUPLICATE, field="student_id", line=first.line
                ),
            )


def parse_roster(text: str, *, translator: Translator | None = None) -> list[RosterRow]:
    """Reads and checks a roster file's text.

    Args:
        text: The whole file, decoded.
        translator: Whose level labels are accepted besides the values and English labels
            (Traditional Chinese when not given).

    Returns:
        The rows, in file order (blank lines skipped).

    Raises:
        RosterInvalid: With every problem found; then no row is returned.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    names = [" ".join(cell.split()).lower() for cell in header or []]
    if not set(COLUMNS) <= set(names):
        raise RosterInvalid(
            [RosterProblem(1, DomainError(ErrorCode.ROSTER_HEADER, columns=",".join(COLUMNS)))]
        )
    position = {name: names.index(name) for name in COLUMNS}
    levels = level_words(translator)
    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            problems.append(
                RosterProblem(
                    reader.line_num,
                    DomainError(ErrorCode.ROSTER_COLUMNS, found=len(cells), expected=len(names)),
                )
            )
            continue
        try:
            rows.append(_row(reader.line_num, {c: cells[i] for c, i in position.items()}, levels))
        except RosterInvalid as invalid:
            problems.extend(invalid.problems)
    problems.extend(_consistency(rows))
    if problems:
        raise RosterInvalid(problems)
    if not rows:
        raise RosterInvalid([RosterProblem(0, DomainError(ErrorCode.ROSTER_EMPTY))])
    return rows


def read_roster(
    path: Path, *, translator: Translator | None = None, encoding: str = "utf-8"
) -> list[RosterRow]:
    """Reads and checks a roster file (see :func:`parse_roster`).

    Args:
        path: The file.
        translator: As for :func:`parse_roster`.
        encoding: One of :data:`ENCODINGS` (UTF-8 by default).

    Raises:
        RosterInvalid: With every problem found (``roster.encoding`` for a file that is not
            in ``encoding``).
        OSError: The file cannot be read.
    """
    return parse_roster(_decode(path.read_bytes(), encoding), translator=translator)
