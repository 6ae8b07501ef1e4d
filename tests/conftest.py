"""Fixtures shared by every level of the suite: PostgreSQL databases of our own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import psycopg
import pytest

#: Where the PostgreSQL tests look; CI and the dev machines run a server there.
PG_ADMIN_URL = os.environ.get("KIOSK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_database_factory() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases for this run and drops them all at the end.

    Yields a function returning a SQLAlchemy URL (``postgresql+psycopg://``) of a new, empty
    database. Skips (with the reason) where no server is reachable.
    """
    reason = _pg_reachable()
    if reason is not None:
        pytest.skip(reason)
    made: list[str] = []

    def make() -> str:
        name = f"kiosk_test_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{name}"

    yield make
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database_factory: Callable[[], str]) -> str:
    """A new, empty PostgreSQL database of this test's own (dropped at the end of the run)."""
    return pg_database_factory()
