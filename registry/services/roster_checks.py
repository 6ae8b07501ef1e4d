"""The checks of a roster file's rows, made to run on hundreds of thousands of rows in little
memory: each row's values (:func:`place_of` for what a class's rows share, cached; the
student's ID number and name), the rows against each other (:class:`Consistency`, which keeps
one entry per school, class and teacher, and 8 bytes per pupil), and a bounded list of
problems (:class:`Problems`).
"""

from __future__ import annotations

import heapq
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final, NamedTuple, TypeVar

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import LETTER_CODES
from kiosk.domain.people import Level, parse_level, parse_name
from store.central import NAME_LENGTH

#: Longest school code (the schools table's key).
SCHOOL_CODE_LENGTH: Final = 32
#: How many problems a check keeps (the first, by line); all are counted.
PROBLEM_LIMIT: Final = 1000

_SCHOOL_CODE: Final = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_USERNAME: Final = re.compile(r"[A-Za-z0-9._@-]+", re.ASCII)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """Why one line of a roster file cannot be imported.

    Attributes:
        line: The line (the header is line 1; 0 for the file as a whole).
        error: What is wrong; its ``field`` is the column, when one column is to blame.
    """

    line: int
    error: DomainError


class Place(NamedTuple):
    """What the rows of one class share: its school, the class and its homeroom teacher."""

    level: Level
    school_code: str
    school_name: str
    class_name: str
    teacher_username: str | None
    teacher_name: str | None


class Problems:
    """Problems as they are found: all counted, the first :data:`PROBLEM_LIMIT` by line kept."""

    def __init__(self, limit: int = PROBLEM_LIMIT) -> None:
        self.count = 0
        self._limit = limit
        self._order = 0
        # A max-heap on the line (negated) of the kept problems; order keeps a line's own.
        self._kept: list[tuple[int, int, RosterProblem]] = []

    def add(self, line: int, error: DomainError) -> None:
        """Counts one problem; keeps it if it is among the first by line."""
        self.count += 1
        self._order += 1
        entry = (-line, -self._order, RosterProblem(line, error))
        if len(self._kept) < self._limit:
            heapq.heappush(self._kept, entry)
        elif line < -self._kept[0][0]:
            heapq.heapreplace(self._kept, entry)

    def kept(self) -> list[RosterProblem]:
        """The problems kept, by line (a line's in the order found)."""
        return [p for _line, _order, p in sorted(self._kept, key=lambda e: (-e[0], -e[1]))]


#: Control characters (Unicode Cc) left once the whitespace is folded.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _text(value: str, column: str, max_length: int = NAME_LENGTH) -> str:
    text = " ".join(value.split())
    if not text:
        raise DomainError(ErrorCode.ROSTER_VALUE_MISSING, field=column)
    if _CONTROL.search(text):  # NUL and the like: no database takes them, no person types them
        raise DomainError(ErrorCode.ROSTER_VALUE_CONTROL, field=column)
    if len(text) > max_length:
        raise DomainError(ErrorCode.ROSTER_VALUE_TOO_LONG, field=column, max=max_length)
    return text


def _school_code(value: str) -> str:
    code = _text(value, "school_code", SCHOOL_CODE_LENGTH)
    if not _SCHOOL_CODE.fullmatch(code):
        raise DomainError(ErrorCode.ROSTER_SCHOOL_CODE, field="school_code")
    return code


def _username(value: str) -> str:
    name = _text(value, "teacher_username")
    if not _USERNAME.fullmatch(name):
        raise DomainError(ErrorCode.ROSTER_USERNAME, field="teacher_username")
    return name


