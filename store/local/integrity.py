"""The kiosk's local state checked at start, copied as it grows, and restored by an operator.

A damaged or missing database is never replaced silently: :func:`check_local_state` refuses to
start a kiosk whose database was lost (its at-rest key exists, so a database existed: it is empty,
truncated, or its WAL was deleted), fails ``PRAGMA quick_check``, or holds sealed data without its
``seal.key``. After every saved submission :func:`backup` keeps a rolling copy in a second place
with SQLite's online backup API (a consistent copy, WAL included, while the kiosk runs), so a
damaged database loses nothing that was submitted; ``kiosk restore`` (:func:`restore`) puts it
back, moving the damaged files aside.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

#: The backup's file name in the backup folder; the copy being made is written beside it first.
BACKUP_NAME: Final = "kiosk.db"
_MAKING: Final = ".kiosk.db.making"
# Tables whose rows are sealed with seal.key: with any of them, the key is not to be replaced.
_SEALED_TABLES: Final = ("applications", "outbox")


class LocalFault(StrEnum):
    """What is wrong with the local state (the log's and kiosk health's word for it)."""

    DATABASE_LOST = "database.lost"
    """The database is missing, empty or without its tables, though its key shows it existed."""
    DATABASE_DAMAGED = "database.damaged"
    """SQLite cannot read it, or ``PRAGMA quick_check`` finds damage."""
    SEAL_KEY_MISSING = "seal_key.missing"
    """The database holds sealed data, and ``seal.key`` is gone."""


class LocalStateError(Exception):
    """The kiosk must not serve parents: its local state is damaged or missing.

    The message says what is wrong and what staff do about it (it is printed when the kiosk
    stops, and logged); it names files, never personal data.

    Attributes:
        fault: What is wrong.
    """

    def __init__(self, fault: LocalFault, message: str) -> None:
        super().__init__(message)
        self.fault = fault


def check_local_state(database: Path, seal_key: Path, *, backup_dir: Path | None) -> None:
    """Refuses damaged or missing local state (call before migrating or opening the store).

    A new kiosk (no database and no key yet) passes: both are made at its first start.

    Args:
        database: The kiosk's SQLite file.
        seal_key: Its at-rest key file.
        backup_dir: Where the rolling backup is kept (named in the advice).

    Raises:
        LocalStateError: The database was lost or is damaged, or its key is missing.
    """
    advice = (
        f"Stop the kiosk and run `kiosk restore --config <kiosk.toml>` to restore it from the "
        f"backup in {backup_dir}."
        if backup_dir is not None
        else "Restore it from a backup, or ask support."
    )
    size = database.stat().st_size if database.exists() else 0
    if size == 0:
        if seal_key.exists():
            raise LocalStateError(
                LocalFault.DATABASE_LOST,
                f"The kiosk's database {database} is missing or empty, but its key {seal_key} "
                f"exists: the data was lost. {advice}",
            )
        return
    try:
        problems = quick_check(database)
        migrated, sealed_rows = _contents(database)
    except sqlite3.DatabaseError as error:
        raise LocalStateError(
            LocalFault.DATABASE_DAMAGED,
            f"The kiosk's database {database} cannot be read ({error}). {advice}",
        ) from None
    if problems:
        raise LocalStateError(
            LocalFault.DATABASE_DAMAGED,
            f"The kiosk's database {database} is damaged (quick_check: {problems[0]}). {advice}",
        )
    if not migrated and seal_key.exists():
        raise LocalStateError(
            LocalFault.DATABASE_LOST,
            f"The kiosk's database {database} holds no tables, but its key {seal_key} exists: "
            f"the data was lost (its WAL file deleted?). {advice}",
        )
    if sealed_rows and not seal_key.exists():
        raise LocalStateError(
            LocalFault.SEAL_KEY_MISSING,
            f"The kiosk's database {database} holds sealed applications, but their key "
            f"{seal_key} is missing. Put the original key file back (mode 600); a new key would "
            "make them unreadable.",
        )


def quick_check(database: Path) -> list[str]:
    """What ``PRAGMA quick_check`` finds wrong in ``database`` (empty: nothing).

    Raises:
        sqlite3.DatabaseError: SQLite cannot open it as a database at all.
    """
    with _connect(database) as connection:
        rows = [str(row[0]) for row in connection.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows


def backup(database: Path, backup_dir: Path) -> Path:
    """Copies the running database to ``backup_dir`` (SQLite's online backup API).

    The copy is made aside, checked, and then replaces the previous one in one rename: a copy
    that fails its check (or a crash while copying) leaves the previous backup as it was.

    Returns:
        The backup file.

    Raises:
        sqlite3.Error, OSError: The copy could not be made (the previous one stands).
    """
    backup_dir.mkdir(parents=True, exist_ok=True)
    making, done = backup_dir / _MAKING, backup_dir / BACKUP_NAME
    making.unlink(missing_ok=True)
    with _connect(database) as source, contextlib.closing(sqlite3.connect(making)) as target:
        source.backup(target)
    problems = quick_check(making)
    if problems:
        making.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"the backup copy failed its check: {problems[0]}")
    _fsync(making)
    os.replace(making, done)
    _fsync(backup_dir)
    return done


def restore(database: Path, backup_dir: Path, *, now: datetime) -> Path | None:
    """Puts the backup in place of ``database`` (the kiosk must be stopped).

    The database and its ``-wal`` and ``-shm`` files are moved aside first (kept for a closer
    look, named ``<name>.damaged-<time>``), never deleted.

    Returns:
        Where the old database was moved (None when there was none).

    Raises:
        FileNotFoundError: There is no backup.
        LocalStateError: The backup itself fails its check (nothing was moved).
    """
    source = backup_dir / BACKUP_NAME
    if not source.exists():
        raise FileNotFoundError(f"no backup at {source}")
    problems = quick_check(source)
    if problems:
        raise LocalStateError(
            LocalFault.DATABASE_DAMAGED, f"the backup {source} is damaged too: {problems[0]}"
        )
    stamp = now.strftime("%Y%m%dT%H%M%S")
    aside: Path | None = None
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            moved = path.with_name(f"{path.name}.damaged-{stamp}")
            os.replace(path, moved)
            aside = aside or moved
    with _connect(source) as reading, contextlib.closing(sqlite3.connect(database)) as target:
        reading.backup(target)
    _fsync(database)
    _fsync(database.parent)
    return aside


@contextlib.contextmanager
def _connect(database: Path) -> Iterator[sqlite3.Connection]:
    # mode=rw: never creates a file where none is (a check must not make an empty database).
    connection = sqlite3.connect(f"file:{database}?mode=rw", uri=True)
    try:
        yield connection
    finally:
        connection.close()


def _contents(database: Path) -> tuple[bool, int]:
    """Whether the database was migrated, and how many sealed rows it holds."""
    with _connect(database) as connection:
        tables = {
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        sealed = sum(
            int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in _SEALED_TABLES
            if table in tables
        )
    return any(name.startswith("alembic_version") for name in tables), sealed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
