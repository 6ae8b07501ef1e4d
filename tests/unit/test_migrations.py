"""Both Alembic trees walk up, down and up again, and end where the models are, on both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

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


def _tables_of(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return _tables(engine)
    finally:
        engine.dispose()


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


REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))
    {fail}


def downgrade() -> None:
    op.drop_table("{table}")
"""


def test_an_upgrade_that_fails_half_way_leaves_the_database_as_it_was(
    db_url: str, tmp_path: Path
) -> None:
    """Two revisions, the second failing: neither is left behind (one transaction)."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a_works.py").write_text(
        REVISION.format(revision="a", down_revision=None, table="first", fail="")
    )
    (versions / "b_fails.py").write_text(
        REVISION.format(
            revision="b", down_revision="a", table="second", fail='raise OSError("disk is full")'
        )
    )
    config = migrate.make_config("local", db_url)
    config.set_main_option("version_locations", str(versions))

    with pytest.raises(OSError, match="disk is full"):
        command.upgrade(config, "head")

    assert _tables_of(db_url) == set()
    assert migrate.current(db_url, "local") is None


def test_the_sql_of_an_upgrade_can_be_written_instead_of_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    command.upgrade(migrate.make_config("local", "sqlite:///unused.db"), "head", sql=True)

    script = capsys.readouterr().out
    assert "CREATE TABLE applications" in script
    assert "alembic_version_local" in script


PARENT_AND_CHILD = """
import sqlalchemy as sa
from alembic import op

revision = "a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.String(10), nullable=True),
    )
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("parent.id"), nullable=False),
    )
    op.execute("INSERT INTO parent (id) VALUES (1)")
    op.execute("INSERT INTO child (id, parent_id) VALUES (10, 1)")


def downgrade() -> None:
    op.drop_table("child")
    op.drop_table("parent")
"""

RECREATE_PARENT = """
import sqlalchemy as sa
from alembic import op

revision = "b"
down_revision = "a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot change a column's type in place: batch mode rebuilds the table.
    with op.batch_alter_table("parent") as batch:
        batch.alter_column("label", type_=sa.String(40), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("parent") as batch:
        batch.alter_column("label", type_=sa.String(10), existing_nullable=True)
"""


def test_a_table_others_point_at_can_be_rebuilt_with_its_rows(db_url: str, tmp_path: Path) -> None:
    """SQLite rebuilds a table to alter it; rows pointing at it survive, and so do the checks."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a_tables.py").write_text(PARENT_AND_CHILD)
    (versions / "b_rebuild.py").write_text(RECREATE_PARENT)
    config = migrate.make_config("local", db_url)
    config.set_main_option("version_locations", str(versions))

    command.upgrade(config, "head")
    command.downgrade(config, "a")
    command.upgrade(config, "head")

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT id, parent_id FROM child").all() == [(10, 1)]
        with engine.begin() as connection, pytest.raises(IntegrityError):
            connection.exec_driver_sql("INSERT INTO child (id, parent_id) VALUES (11, 2)")
    finally:
        engine.dispose()


_SCHOOLS_AND_A_CLASS = (
    "INSERT INTO schools (code, name, level) VALUES"
    " ('353301', '松山高中', 'senior_high'), ('353302', '中山女高', 'senior_high');"
    "INSERT INTO school_classes (id, school_code, name) VALUES (1, '353301', '資訊二忠')"
)
#: A pupil in 353301's class, said to be at 353302.
_PUPIL_AT_ANOTHER_SCHOOL = (
    "INSERT INTO students (id, id_number, name, school_code, class_id, level, enrolled)"
    " VALUES (7, 'A123456789', '陳曉明', '353302', 1, 'senior_high', true)"
)


def _run(url: str, script: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for statement in script.split(";"):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_a_pupil_is_at_their_class_s_school(db_url: str) -> None:
    """One key, the class at the pupil's school: a pupil said to be at another school than
    their class's is refused, as is a class that does not exist; the class's own pupil is not."""
    migrate.upgrade(db_url, "central")
    _run(db_url, _SCHOOLS_AND_A_CLASS)

    with pytest.raises(IntegrityError):
        _run(db_url, _PUPIL_AT_ANOTHER_SCHOOL)
    with pytest.raises(IntegrityError):
        _run(db_url, _PUPIL_AT_ANOTHER_SCHOOL.replace("'353302', 1", "'353301', 2"))
    _run(db_url, _PUPIL_AT_ANOTHER_SCHOOL.replace("'353302'", "'353301'"))


def test_the_one_key_upgrade_stops_where_a_pupil_breaks_it(db_url: str) -> None:
    """A database holding a pupil whose school is not their class's is not upgraded to the one
    key: the upgrade fails, naming the pupil, and leaves the database as it was."""
    before = "d2a7c91f4e60"  # the revision before the one key
    command.upgrade(migrate.make_config("central", db_url), before)
    _run(db_url, f"{_SCHOOLS_AND_A_CLASS};{_PUPIL_AT_ANOTHER_SCHOOL}")

    with pytest.raises(AlembicError, match=r"not their class's school \(students.id 7\)"):
        migrate.upgrade(db_url, "central")

    assert migrate.current(db_url, "central") == before
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, school_code FROM students").all()
    finally:
        engine.dispose()
    assert rows == [(7, "353302")]


DELETE_THE_PARENT = """
from alembic import op

revision = "b"
down_revision = "a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM parent WHERE id = 1")  # child 10 still points at it


def downgrade() -> None:
    op.execute("INSERT INTO parent (id) VALUES (1)")
"""


def test_a_sqlite_upgrade_that_breaks_a_key_stops_and_names_the_rows(tmp_path: Path) -> None:
    """SQLite's keys are off while a migration copies tables: one that leaves a row pointing at
    nothing is rolled back at its end, the rows named in the operator's one line."""
    url = sqlite_url(tmp_path / "keys.db")
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a_tables.py").write_text(PARENT_AND_CHILD)
    config = migrate.make_config("local", url)
    config.set_main_option("version_locations", str(versions))
    command.upgrade(config, "a")
    (versions / "b_delete.py").write_text(DELETE_THE_PARENT)

    with pytest.raises(AlembicError, match=r"point at nothing after it: child row 10 → parent"):
        command.upgrade(config, "head")

    assert migrate.current(url, "local") == "a"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT id FROM parent").all() == [(1,)]
    finally:
        engine.dispose()
