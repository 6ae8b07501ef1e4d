"""`registry import-roster` on large files: all or nothing, every problem counted, the first ones
reported by line, the file read in blocks in any encoding, and the cheap checks agreeing with the
full rules.

Run against real SQLite files and, marked ``postgres``, a PostgreSQL database of the test's own.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import IdKind, check_id, make_id, parse_id
from kiosk.domain.people import parse_name
from registry.services import roster_checks, roster_copy, roster_file
from registry.services.roster_file import (
    RosterChanged,
    RosterInvalid,
    check_roster,
)
from registry.services.roster_import import import_checked, import_roster
from store.central import School, SchoolClass, StaffAccount, Student
from store.engine import make_engine, make_session_factory, sqlite_url
from store.migrate import upgrade
from tests.registry.test_roster import HEADER, LOCKED, _command_streams

DIGITS = "零一二三四五六七八九"


def _ids(count: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen[make_id(rng.choice(list(IdKind)), rng).value] = None
    return list(seen)


def _name(number: int) -> str:
    return "學生" + "".join(DIGITS[int(d)] for d in str(number))


def _rows(count: int) -> list[str]:
    """``count`` valid rows: 30 pupils a class, 30 classes a school, a teacher each class."""
    rows = []
    for index, number in enumerate(_ids(count)):
        school, room = divmod(index // 30, 30)
        rows.append(
            f"高中,S{school:04d},臺北市立第{school}高級中學,{room}班,t{school}.{room},王老師,"
            f"{number},{_name(index)}"
        )
    return rows


def _write(tmp_path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes("\n".join([HEADER, *rows, ""]).encode(encoding))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "registry.db")
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url, "central")
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def _counts(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return [
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (School, SchoolClass, StaffAccount, Student)
        ]


def test_a_bad_row_at_the_end_of_a_big_file_imports_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = _rows(20_000)
    # At the end: the first pupil again, then a pupil with a wrong check digit.
    number = rows[1].split(",")[6]
    rows.append(rows[0])
    rows.append(rows[1].replace(number, number[:9] + str((int(number[9]) + 1) % 10)))
    path = _write(tmp_path, rows)

    with pytest.raises(RosterInvalid) as caught, sessions.begin() as session:
        import_roster(session, path, locked_password_hash=LOCKED)

    found = [(p.line, p.error.code, p.error.params.get("line")) for p in caught.value.problems]
    assert found == [
        (20_002, ErrorCode.ROSTER_STUDENT_DUPLICATE, 2),
        (20_003, ErrorCode.ID_CHECKSUM, None),
    ]
    assert _counts(sessions) == [0, 0, 0, 0]


def test_a_file_changed_after_its_check_imports_nothing(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: on PostgreSQL most of the pupils are upserted before the change is seen.
    monkeypatch.setattr(roster_copy, "_BATCH", 1_000)
    rows = _rows(6_000)
    path = _write(tmp_path, rows)
    roster = check_roster(path)
    _write(tmp_path, [*rows[:-1], rows[-1].replace("王老師", "王老帥")])

    with pytest.raises(RosterChanged), sessions.begin() as session:
        import_checked(session, roster, locked_password_hash=LOCKED)

    assert _counts(sessions) == [0, 0, 0, 0]


def test_a_big_file_is_imported_whole_and_again_changes_nothing(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster_copy, "_BATCH", 1_000)
    path = _write(tmp_path, _rows(6_000))

    with sessions.begin() as session:
        first = import_roster(session, path, locked_password_hash=LOCKED)
    with sessions.begin() as session:
        again = import_roster(session, path, locked_password_hash=LOCKED)

    assert (first.rows, first.students.created, first.classes.created) == (6_000, 6_000, 200)
    assert (first.schools.created, first.teachers.created) == (7, 200)
    assert not again.changed
    assert _counts(sessions) == [7, 200, 200, 6_000]


def test_a_big5_file_larger_than_a_block_is_read_with_its_encoding(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 4 KiB: many, each ending mid-file; the names are two bytes a character.
    monkeypatch.setattr(roster_file, "_BLOCK", 4096)
    path = _write(tmp_path, _rows(2_000), encoding="cp950")

    with sessions.begin() as session:
        summary = import_roster(session, path, locked_password_hash=LOCKED, encoding="cp950")

    assert summary.students.created == 2_000
    with sessions() as session:
        names = set(session.scalars(select(Student.name)))
    assert names == {_name(index) for index in range(2_000)}


def test_a_byte_not_in_the_encoding_is_reported_on_its_line_in_a_later_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster_file, "_BLOCK", 4096)
    path = _write(tmp_path, _rows(1_000))
    lines = path.read_bytes().split(b"\n")
    lines[700] = lines[700].replace("學生".encode(), b"\xff\xfe", 1)
    path.write_bytes(b"\n".join(lines))

    with pytest.raises(RosterInvalid) as caught:
        check_roster(path)

    assert [(p.line, p.error.code) for p in caught.value.problems] == [
        (701, ErrorCode.ROSTER_ENCODING)
    ]


def test_problems_are_all_counted_and_the_first_by_line_reported(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = _rows(3_000)
    # Every other row without its name, and the last repeating the first pupil.
    broken = [row.rsplit(",", 1)[0] + "," if i % 2 else row for i, row in enumerate(rows)]
    path = _write(tmp_path, [*broken, rows[0]])

    with pytest.raises(RosterInvalid) as caught:
        check_roster(path)

    invalid = caught.value
    assert invalid.total == 1_501
    assert len(invalid.problems) == roster_checks.PROBLEM_LIMIT
    assert [p.line for p in invalid.problems] == list(range(3, 2_002, 2))
    assert {p.error.code for p in invalid.problems} == {ErrorCode.NAME_EMPTY}

    status, out, err = _command_streams(
        monkeypatch, capsys, "import-roster", "--data", str(tmp_path / "data"), str(path)
    )
    assert status == 1
    assert out == ""
    assert "發現 1501 個問題，未匯入任何資料。" in err
    assert "僅列出依列號排序的前 1000 個問題。" in err
    assert "2001" in err
    assert "3002" not in err  # beyond the first 1000


def test_a_student_listed_twice_is_found_across_the_sorted_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs of 7 pupils sorted apart and merged: the repeats are far from their first line.
    monkeypatch.setattr(roster_checks, "_RUN", 7)
    rows = _rows(100)
    path = _write(tmp_path, [*rows, rows[3], rows[80], rows[3]])

    with pytest.raises(RosterInvalid) as caught:
        check_roster(path)

    found = [(p.line, p.error.params["line"]) for p in caught.value.problems]
    assert found == [(102, 5), (103, 82), (104, 5)]


# --- the cheap checks agree with the full rules -----------------------------------------------


def _outcome(check: object, raw: str) -> object:
    try:
        return check(raw)  # type: ignore[operator]
    except DomainError as error:
        return error.code


def test_an_id_number_typed_normalised_is_checked_as_the_full_rules_check_it() -> None:
    rng = random.Random(15)
    numbers = [make_id(kind, rng).value for kind in IdKind for _ in range(300)]
    # Wrong check digits, and shapes that are no number at all.
    numbers += [n[:9] + str((int(n[9]) + 1) % 10) for n in numbers[:300]]
    numbers += ["A12345678", "A1234567890", "AE23456789", "1123456789", "A3234567890"]
    for number in numbers:
        # Full-width and lower case: the normalising (slow) path.
        typed = number.lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
        assert _outcome(check_id, number) == _outcome(check_id, typed), number
        if not isinstance(_outcome(check_id, number), ErrorCode):
            assert parse_id(typed).value == check_id(number) == number


def test_a_plain_name_is_checked_as_the_full_rules_check_it() -> None:
    # Every character of the unified block, and Latin names: a leading space forces the full
    # normalising path, which must give the same name.
    names = [chr(c) * 2 for c in range(0x4E00, 0xA000)]
    names += ["John Smith", "A", "a" * 40, "Ng Wai Man", "王" * 40]
    for name in names:
        assert parse_name(name) == parse_name(" " + name) == name
    for name in ["王" * 41, "a" * 41]:
        assert _outcome(parse_name, name) == ErrorCode.NAME_TOO_LONG


def test_a_class_name_with_a_backslash_is_stored_as_written(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # COPY's text format gives the backslash a meaning: it must arrive as written.
    rows = [row.replace(",0班,", ",0\\N班\\,") for row in _rows(40)]
    path = _write(tmp_path, rows)

    with sessions.begin() as session:
        import_roster(session, path, locked_password_hash=LOCKED)

    with sessions() as session:
        names = set(session.scalars(select(SchoolClass.name)))
        placed = session.scalar(
            select(func.count())
            .select_from(Student)
            .join(SchoolClass, Student.class_id == SchoolClass.id)
            .where(SchoolClass.name == "0\\N班\\")
        )
    assert names == {"0\\N班\\", "1班"}
    assert placed == 30


# --- the command on PostgreSQL: one pass, rolled back at the end of a bad file ------------------


@pytest.mark.postgres
def test_the_command_on_postgresql_reads_big5_lists_bad_rows_and_imports_all_or_nothing(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(roster_copy, "_BATCH", 500)
    rows = _rows(3_000)
    # The file is written as it is read, batch by batch: the bad row is in the last batch.
    bad = [*rows[:-1], rows[-1].rsplit(",", 1)[0] + ",陳曉明2"]
    path = _write(tmp_path, bad, encoding="cp950")
    database = ("--database", pg_url)

    refused = _command_streams(monkeypatch, capsys, "import-roster", *database, str(path))
    listed = _command_streams(
        monkeypatch, capsys, "import-roster", "--encoding", "cp950", *database, str(path)
    )
    upgrade(pg_url, "central")
    engine = make_engine(pg_url)
    nothing = _counts(make_session_factory(engine))
    good = _write(tmp_path, rows, encoding="cp950")
    imported = _command_streams(
        monkeypatch, capsys, "import-roster", "--encoding", "cp950", *database, str(good)
    )
    everything = _counts(make_session_factory(engine))
    engine.dispose()

    assert refused[0] == 1
    assert "is not UTF-8 text" in refused[2]
    assert "--encoding cp950" in refused[2]
    assert listed[0] == 1
    assert "發現 1 個問題，未匯入任何資料。" in listed[2]
    assert "3001" in listed[2]
    assert nothing == [0, 0, 0, 0]
    assert imported[0] == 0
    assert "名冊匯入：共 3000 列" in imported[1]
    assert everything == [4, 100, 100, 3_000]


def test_a_nul_in_a_school_or_class_name_is_a_problem_on_its_line(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """PostgreSQL takes no NUL in a text: the check refuses it on its line (nothing imported),
    never a database error."""
    rows = _rows(3)
    school, klass = rows[1].split(",")[2], rows[2].split(",")[3]
    rows[1] = rows[1].replace(school, school[:2] + "\x00" + school[2:], 1)
    rows[2] = rows[2].replace(klass, klass + "\x07", 1)
    path = _write(tmp_path, rows)

    with pytest.raises(RosterInvalid) as caught, sessions.begin() as session:
        import_roster(session, path, locked_password_hash=LOCKED)

    found = [(p.line, p.error.code, p.error.field) for p in caught.value.problems]
    assert (3, ErrorCode.ROSTER_VALUE_CONTROL, "school_name") in found  # the header is line 1
    assert (4, ErrorCode.ROSTER_VALUE_CONTROL, "class_name") in found
    assert _counts(sessions) == [0, 0, 0, 0]
