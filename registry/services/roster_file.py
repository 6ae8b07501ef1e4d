"""Reading a roster file: schools, classes with their homeroom teacher, and students, in CSV.

The file is UTF-8 (a byte-order mark is tolerated), or the encoding given (Big5 / CP950, what
Excel in Taiwan writes by default), with a header row naming the columns
:data:`COLUMNS` (in any order; other columns are ignored)::

    level,school_code,school_name,class_name,teacher_username,teacher_name,student_id,student_name
    高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林老師,A123456789,陳曉明

A file with any bad row is refused whole: every problem is counted, and the first
:data:`~registry.services.roster_checks.PROBLEM_LIMIT` (by line) reported with their line number
and an error code (the words come from the catalogs). What the rows become in the database is
:mod:`registry.services.roster_import`'s job.

The file is streamed, never held whole: :func:`check_roster` reads it once and keeps only one
entry per school, class and teacher and 8 bytes per pupil; :meth:`CheckedRoster.rows` reads it
again, row by row, for the import.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Final, NamedTuple

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import check_id
from kiosk.domain.people import LEVEL_LABELS, Level, parse_name
from registry.services.roster_checks import (
    PROBLEM_LIMIT,
    SCHOOL_CODE_LENGTH,
    ClassEntry,
    Consistency,
    Place,
    Problems,
    RosterProblem,
    SchoolEntry,
    TeacherEntry,
    place_of,
)

__all__ = [
    "COLUMNS",
    "ENCODINGS",
    "SCHOOL_CODE_LENGTH",
    "CheckedRoster",
    "ClassEntry",
    "RosterChanged",
    "RosterInvalid",
    "RosterProblem",
    "RosterReading",
    "RosterRow",
    "SchoolEntry",
    "TeacherEntry",
    "check_roster",
    "check_rows",
    "level_words",
    "read_roster",
]

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

#: Bytes read at a time.
_BLOCK: Final = 1 << 20
#: Places (a class's shared columns) whose checks are remembered; forgotten all at once beyond.
_PLACE_CACHE: Final = 1 << 12


class RosterRow(NamedTuple):
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


class RosterInvalid(Exception):  # noqa: N818 - reads as "the roster is invalid"
    """The file cannot be imported; nothing was.

    Attributes:
        problems: The problems reported, by line (the first :data:`PROBLEM_LIMIT` of a file).
        total: How many problems were found (at least ``len(problems)``).
    """

    def __init__(self, problems: Iterable[RosterProblem], total: int | None = None) -> None:
        self.problems: tuple[RosterProblem, ...] = tuple(sorted(problems, key=lambda p: p.line))
        self.total = max(total or 0, len(self.problems))
        super().__init__(f"{self.total} problem(s) in the roster")


class RosterChanged(Exception):  # noqa: N818 - reads as "the roster changed"
    """The file changed between its check and its import (the import is to be rolled back)."""


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


def _lines(path: Path, encoding: str, digest: hashlib.blake2b) -> Iterator[str]:
    """The file's lines, decoded a block at a time (split as ``newline=""`` does, for csv).

    Raises:
        RosterInvalid: The file is not in ``encoding`` (that problem alone, with its line).
    """
    codec = ENCODINGS[encoding]
    # The byte-order mark is dropped here, not by utf-8-sig: a decoding error's offset then
    # counts from the file's first byte.
    bom = codec == "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8" if bom else codec)()
    lines_before = 0
    rest = b""
    with path.open("rb") as file:
        while True:
            block = file.read(_BLOCK)
            digest.update(block)
            if block:
                data = rest + block
                cut = data.rfind(b"\n") + 1  # whole lines only (no encoding's byte is \n)
                chunk, rest = data[:cut], data[cut:]
            else:
                chunk, rest = rest, b""
            try:
                text = decoder.decode(chunk, final=not block)
            except UnicodeDecodeError as exc:
                line = lines_before + chunk.count(b"\n", 0, exc.start) + 1
                error = DomainError(ErrorCode.ROSTER_ENCODING)
                raise RosterInvalid([RosterProblem(line, error)]) from exc
            if bom and text:
                text, bom = text.removeprefix("\ufeff"), False
            lines_before += chunk.count(b"\n")
            yield from io.StringIO(text, newline="")
            if not block:
                return


def _rows(
    lines: Iterable[str],
    levels: Mapping[str, Level],
    problems: Problems,
    consistency: Consistency,
) -> Iterator[RosterRow]:
    """The valid rows of a file's lines; the problems of the others go to ``problems``."""
    reader = csv.reader(lines)
    header = next(reader, None)
    names = [" ".join(cell.split()).lower() for cell in header or []]
    if not set(COLUMNS) <= set(names):
        problems.add(1, DomainError(ErrorCode.ROSTER_HEADER, columns=",".join(COLUMNS)))
        return
    width = len(names)
    cells_of = itemgetter(*(names.index(name) for name in COLUMNS))
    # What a class's rows share is checked once (and its contradictions with earlier rows,
    # which are the same for the same values): most rows then cost two look-ups.
    places: dict[tuple[str, ...], tuple[Place | None, tuple[DomainError, ...]]] = {}
    for cells in reader:
        if len(cells) != width or not cells[0].strip():
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != width:
                problems.add(
                    reader.line_num,
                    DomainError(ErrorCode.ROSTER_COLUMNS, found=len(cells), expected=width),
                )
                continue
        line = reader.line_num
        *shared, id_cell, name_cell = cells_of(cells)
        key = tuple(shared)
        known = places.get(key)
        if known is None:
            if len(places) >= _PLACE_CACHE:
                places.clear()
            checked = place_of(key, levels)
            if isinstance(checked, Place):
                known = (checked, consistency.place(checked, line))
            else:
                known = (None, checked)
            places[key] = known
        place, errors = known
        student_id = student_name = None
        try:
            student_id = check_id(id_cell, field="student_id")
        except DomainError as error:
            errors = (*errors, error)
        try:
            student_name = parse_name(name_cell, field="student_name")
        except DomainError as error:
            errors = (*errors, error)
        for found in errors:
            problems.add(line, found)
        if place is None or student_id is None or student_name is None:
            continue
        consistency.student(student_id, line)
        if not errors:
            yield RosterRow(line, *place, student_id, student_name)


