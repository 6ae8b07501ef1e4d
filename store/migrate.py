"""Alembic, configured in code: two independent trees, "local" (kiosk) and "central" (registry).

No ``alembic.ini``: :func:`make_config` builds the Config. Each tree keeps its revisions in
``store/migrations/<schema>/versions`` and its own version table (``alembic_version_<schema>``),
so neither ever reads the other's revision. (Both trees have an ``applications`` and an
``audit_events`` table, so they live in separate databases.) ``store/migrations/env.py`` picks the
target metadata by schema.

Every entry point takes a database URL, an :class:`~sqlalchemy.Engine` or an open
:class:`~sqlalchemy.Connection` (the kiosk at start-up and the tests pass their own)::

    upgrade("sqlite:////var/lib/kiosk/kiosk.db", "local")
    current(engine, "central")

Developers add a revision with ``python -m store.migrate revision local -m "add a column"``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias, get_args

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, TypeDecorator

from store.engine import make_engine, sqlite_url

Schema: TypeAlias = Literal["local", "central"]
#: Every schema this module knows, in a stable order.
SCHEMAS: Final[tuple[Schema, ...]] = get_args(Schema)

#: Where env.py, script.py.mako and the two version folders live.
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"

#: What :func:`upgrade` & co. accept as "the database".
Target: TypeAlias = str | Engine | Connection


def version_table(schema: Schema) -> str:
    """The table that records which revision of ``schema`` a database is at."""
    return f"alembic_version_{schema}"


def versions_dir(schema: Schema) -> Path:
    """The folder holding the revision scripts of ``schema``."""
    return MIGRATIONS_DIR / schema / "versions"


def _check_schema(schema: str) -> Schema:
    for known in SCHEMAS:
        if schema == known:
            return known
    raise ValueError(f"unknown schema {schema!r}; expected one of {SCHEMAS}")


def target_metadata(schema: Schema) -> MetaData:
    """The models' metadata of ``schema`` (imported on demand: each tree pays only for its own).

    Raises:
        ImportError: When that schema's models module does not exist yet.
    """
    if _check_schema(schema) == "local":
        from store.local.tables import LocalBase

        return LocalBase.metadata
    from store.central import CentralBase

    return CentralBase.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Our TypeDecorators (UtcDateTime, StrEnumText, ...) are written into revisions as the plain
    # SQLAlchemy type they store, so a revision never imports application code that may change.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        if type(impl).__module__.startswith("sqlalchemy."):
            return f"sa.{impl!r}"
    return False


def autogenerate_options(schema: Schema) -> dict[str, Any]:
    """How ``schema``'s models are compared with a database: env.py and :func:`differences`.

    Types and server defaults are compared; the other tree's version table, and its tables whose
    names this tree does not use, are left out, so autogenerate never proposes to drop them.
    """
    other: Schema = "central" if schema == "local" else "local"

    # Only autogenerate asks, so plain upgrades (the kiosk at start-up) never import the other
    # tree's models.
    @cache
    def others() -> frozenset[str]:
        try:
            # Names both trees use (applications, audit_events) are ours to compare.
            tables = set(target_metadata(other).tables) - set(target_metadata(schema).tables)
        except ImportError:  # a tree's models do not exist yet
            tables = set()
        return frozenset({*tables, version_table(other)})

    def include_name(name: str | None, type_: str, _parent: Any) -> bool:
        return not (type_ == "table" and name in others())

    return {
        "compare_type": True,
        "compare_server_default": True,
        "include_name": include_name,
        "render_item": _render_item,
    }


def differences(target: Target, schema: Schema) -> list[Any]:
    """What autogenerate would change to make the database match ``schema``'s models.

    Empty when the migrations (at the database's revision) and the models agree.

    Args:
        target: Database URL, Engine or Connection.
        schema: ``"local"`` or ``"central"``.

    Returns:
        Alembic's diff tuples (``("add_table", Table)``, ``("modify_type", ...)``, ...).
    """
    schema = _check_schema(schema)
    with _connection(target) as connection:
        context = MigrationContext.configure(
            connection,
            opts={"version_table": version_table(schema), **autogenerate_options(schema)},
        )
        return list(compare_metadata(context, target_metadata(schema)))


def make_config(schema: Schema, target: Target | None = None) -> Config:
    """An Alembic Config for ``schema``, built in code.

    Args:
        schema: Which tree: ``"local"`` or ``"central"``.
        target: The database (URL, Engine or Connection) env.py should migrate; None for commands
            that need none (``history``, ``heads``).

    Returns:
        The Config; ``config.attributes`` carries ``schema`` and ``target`` to env.py.
    """
    schema = _check_schema(schema)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(versions_dir(schema)))
    # ConfigParser interpolation: "%%" is a literal "%" once read back.
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option("truncate_slug_length", "40")
    # Generated revisions come out ruff-clean (imports sorted, formatted).
    # Formatted first, so the lint fixes (import order) see no over-long generated lines.
    config.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
    for hook, options in (
        ("ruff_format", "format --quiet REVISION_SCRIPT_FILENAME"),
        ("ruff_fix", "check --fix --quiet REVISION_SCRIPT_FILENAME"),
    ):
        config.set_section_option("post_write_hooks", f"{hook}.type", "module")
        config.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
        config.set_section_option("post_write_hooks", f"{hook}.options", options)
    config.attributes["schema"] = schema
    config.attributes["target"] = target
    return config


def upgrade(target: Target, schema: Schema, revision: str = "head") -> None:
    """Brings the database's ``schema`` tree up to ``revision`` (all of it, or nothing).

    Args:
        target: Database URL, Engine or Connection. A Connection already inside a transaction is
            migrated inside it and left for the caller to commit.
        schema: ``"local"`` or ``"central"``.
        revision: Alembic revision spec; ``"head"`` by default.
    """
    command.upgrade(make_config(schema, target), revision)


def downgrade(target: Target, schema: Schema, revision: str = "base") -> None:
    """Takes the database's ``schema`` tree down to ``revision`` (``"base"``: drops it all).

    Args:
        target: Database URL, Engine or Connection.
        schema: ``"local"`` or ``"central"``.
        revision: Alembic revision spec; ``"base"`` by default.
    """
    command.downgrade(make_config(schema, target), revision)


def current(target: Target, schema: Schema) -> str | None:
    """The revision of ``schema`` the database is at, or None when it has none.

    Args:
        target: Database URL, Engine or Connection.
        schema: ``"local"`` or ``"central"``.
    """
    schema = _check_schema(schema)
    with _connection(target) as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": version_table(schema)}
        )
        return context.get_current_revision()


def heads(schema: Schema) -> tuple[str, ...]:
    """The head revisions of ``schema``'s tree (empty while it has no revisions)."""
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(make_config(schema)).get_heads())


