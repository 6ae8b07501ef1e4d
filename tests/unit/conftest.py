"""Fixtures of the unit tests: the kiosk's local database, migrated, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store import migrate
from store.engine import make_engine, sqlite_url
from store.local import LocalStore
from store.sealing import Sealer
from tests.unit.local_store import open_store

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where the kiosk's SQLite file lives in this test."""
    return tmp_path / "kiosk.db"


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, sqlite_path: Path) -> Iterator[Engine]:
    """The kiosk's database, migrated to head: a SQLite file, or PostgreSQL."""
    url = (
        sqlite_url(sqlite_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )
    migrate.upgrade(url, "local")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_path: Path) -> Iterator[Engine]:
    """The kiosk's database as it runs on a kiosk: a SQLite file, migrated to head."""
    url = sqlite_url(sqlite_path)
    migrate.upgrade(url, "local")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sealer() -> Sealer:
    """This kiosk's sealer."""
    return Sealer(Sealer.generate_key())


@pytest.fixture
def store(engine: Engine, sealer: Sealer) -> LocalStore:
    """The kiosk's store on either backend."""
    return open_store(engine, sealer)
