"""`registry demo-data`: a fictional roster with valid IDs, and the tutorial's people, once."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.ids import parse_id
from kiosk.domain.people import Level
from kiosk.domain.wire import BindingStatus, StaffRole
from registry import cli
from registry.demo import load_demo
from registry.demo_plan import DEFAULT_SEED, make_plan
from registry.services.accounts import parent_login, staff_login
from registry.services.bindings import visible_bindings
from registry.services.roster import find_student, list_schools, lookup_parent
from registry.settings import Limits, PasswordHashing
from store.central import (
    Application,
    Binding,
    CentralBase,
    ParentAccount,
    School,
    SchoolClass,
    StaffAccount,
    Student,
)
from store.engine import make_engine, make_session_factory, sqlite_url
from store.migrate import upgrade

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
#: The cheapest argon2id the library allows: hashing cost is not what these tests are about.
FAST_HASHING = PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1)
TUTORIAL_SENIOR_HIGH_SCHOOLS = {
    "臺北市私立稻江高級商業學校進修部",
    "臺北市私立稻江高級商業學校",
    "臺北市私立華岡藝術學校",
    "臺北市立松山高級工業職業學校",
    "臺北市私立日曜學校",
    "臺北市立內湖高級工業職業學校",
}


@dataclass
class Loaded:
    """A database that ``registry demo-data`` ran on twice, with what it printed."""

    sessions: sessionmaker[Session]
    first_output: str
    second_output: str
    counts_after_first: dict[str, int]


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in CentralBase.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """The demo data made by the real command (twice), in a SQLite file of this module's own."""
    data = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        # The tables for people (as on a terminal), wide enough that no cell folds; no database
        # from the developer's environment.
        patch.setenv("COLUMNS", "200")
        patch.setenv("TTY_COMPATIBLE", "1")
        patch.setenv("NO_COLOR", "1")
        patch.delenv("REGISTRY_DATABASE_URL", raising=False)
        for name, value in FAST_HASHING.model_dump().items():
            patch.setenv(f"REGISTRY_PASSWORD_HASHING__{name.upper()}", str(value))
        first = _run(["demo-data", "--data", str(data)])
        engine = make_engine(sqlite_url(data / "registry.db"))
        sessions = make_session_factory(engine)
        counts = _counts(sessions)
        second = _run(["demo-data", "--data", str(data)])
    yield Loaded(sessions, first, second, counts)
    engine.dispose()


