"""`registry import-roster`: a CSV roster becomes schools, classes, teachers and students.

Run against real SQLite files and, marked ``postgres``, a PostgreSQL database of the test's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.errors import ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.people import Level
from kiosk.domain.wire import StaffRole
from registry import cli
from registry.services.roster_file import RosterInvalid
from registry.services.roster_import import ImportSummary, import_roster
from store.central import School, SchoolClass, StaffAccount, Student
from store.engine import make_engine, make_session_factory, sqlite_url
from store.migrate import upgrade

HEADER = (
    "level,school_code,school_name,class_name,teacher_username,teacher_name,student_id,student_name"
)
ROSTER = f"""{HEADER}
高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,A123456789,陳曉明
高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,F131104093,吳大寶
高中,353301,臺北市私立日曜學校,資訊二孝,t.wang,王建國,D206690746,吳二寶
國小,353601,臺北市立日新國民小學,三年一班,,,B132718926,吳三寶
"""
LOCKED = "$argon2id$locked-for-tests"


@pytest.fixture
def sqlite_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = sqlite_url(tmp_path / "registry.db")
    upgrade(url, "central")
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def _write(tmp_path: Path, text: str, name: str = "roster.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(sessions: sessionmaker[Session], path: Path) -> ImportSummary:
    with sessions.begin() as session:
        return import_roster(session, path, locked_password_hash=LOCKED)


def _count(sessions: sessionmaker[Session], model: type[object]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _check_imported(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        school = session.get_one(School, "353301")
        assert (school.name, school.level) == ("臺北市私立日曜學校", Level.SENIOR_HIGH)
        student = session.scalars(select(Student).where(Student.id_number == "A123456789")).one()
        assert (student.name, student.school_code, student.level) == (
            "陳曉明",
            "353301",
            Level.SENIOR_HIGH,
        )
        klass = session.get_one(SchoolClass, student.class_id)
        teacher = session.scalars(
            select(StaffAccount).where(StaffAccount.username == "t.lin")
        ).one()
        assert klass.name == "資訊二忠"
        assert (klass.homeroom_teacher_id, klass.homeroom_teacher_name) == (teacher.id, "林美玲")
        assert (teacher.role, teacher.school_code, teacher.display_name) == (
            StaffRole.TEACHER,
            "353301",
            "林美玲",
        )
        assert teacher.password_hash == LOCKED
        elementary = session.scalars(
            select(SchoolClass).where(SchoolClass.name == "三年一班")
        ).one()
        assert elementary.homeroom_teacher_id is None


def _roundtrip(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    # A byte-order mark, as spreadsheet programs write it, must not hide the first column.
    path = _write(tmp_path, "\ufeff" + ROSTER)

    first = _import(sessions, path)
    again = _import(sessions, path)

    assert (first.schools.created, first.classes.created) == (2, 3)
    assert (first.teachers.created, first.students.created) == (2, 4)
    _check_imported(sessions)
    assert not again.changed
    assert again.rows == 4
    assert [_count(sessions, m) for m in (School, SchoolClass, StaffAccount, Student)] == [
        2,
        3,
        2,
        4,
    ]


def test_a_roster_is_imported_once_and_a_rerun_changes_nothing(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _roundtrip(sqlite_sessions, tmp_path)


@pytest.mark.postgres
def test_the_same_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url, "central")
    engine = make_engine(pg_url)
    try:
        _roundtrip(make_session_factory(engine), tmp_path)
    finally:
        engine.dispose()


def _changes_only_what_changed(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _import(sessions, _write(tmp_path, ROSTER))
    # 吳大寶 moves to 資訊二孝; 林美玲's name is corrected; everything else is as before.
    changed = ROSTER.replace(
        "資訊二忠,t.lin,林美玲,F131104093", "資訊二孝,t.wang,王建國,F131104093"
    ).replace("林美玲", "林美齡")

    summary = _import(sessions, _write(tmp_path, changed, "changed.csv"))

    assert (summary.students.created, summary.students.updated) == (0, 1)
    assert (summary.teachers.created, summary.teachers.updated) == (0, 1)
    assert (summary.classes.updated, summary.schools.updated) == (1, 0)
    with sessions() as session:
        moved = session.scalars(select(Student).where(Student.id_number == "F131104093")).one()
        assert session.get_one(SchoolClass, moved.class_id).name == "資訊二孝"


def test_a_changed_roster_updates_only_what_changed(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _changes_only_what_changed(sqlite_sessions, tmp_path)


@pytest.mark.postgres
def test_a_changed_roster_updates_only_what_changed_on_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    # PostgreSQL copies the students in and upserts them in one statement: the same counts.
    upgrade(pg_url, "central")
    engine = make_engine(pg_url)
    try:
        _changes_only_what_changed(make_session_factory(engine), tmp_path)
    finally:
        engine.dispose()


def test_any_bad_row_imports_nothing_and_every_problem_is_reported_by_line(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    bad = f"""{HEADER}
高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,A123456789,陳曉明
高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,A123456788,吳大寶
大學,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,F131104093,
高中,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,A123456789,陳曉明
高職,353301,臺北市私立日曜學校,資訊二忠,t.lin,林美玲,D206690746,吳二寶
高中,353301,臺北市私立日曜學校,資訊二忠,t.lin
國小,353601,臺北市立日新國民小學,三年一班,t.chen,,B132718926,吳三寶
"""
    with pytest.raises(RosterInvalid) as caught:
        _import(sqlite_sessions, _write(tmp_path, bad))

    found = [(p.line, p.error.code, p.error.field) for p in caught.value.problems]
    assert found == [
        (3, ErrorCode.ID_CHECKSUM, "student_id"),
        (4, ErrorCode.LEVEL_UNKNOWN, "level"),
        (4, ErrorCode.NAME_EMPTY, "student_name"),
        (5, ErrorCode.ROSTER_STUDENT_DUPLICATE, "student_id"),
        (6, ErrorCode.ROSTER_SCHOOL_MISMATCH, "school_code"),
        (7, ErrorCode.ROSTER_COLUMNS, None),
        (8, ErrorCode.ROSTER_TEACHER_INCOMPLETE, "teacher_username"),
    ]
    duplicate = caught.value.problems[3].error
    assert Translator().explain(duplicate) == "此學生已列於第 2 列。"
    assert _count(sqlite_sessions, Student) == 0
    assert _count(sqlite_sessions, School) == 0


def test_a_login_of_other_staff_is_refused_and_nothing_is_written(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sqlite_sessions.begin() as session:
        session.add(School(code="353301", name="臺北市私立日曜學校", level=Level.SENIOR_HIGH))
        session.flush()
        session.add(
            StaffAccount(
                username="t.lin",
                display_name="林主任",
                role=StaffRole.ADMIN,
                school_code="353301",
                password_hash=LOCKED,
            )
        )

    with pytest.raises(RosterInvalid) as caught:
        _import(sqlite_sessions, _write(tmp_path, ROSTER))

    [problem] = caught.value.problems
    assert (problem.line, problem.error.code) == (2, ErrorCode.ROSTER_STAFF_TAKEN)
    assert "t.lin" in Translator().explain(problem.error)
    assert _count(sqlite_sessions, Student) == 0


@pytest.mark.parametrize(
    ("text", "encoding", "problem"),
    [
        ("", "utf-8", (1, ErrorCode.ROSTER_HEADER)),
        ("name,id\n陳曉明,A123456789\n", "utf-8", (1, ErrorCode.ROSTER_HEADER)),
        (HEADER + "\n\n", "utf-8", (0, ErrorCode.ROSTER_EMPTY)),
        (ROSTER, "big5", (2, ErrorCode.ROSTER_ENCODING)),
    ],
    ids=["empty", "no-header", "no-rows", "big5"],
)
def test_files_that_are_no_roster_are_refused(
    sqlite_sessions: sessionmaker[Session],
    tmp_path: Path,
    text: str,
    encoding: str,
    problem: tuple[int, ErrorCode],
) -> None:
    with pytest.raises(RosterInvalid) as caught:
        _import(sqlite_sessions, _write(tmp_path, text, encoding=encoding))

    assert [(p.line, p.error.code) for p in caught.value.problems] == [problem]


def test_levels_may_be_written_as_values_or_labels(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        "elementary,S1,臺北市立甲國民小學,一年一班,,,A123456789,陳曉明",
        "Junior high school,S2,臺北市立乙國民中學,一年一班,,,F131104093,吳大寶",
        "特教,S3,臺北市立丙特殊教育學校,一年一班,,,B132718926,吳三寶",
    ]

    _import(sqlite_sessions, _write(tmp_path, "\n".join([HEADER, *rows])))

    with sqlite_sessions() as session:
        levels = {code: level for code, level in session.execute(select(School.code, School.level))}
    assert levels == {"S1": Level.ELEMENTARY, "S2": Level.JUNIOR_HIGH, "S3": Level.SPECIAL}


def test_progress_is_reported_for_every_student(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    done: list[int] = []
    report: Callable[[int], None] = done.append

    with sqlite_sessions.begin() as session:
        import_roster(
            session, _write(tmp_path, ROSTER), locked_password_hash=LOCKED, progress=report
        )

    assert sum(done) == 4


# --- the command ------------------------------------------------------------------------------


def _command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str]:
    status, out, _err = _command_streams(monkeypatch, capsys, *argv)
    return status, out


def _command_streams(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    # The cheapest argon2id (for the teachers' unusable password): cost is not tested here.
    for name, value in {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}.items():
        monkeypatch.setenv(f"REGISTRY_PASSWORD_HASHING__{name.upper()}", str(value))
    status = cli.main(list(argv))
    printed = capsys.readouterr()
    return status, printed.out, printed.err


def test_the_command_imports_then_finds_nothing_to_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    path = _write(tmp_path, ROSTER)
    data = str(tmp_path / "data")

    first = _command(monkeypatch, capsys, "import-roster", "--data", data, str(path))
    again = _command(monkeypatch, capsys, "import-roster", "--data", data, str(path))

    assert first[0] == 0
    assert "名冊匯入：共 4 列" in first[1]
    assert "沒有任何變更。" not in first[1]
    assert "匯入名冊中" not in first[1]  # no progress bar into a pipe
    assert again[0] == 0
    assert "沒有任何變更。" in again[1]


def test_the_command_draws_a_progress_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # what rich reads to treat the output as a terminal
    path = _write(tmp_path, ROSTER)

    status, out = _command(
        monkeypatch, capsys, "import-roster", "--data", str(tmp_path / "data"), str(path)
    )

    assert status == 0
    assert "匯入名冊中" in out
    assert "4/4" in out


def test_the_command_lists_every_bad_row_in_chinese_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ROSTER.replace("A123456789", "A123456788").replace(",吳三寶", ",")
    data = tmp_path / "data"

    status, printed, out = _command_streams(
        monkeypatch, capsys, "import-roster", "--data", str(data), str(_write(tmp_path, bad))
    )

    assert status == 1
    assert printed == ""  # the problems go to stderr
    assert "發現 2 個問題，未匯入任何資料。" in out
    assert "student_id" in out
    assert Translator().explain(ErrorCode.ID_CHECKSUM) in out
    assert Translator().explain(ErrorCode.NAME_EMPTY) in out
    assert not (data / "registry.db").exists()


def test_a_missing_file_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, printed, out = _command_streams(
        monkeypatch, capsys, "import-roster", "--data", str(tmp_path), str(tmp_path / "no.csv")
    )

    assert status == 1
    assert printed == ""
    [line] = out.splitlines()
    assert "無法讀取檔案" in line
    assert "no.csv" in line