def revision(
    schema: Schema,
    message: str,
    autogenerate: bool = True,
    *,
    url: str | None = None,
) -> Path:
    """Writes a new revision script for ``schema`` (a developer's tool).

    With ``autogenerate``, the models are compared against a database at the current head: ``url``
    if given, else a throwaway SQLite file upgraded to head first. Review what it wrote: Alembic
    cannot see renames, and data migrations are yours to add.

    Args:
        schema: ``"local"`` or ``"central"``.
        message: What the revision does (becomes its docstring and file name slug).
        autogenerate: Fill in operations from the models' differences.
        url: A database at head to compare against, instead of a throwaway one.

    Returns:
        The path of the new script.
    """
    schema = _check_schema(schema)
    with tempfile.TemporaryDirectory(prefix="store-revision-") as scratch:
        target = url if url is not None else sqlite_url(Path(scratch) / "head.db")
        if autogenerate and url is None:
            upgrade(target, schema)
        config = make_config(schema, target if autogenerate else None)
        script = command.revision(config, message=message, autogenerate=autogenerate)
    if script is None or isinstance(script, list):
        raise RuntimeError("Alembic did not write exactly one revision")
    return Path(script.path)


@contextmanager
def _connection(target: Target) -> Iterator[Connection]:
    if isinstance(target, Connection):
        yield target
    elif isinstance(target, Engine):
        with target.connect() as connection:
            yield connection
    else:
        engine = make_engine(target)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m store.migrate {upgrade,downgrade,current,revision} ...``.

    Args:
        argv: The arguments (``sys.argv[1:]`` by default).

    Returns:
        The process exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m store.migrate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, default in (("upgrade", "head"), ("downgrade", "base")):
        cmd = sub.add_parser(name, help=f"{name} a database (to {default!r} by default)")
        cmd.add_argument("schema", choices=SCHEMAS)
        cmd.add_argument("url", help="database URL, e.g. sqlite:////path/kiosk.db")
        cmd.add_argument("revision", nargs="?", default=default)
    cur = sub.add_parser("current", help="print the revision a database is at")
    cur.add_argument("schema", choices=SCHEMAS)
    cur.add_argument("url")
    rev = sub.add_parser("revision", help="write a new revision script")
    rev.add_argument("schema", choices=SCHEMAS)
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--empty", action="store_true", help="do not autogenerate operations")
    rev.add_argument("--url", help="compare against this database instead of a throwaway one")
    args = parser.parse_args(argv)

    if args.command == "upgrade":
        upgrade(args.url, args.schema, args.revision)
    elif args.command == "downgrade":
        downgrade(args.url, args.schema, args.revision)
    elif args.command == "current":
        print(current(args.url, args.schema) or "base")
    else:
        print(revision(args.schema, args.message, not args.empty, url=args.url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