def _run(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(argv) == 0
    return out.getvalue()


def test_every_student_id_is_a_valid_number(loaded: Loaded) -> None:
    with loaded.sessions() as session:
        numbers = session.scalars(select(Student.id_number)).all()
        parents = session.scalars(select(ParentAccount.id_number)).all()

    assert len(numbers) > 100
    assert all(parse_id(number).value == number for number in [*numbers, *parents])


def test_all_five_levels_have_schools_and_the_tutorials_high_schools_are_listed(
    loaded: Loaded,
) -> None:
    with loaded.sessions() as session:
        by_level = {level: list_schools(session, level) for level in Level}
        names = {school.name for school in session.scalars(select(School))}

    assert all(len(schools) >= 2 for schools in by_level.values())
    assert {s.name for s in by_level[Level.SENIOR_HIGH]} >= TUTORIAL_SENIOR_HIGH_SCHOOLS
    for style in ("國民小學", "國民中學", "高級中學", "高級工業職業學校", "特殊教育學校"):
        assert any(name.startswith("臺北市") and name.endswith(style) for name in names), style


def test_the_tutorial_student_is_found_as_the_tutorial_finds_him(loaded: Loaded) -> None:
    with loaded.sessions() as session:
        school = session.scalars(select(School).where(School.name == "臺北市私立日曜學校")).one()
        student = find_student(
            session, level=Level.SENIOR_HIGH, student_id="A123456789", school_code=school.code
        )
        assert student is not None
        assert (student.name, student.class_name) == ("陳曉明", "資訊二忠")
        assert session.scalars(select(Binding).where(Binding.student_id == student.id)).all() == []


def test_the_tutorial_parent_has_an_account_and_three_approved_children(loaded: Loaded) -> None:
    with loaded.sessions() as session:
        found = lookup_parent(session, "YA94109161")
        account = session.scalars(
            select(ParentAccount).where(ParentAccount.id_number == "YA94109161")
        ).one()
        bindings = visible_bindings(session, Contact(Channel.EMAIL, "annie.sun2@hy-tech.com.tw"))
        by_phone = visible_bindings(session, Contact(Channel.SMS, "+886928942045"))
        application = session.scalars(
            select(Application).where(Application.parent_id_number == "YA94109161")
        ).one()

    assert found.has_account
    assert (found.masked_name, found.masked_phone) == ("王○明", "09***45")
    assert (account.name, account.email, account.phone) == (
        "王曉明",
        "annie.sun2@hy-tech.com.tw",
        "+886928942045",
    )
    assert account.last_login_at is not None  # used, so it never lapses in a demo
    assert sorted(b.student.name for b in bindings) == ["吳三寶", "吳二寶", "吳大寶"]
    assert {b.status for b in bindings} == {BindingStatus.APPROVED}
    assert len(by_phone) == 3
    assert application.signature_kind.value == "typed"


def test_the_printed_logins_sign_in(loaded: Loaded) -> None:
    staff = make_plan(DEFAULT_SEED).staff
    for login in staff:
        assert f"{login.username} " in loaded.first_output
        assert f"{login.password} " in loaded.first_output
    # Signing in costs an argon2 check each: one teacher and one admin stand for the rest.
    sample = [next(x for x in staff if x.role is role) for role in StaffRole]
    with loaded.sessions() as session:
        roles = {
            staff_login(
                session, username=login.username, password=login.password, now=NOW, limits=Limits()
            ).role
            for login in sample
        }
        wang = parent_login(
            session,
            email="annie.sun2@hy-tech.com.tw",
            password="109161",
            now=NOW,
            limits=Limits(),
        )

    assert roles == {StaffRole.TEACHER, StaffRole.ADMIN}
    assert {login.school.name for login in staff} >= {"臺北市私立日曜學校"}
    assert "annie.sun2@hy-tech.com.tw" in loaded.first_output
    assert "109161" in loaded.first_output
    assert "吳大寶、吳二寶、吳三寶" in loaded.first_output
    assert wang.must_change_password


def test_the_tutorial_class_teacher_has_a_login(loaded: Loaded) -> None:
    with loaded.sessions() as session:
        klass = session.scalars(
            select(SchoolClass)
            .join(School)
            .where(School.name == "臺北市私立日曜學校", SchoolClass.name == "資訊二忠")
        ).one()
        teacher = session.get_one(StaffAccount, klass.homeroom_teacher_id)

    assert teacher.username in {login.username for login in make_plan(DEFAULT_SEED).staff}


def test_a_second_run_adds_nothing_and_says_so(loaded: Loaded) -> None:
    assert _counts(loaded.sessions) == loaded.counts_after_first
    assert "示範帳號" in loaded.first_output
    assert "示範資料已存在，未新增任何資料。" not in loaded.first_output
    assert "示範資料已存在，未新增任何資料。" in loaded.second_output
    assert "✓" in loaded.first_output
    assert "✓" not in loaded.second_output


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data() -> None:
    assert make_plan(DEFAULT_SEED) == make_plan(DEFAULT_SEED)
    other = make_plan(DEFAULT_SEED + 1)
    assert {r.student_id for r in other.rows} != {r.student_id for r in make_plan().rows}
    assert "A123456789" in {r.student_id for r in other.rows}


@pytest.mark.postgres
def test_demo_data_on_postgresql(pg_url: str) -> None:
    upgrade(pg_url, "central")
    engine = make_engine(pg_url)
    try:
        sessions = make_session_factory(engine)
        hasher = FAST_HASHING.hasher()
        first = load_demo(sessions, limits=Limits(), now=NOW, hasher=hasher)
        counts = _counts(sessions)
        second = load_demo(sessions, limits=Limits(), now=NOW.replace(day=2), hasher=hasher)
        assert _counts(sessions) == counts
    finally:
        engine.dispose()

    assert first.changed
    assert first.applications == 3
    assert not second.changed
    assert not any(login.created for login in second.logins)
