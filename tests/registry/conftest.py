"""A registry running for real on 127.0.0.1, on SQLite and on PostgreSQL, with an enrolled kiosk.

``live`` starts the app under ``uvicorn.Server`` in a thread, on a free port, with a clock the
test moves (nothing sleeps for time to pass) and the file outbox in the test's data folder (codes
are read from there, as the demo kiosk does). Every test using it runs once per backend: a SQLite
file of its own, and a PostgreSQL database of its own (skipped with the reason where no server
answers).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from registry.app import create_app
from registry.notify.outbox import FileOutbox
from registry.settings import Limits, RegistrySettings
from store.central import CentralBase
from store.engine import make_engine, make_session_factory, sqlite_url
from store.migrate import upgrade
from tests.registry.harness import (
    EPOCH,
    FAST_HASHING,
    MAIL_SETTLED,
    Clock,
    KioskKey,
    Live,
    Roster,
    RosterStudent,
    enroll_kiosk,
    error_of,
    free_port,
    seed_roster,
    serve_in_thread,
)

# The harness's names as the sync tests import them from here.
__all__ = [
    "Clock",
    "Database",
    "KioskKey",
    "Live",
    "RosterStudent",
    "Template",
    "error_of",
    "free_port",
    "serve_in_thread",
]


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class Template:
    """A database at the central head with the test roster, copied for every test."""

    location: str
    roster: Roster


def _seeded(url: str) -> Roster:
    upgrade(url, "central")
    engine = make_engine(url)
    try:
        return seed_roster(make_session_factory(engine), EPOCH)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A migrated, seeded SQLite file (copied per test: migrating costs a second each time)."""
    path = tmp_path_factory.mktemp("central-template") / "registry.db"
    roster = _seeded(sqlite_url(path))
    return Template(str(path), roster)


@pytest.fixture(scope="session")
def pg_template(pg_database_factory: Callable[[], str]) -> Template:
    """One migrated PostgreSQL database for the whole run, reset and seeded for each test.

    ``location`` is its URL. Reused rather than copied: dropping a database costs half a second
    on PostgreSQL, a reset (truncate and seed again) a tenth of that.
    """
    url = pg_database_factory()
    roster = _seeded(url)
    return Template(url, roster)


def _reset(url: str) -> Roster:
    """Empties every central table and seeds the test roster again (the same every time)."""
    engine = make_engine(url)
    try:
        tables = ", ".join(f'"{table.name}"' for table in CentralBase.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return seed_roster(make_session_factory(engine), EPOCH)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_copies(pg_template: Template) -> Callable[[], str]:
    """Gives the run's PostgreSQL database, emptied and seeded again (one test at a time)."""

    def make() -> str:
        _reset(pg_template.location)
        return pg_template.location

    return make


@dataclass(frozen=True)
class Database:
    """A database of the test's own, at the central head, with the test roster."""

    url: str
    roster: Roster
    backend: str


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A seeded database: a SQLite file, or a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        template: Template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "registry.db"
        shutil.copyfile(template.location, path)
        return Database(sqlite_url(path), template.roster, "sqlite")
    pg: Template = request.getfixturevalue("pg_template")
    make: Callable[[], str] = request.getfixturevalue("pg_copies")
    return Database(make(), pg.roster, "postgres")


@pytest.fixture
def limits() -> Limits:
    """The rules' numbers (a test may override this fixture)."""
    return Limits()


@pytest.fixture
def live(database: Database, tmp_path: Path, limits: Limits) -> Iterator[Live]:
    """The registry on its own seeded database, running, with one enrolled kiosk."""
    clock = Clock()
    settings = RegistrySettings(
        database_url=database.url,
        data_dir=tmp_path / "data",
        limits=limits,
        password_hashing=FAST_HASHING,
    )
    engine = make_engine(database.url)
    sessions = make_session_factory(engine)
    app = create_app(settings, clock=clock)
    base_url, stop = serve_in_thread(app)
    try:
        with httpx.Client(base_url=base_url, timeout=30, event_hooks=MAIL_SETTLED) as http:
            kiosk = enroll_kiosk(http, sessions, clock, limits)
            yield Live(
                base_url=base_url,
                url=database.url,
                clock=clock,
                settings=settings,
                engine=engine,
                sessions=sessions,
                outbox=FileOutbox(settings.notify_config.outbox),
                roster=database.roster,
                http=http,
                kiosk=kiosk,
                backend=database.backend,
            )
    finally:
        # The client is closed first, so no kept-alive connection holds the server's shutdown.
        stop()
        engine.dispose()
