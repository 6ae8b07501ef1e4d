"""Alembic environment shared by both trees; :mod:`store.migrate` builds the Config.

``config.attributes`` brings ``schema`` ("local" or "central") and ``target`` (a URL, an Engine or
a Connection). The models are imported lazily, by schema, so the local tree works before the
central models exist and a plain upgrade never imports the other tree's models.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import context
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, text

from store.engine import make_engine, normalize_url
from store.migrate import Schema, autogenerate_options, target_metadata, version_table


def _target_metadata(schema: Schema) -> MetaData | None:
    # Upgrading and downgrading need no models; only autogenerate does (and says so if missing).
    # This lets a tree's revisions run while its models module is still being written.
    try:
        return target_metadata(schema)
    except ImportError:
        return None


def _configure(connection: Connection, schema: Schema) -> None:
    context.configure(
        connection=connection,
        target_metadata=_target_metadata(schema),
        version_table=version_table(schema),
        render_as_batch=connection.dialect.name == "sqlite",
        # Our engine opens SQLite transactions itself (BEGIN IMMEDIATE), so DDL there is
        # transactional too: an upgrade that fails half-way leaves the database as it was.
        transactional_ddl=True,
        **autogenerate_options(schema),
    )


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    # Batch migrations copy, drop and rename tables; with foreign keys on, dropping a parent
    # table would cascade or fail. The pragma is a no-op inside a transaction, so it goes to the
    # driver before SQLAlchemy begins one; integrity is checked again before commit.
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _run(connection: Connection, schema: Schema) -> None:
    with _sqlite_foreign_keys_off(connection):
        _configure(connection, schema)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several registry processes may start at once: one migrates, the others wait
                # and then find the database at head.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                    {"key": version_table(schema)},
                )
            context.run_migrations()
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    # Rolled back: the operator is told which rows, as PostgreSQL's refusal would.
                    rows = ", ".join(
                        f"{table} row {rowid} → {parent}" for table, rowid, parent, _ in broken[:5]
                    )
                    raise CommandError(f"rows would point at nothing after it: {rows}")


def run_online(schema: Schema, target: Any) -> None:
    """Migrates the database ``target`` (a URL, an Engine or a Connection)."""
    if isinstance(target, Connection):
        _run(target, schema)
        return
    engine = target if isinstance(target, Engine) else make_engine(str(target))
    try:
        with engine.connect() as connection:
            _run(connection, schema)
    finally:
        if engine is not target:
            engine.dispose()


def run_offline(schema: Schema, target: Any) -> None:
    """Writes the SQL of the migration for the database URL ``target`` instead of running it."""
    context.configure(
        url=normalize_url(str(target)),
        target_metadata=_target_metadata(schema),
        version_table=version_table(schema),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Entry point Alembic runs for every command."""
    attributes = context.config.attributes
    schema: Schema = attributes["schema"]
    target = attributes.get("target")
    if target is None:
        raise RuntimeError("store.migrate.make_config() was given no database to migrate")
    if context.is_offline_mode():
        run_offline(schema, target)
    else:
        run_online(schema, target)


main()