def place_of(
    cells: tuple[str, str, str, str, str, str], levels: Mapping[str, Level]
) -> Place | tuple[DomainError, ...]:
    """A row's school, class and teacher columns checked (every column's error collected).

    Args:
        cells: The level, school code, school name, class name, teacher's login and name.
        levels: What a roster may write for each level (``roster_file.level_words``).
    """
    level_cell, code_cell, school_cell, class_cell, login_cell, teacher_cell = cells
    errors: list[DomainError] = []

    def check(value: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(value)
        except DomainError as error:
            errors.append(error)
            return None

    def level(value: str) -> Level:
        word = " ".join(value.split()).lower()
        return levels[word] if word in levels else parse_level(value, field="level")

    parsed_level = check(level_cell, level)
    code = check(code_cell, _school_code)
    school_name = check(school_cell, lambda v: _text(v, "school_name"))
    class_name = check(class_cell, lambda v: _text(v, "class_name"))
    has_login, has_name = bool(login_cell.strip()), bool(teacher_cell.strip())
    login: str | None = None
    teacher: str | None = None
    if has_login != has_name:
        errors.append(DomainError(ErrorCode.ROSTER_TEACHER_INCOMPLETE, field="teacher_username"))
    elif has_login:
        login = check(login_cell, _username)
        teacher = check(teacher_cell, lambda v: parse_name(v, field="teacher_name"))
    if errors or parsed_level is None or code is None or school_name is None or class_name is None:
        # A value is None only where its error was collected; the test also narrows the types.
        return tuple(errors)
    return Place(parsed_level, code, school_name, class_name, login, teacher)


# --- the rows against each other --------------------------------------------------------------


class SchoolEntry(NamedTuple):
    """A school as its first row has it."""

    name: str
    level: Level
    line: int


class ClassEntry(NamedTuple):
    """A class's homeroom teacher as its first row has it (None: no teacher)."""

    teacher_username: str | None
    teacher_name: str | None
    line: int


class TeacherEntry(NamedTuple):
    """A teacher as the first row naming their login has them."""

    name: str
    school_code: str
    line: int


#: An ID number's first two characters as a number 0–207 (a letter, then 1 2 A B C D 8 9).
_ID_HEAD: Final = {
    first + second: letter * 8 + index
    for letter, first in enumerate(sorted(LETTER_CODES))
    for index, second in enumerate("12ABCD89")
}
#: Bits of a packed entry for the line (the ID's 9 characters need 31 above them).
_LINE_BITS: Final = 32
_LINE_MASK: Final = (1 << _LINE_BITS) - 1
#: Entries sorted at a time (a list of Python ints that size, briefly).
_RUN: Final = 1 << 18


@dataclass(slots=True)
class Consistency:
    """Rows that contradict an earlier row: a school's name or level, a class's teacher, a
    login's teacher or school, a student listed twice.

    Keeps the first row's values of each school, class and login, and each student's ID
    number packed with its line into 8 bytes (sorted once at the end to find the repeats).
    """

    schools: dict[str, SchoolEntry] = field(default_factory=dict)
    classes: dict[tuple[str, str], ClassEntry] = field(default_factory=dict)
    teachers: dict[str, TeacherEntry] = field(default_factory=dict)
    _students: array[int] = field(default_factory=lambda: array("q"))

    def place(self, place: Place, line: int) -> tuple[DomainError, ...]:
        """The contradictions of a row's school, class and teacher with the first rows'
        (always the same for the same place: the first rows' values never change)."""
        errors: list[DomainError] = []
        school = self.schools.setdefault(
            place.school_code, SchoolEntry(place.school_name, place.level, line)
        )
        if (school.name, school.level) != (place.school_name, place.level):
            errors.append(
                DomainError(ErrorCode.ROSTER_SCHOOL_MISMATCH, field="school_code", line=school.line)
            )
        klass = self.classes.setdefault(
            (place.school_code, place.class_name),
            ClassEntry(place.teacher_username, place.teacher_name, line),
        )
        if klass.teacher_username != place.teacher_username:
            errors.append(
                DomainError(
                    ErrorCode.ROSTER_TEACHER_MISMATCH, field="teacher_username", line=klass.line
                )
            )
        if place.teacher_username is not None and place.teacher_name is not None:
            teacher = self.teachers.setdefault(
                place.teacher_username, TeacherEntry(place.teacher_name, place.school_code, line)
            )
            if (teacher.name, teacher.school_code) != (place.teacher_name, place.school_code):
                errors.append(
                    DomainError(
                        ErrorCode.ROSTER_TEACHER_CONFLICT,
                        field="teacher_username",
                        line=teacher.line,
                    )
                )
        return tuple(errors)

    def student(self, student_id: str, line: int) -> None:
        """Notes a (valid, normalised) student ID number on a line."""
        packed = _ID_HEAD[student_id[:2]] * 10_000_000 + int(student_id[2:9])
        self._students.append(packed << _LINE_BITS | line)

    def duplicates(self) -> Iterator[RosterProblem]:
        """Each line listing a student an earlier line listed, naming that line."""
        students = self._students
        runs: list[tuple[int, int]] = []
        for start in range(0, len(students), _RUN):
            end = min(start + _RUN, len(students))
            students[start:end] = array("q", sorted(students[start:end]))
            runs.append((start, end))
        view = memoryview(students)
        merged: Iterable[int] = heapq.merge(*(view[a:b] for a, b in runs))
        previous, first_line = -1, 0
        for entry in merged:
            number, line = entry >> _LINE_BITS, entry & _LINE_MASK
            if number == previous:
                yield RosterProblem(
                    line,
                    DomainError(
                        ErrorCode.ROSTER_STUDENT_DUPLICATE, field="student_id", line=first_line
                    ),
                )
            else:
                previous, first_line = number, line