@dataclass(frozen=True, slots=True)
class CheckedRoster:
    """A roster file that passed every check: what it holds, and its rows again on demand.

    Attributes:
        rows: How many rows it has.
        schools: Each school, as its first row has it.
        classes: Each class's homeroom teacher, by (school code, class name).
        teachers: Each teacher, by login.
        stream: Reads the rows again, in file order (raising :class:`RosterChanged` at the end
            if the file is no longer the one checked).
    """

    rows: int
    schools: Mapping[str, SchoolEntry]
    classes: Mapping[tuple[str, str], ClassEntry]
    teachers: Mapping[str, TeacherEntry]
    stream: Callable[[], Iterator[RosterRow]]


def _finish(problems: Problems, consistency: Consistency, rows: int) -> None:
    for problem in consistency.duplicates():
        problems.add(problem.line, problem.error)
    if problems.count:
        raise RosterInvalid(problems.kept(), problems.count)
    if not rows:
        raise RosterInvalid([RosterProblem(0, DomainError(ErrorCode.ROSTER_EMPTY))])


class RosterReading:
    """One streaming pass over a roster file: its valid rows as they are read, every problem
    counted on the way; whether the file can be imported is known at the end (:meth:`finish`).

    Attributes:
        consistency: One entry per school, class and teacher read so far (their first rows').
        count: Valid rows read so far.
    """

    def __init__(
        self,
        path: Path,
        *,
        translator: Translator | None = None,
        encoding: str = "utf-8",
        problem_limit: int = PROBLEM_LIMIT,
    ) -> None:
        self._path, self._encoding, self._limit = path, encoding, problem_limit
        self._levels = level_words(translator)
        self._digest = hashlib.blake2b()
        self._problems = Problems(problem_limit)
        self.consistency = Consistency()
        self.count = 0

    def rows(self) -> Iterator[RosterRow]:
        """The file's valid rows, in order (once).

        Raises:
            RosterInvalid: The file is not in its encoding (that problem alone).
            OSError: The file cannot be read.
        """
        lines = _lines(self._path, self._encoding, self._digest)
        for row in _rows(lines, self._levels, self._problems, self.consistency):
            self.count += 1
            yield row

    def add(self, problem: RosterProblem) -> None:
        """A problem found elsewhere (in the database) counted with the file's."""
        self._problems.add(problem.line, problem.error)

    def finish(self) -> CheckedRoster:
        """After :meth:`rows`: the file as checked, its rows to be read again on demand.

        Raises:
            RosterInvalid: With the problems found (a student listed twice is found here).
        """
        _finish(self._problems, self.consistency, self.count)
        checked = self._digest.digest()
        path, encoding, levels, limit = self._path, self._encoding, self._levels, self._limit

        def stream() -> Iterator[RosterRow]:
            again = hashlib.blake2b()
            seen = Problems(limit)
            yield from _rows(_lines(path, encoding, again), levels, seen, Consistency())
            if seen.count or again.digest() != checked:
                raise RosterChanged(str(path))

        c = self.consistency
        return CheckedRoster(self.count, c.schools, c.classes, c.teachers, stream)


def check_roster(
    path: Path,
    *,
    translator: Translator | None = None,
    encoding: str = "utf-8",
    problem_limit: int = PROBLEM_LIMIT,
) -> CheckedRoster:
    """Reads and checks a roster file in one streaming pass.

    Args:
        path: The file.
        translator: Whose level labels are accepted besides the values and English labels
            (Traditional Chinese when not given).
        encoding: One of :data:`ENCODINGS` (UTF-8 by default).
        problem_limit: How many problems to report (all are counted).

    Raises:
        RosterInvalid: With the problems found (``roster.encoding`` alone for a file that is
            not in ``encoding``).
        OSError: The file cannot be read.
    """
    reading = RosterReading(
        path, translator=translator, encoding=encoding, problem_limit=problem_limit
    )
    for _row in reading.rows():
        pass
    return reading.finish()


def check_rows(rows: Sequence[RosterRow]) -> CheckedRoster:
    """Checks rows made in memory (the demo's) against each other, as :func:`check_roster`
    checks a file's.

    Raises:
        RosterInvalid: Rows contradict each other.
    """
    problems, consistency = Problems(), Consistency()
    for row in rows:
        place = Place(*row[1:7])
        for error in consistency.place(place, row.line):
            problems.add(row.line, error)
        consistency.student(row.student_id, row.line)
    _finish(problems, consistency, len(rows))
    return CheckedRoster(
        len(rows), consistency.schools, consistency.classes, consistency.teachers, rows.__iter__
    )


def read_roster(
    path: Path, *, translator: Translator | None = None, encoding: str = "utf-8"
) -> list[RosterRow]:
    """Every row of a roster file, checked (see :func:`check_roster`), as a list: memory grows
    with the file; the import streams with :func:`check_roster` instead.

    Raises:
        RosterInvalid: With the problems found.
        OSError: The file cannot be read.
    """
    return list(check_roster(path, translator=translator, encoding=encoding).stream())
