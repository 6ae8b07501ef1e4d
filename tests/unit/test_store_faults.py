"""Local database faults are named by kind (and SQLite's error name), constraint answers are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.domain.errors import DomainError, ErrorCode
from store.engine import make_engine, sqlite_url
from store.local.faults import FaultKind, FaultWatch, classify


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("database or disk is full", FaultKind.DISK_FULL),
        ("database disk image is malformed", FaultKind.DAMAGED),
        ("file is not a database", FaultKind.DAMAGED),
        ("disk I/O error", FaultKind.IO_ERROR),
        ("attempt to write a readonly database", FaultKind.READ_ONLY),
    ],
)
def test_sqlite_messages_name_the_fault(message: str, kind: FaultKind) -> None:
    assert classify(sqlite3.OperationalError(message)) == (kind, None)


def test_constraint_failures_and_other_errors_are_not_faults() -> None:
    assert classify(sqlite3.IntegrityError("UNIQUE constraint failed: receipts.receipt")) is None
    assert classify(sqlite3.OperationalError("no such table: nowhere")) is None
    assert classify(ValueError("database or disk is full")) is None


def test_a_damaged_file_is_named_and_raised_as_the_kiosks_fault(tmp_path: Path) -> None:
    database = tmp_path / "kiosk.db"
    database.write_bytes(b"this is not a database, whatever its name says" * 200)
    engine = make_engine(sqlite_url(database))
    watch = FaultWatch()
    watch.attach(engine)
    with pytest.raises(DomainError) as raised, engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM applications"))
    assert raised.value.code is ErrorCode.KIOSK_FAULT
    assert watch.last is not None
    assert (watch.last.kind, watch.last.errno) == (FaultKind.DAMAGED, "SQLITE_NOTADB")
    engine.dispose()
