"""The engines: SQLite files that survive power loss, PostgreSQL by any of its URL spellings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, normalize_url, sqlite_url


def test_sqlite_files_use_wal_full_sync_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "kiosk.db"))
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()

    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }


def test_sqlite_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    """A second writer waits at BEGIN (not half-way, where SQLite would fail with BUSY)."""
    url = sqlite_url(tmp_path / "kiosk.db")
    first, second = make_engine(url), make_engine(url)
    try:
        with first.begin() as holder, second.connect() as other:
            holder.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            driver = other.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout=50")  # fail fast instead of waiting 10 s
            with pytest.raises(OperationalError, match="locked"):
                other.exec_driver_sql("SELECT 1")  # autobegins: BEGIN IMMEDIATE cannot start
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://", "postgresql+psycopg://"])
def test_postgres_urls_all_use_psycopg(scheme: str) -> None:
    assert normalize_url(f"{scheme}u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"


@pytest.mark.postgres
def test_postgres_connects_through_psycopg(pg_url: str) -> None:
    engine = make_engine(pg_url.replace("postgresql+psycopg://", "postgresql://", 1))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert connection.dialect.name == "postgresql"
            assert connection.dialect.driver == "psycopg"
    finally:
        engine.dispose()
