"""What every ``registry`` command shares: ``--database`` / ``--data``, the settings they make, and
the database brought to the central schema's head before a command touches it."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from registry.settings import RegistrySettings
from store.engine import make_engine, make_session_factory, normalize_url, sqlite_url
from store.migrate import upgrade

T = TypeVar("T")

#: Where the database URL comes from when ``--database`` is not given.
DATABASE_ENV = "REGISTRY_DATABASE_URL"


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds ``--database URL`` and ``--data DIR`` (every command shares them).

    Without ``--database``: ``$REGISTRY_DATABASE_URL``, else ``registry.db`` inside ``--data``,
    else ``sqlite:///./data/registry.db``.
    """
    parser.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL: sqlite:///path/registry.db or postgresql://user@host/db",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        default=None,
        help="folder for the key files, the file outbox and the default SQLite database",
    )


def settings_from_args(args: argparse.Namespace) -> RegistrySettings:
    """The registry settings for ``--database`` / ``--data`` on top of ``REGISTRY_*``."""
    overrides: dict[str, object] = {}
    data: Path | None = getattr(args, "data", None)
    database: str | None = getattr(args, "database", None)
    if data is not None:
        overrides["data_dir"] = data
        if database is None and DATABASE_ENV not in os.environ:
            database = sqlite_url(data / "registry.db")
    if database is not None:
        overrides["database_url"] = database
    return RegistrySettings(**overrides)  # type: ignore[arg-type]


def prepare_database(settings: RegistrySettings) -> None:
    """Makes a SQLite file's folder and brings the database to the central schema's head.

    A new SQLite file is created 0600 in a folder made 0700 (SQLite gives its journal files the
    database's mode): it holds parents' personal data.
    """
    make_sqlite_file(settings)
    upgrade(settings.database_url, "central")


def make_sqlite_file(settings: RegistrySettings) -> None:
    """Makes a SQLite database's file (0600, in a folder made 0700) if it is missing."""
    url = make_url(normalize_url(settings.database_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


@contextmanager
def database_sessions(settings: RegistrySettings) -> Iterator[sessionmaker[Session]]:
    """The database migrated to the central head, and sessions on it (disposed of after)."""
    prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def run_in_session(settings: RegistrySettings, work: Callable[[Session], T]) -> T:
    """Migrates, then runs ``work`` as one unit of work: committed when it returns, rolled back
    when it raises."""
    with database_sessions(settings) as sessions, sessions() as session:
        result = work(session)
        session.commit()
        return result


def print_json(value: object) -> None:
    """Prints a command's result for machines: JSON, Chinese left readable."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
