"""Both Alembic trees walk up, down and up again, and end where the models are, on both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from store import migrate
from store.engine import make_engine, sqlite_url
from store.migrate import Schema

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file in tmp_path, or a PostgreSQL database of this test's own."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "migrations.db")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(params=migrate.SCHEMAS)
def schema(request: pytest.FixtureRequest) -> Schema:
    """Each tree in turn."""
    value: Schema = request.param
    return value


def _revisions(schema: Schema) -> list[str]:
    """The tree's revisions from the first to the head (whatever exists today)."""
    scripts = ScriptDirectory.from_config(migrate.make_config(schema))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_every_revision_goes_up_and_down_and_up_again(db_url: str, schema: Schema) -> None:
    revisions = _revisions(schema)
    engine = make_engine(db_url)
    try:
        for step in revisions:
            migrate.upgrade(db_url, schema, step)
            assert migrate.current(db_url, schema) == step
        assert migrate.current(engine, schema) == (migrate.heads(schema) or (None,))[0]
        if revisions:
            assert set(migrate.target_metadata(schema).tables) <= _tables(engine)

        for below in reversed([None, *revisions[:-1]]):
            migrate.downgrade(db_url, schema, below or "base")
            assert migrate.current(db_url, schema) == below
        assert _tables(engine) <= {migrate.version_table(schema)}

        migrate.upgrade(db_url, schema)
        assert migrate.current(db_url, schema) == (revisions[-1] if revisions else None)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(db_url: str, schema: Schema) -> None:
    migrate.upgrade(db_url, schema)

    assert migrate.differences(db_url, schema) == []


def test_an_engine_or_an_open_connection_can_be_migrated(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "kiosk.db"))
    try:
        migrate.upgrade(engine, "local")
        assert migrate.current(engine, "local") == migrate.heads("local")[0]
        with engine.connect() as connection:
            migrate.downgrade(connection, "local")
            assert migrate.current(connection, "local") is None
        assert _tables(engine) <= {migrate.version_table("local")}
    finally:
        engine.dispose()


def test_processes_starting_at_once_migrate_once(db_url: str) -> None:
    """Registry processes start together and each upgrades: one migrates, the rest find head."""
    command = [sys.executable, "-m", "store.migrate", "upgrade", "local", db_url]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [(process.wait(timeout=120), process.communicate()[1]) for process in processes]

    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    assert migrate.current(db_url, "local") == migrate.heads("local")[0]
    assert migrate.differences(db_url, "local") == []


def test_the_command_line_upgrades_reports_and_downgrades(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(tmp_path / "cli.db")

    assert migrate.main(["upgrade", "local", url]) == 0
    assert migrate.main(["current", "local", url]) == 0
    assert capsys.readouterr().out.strip() == migrate.heads("local")[0]
    assert migrate.main(["downgrade", "local", url]) == 0
    assert migrate.main(["current", "local", url]) == 0
    assert capsys.readouterr().out.strip() == "base"


def test_an_unknown_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        migrate.make_config("kiosk")  # type: ignore[arg-type]
