"""``registry migrate``: bring the database to this release's schema, and say where it is.

``registry serve`` migrates at start as well; this is for an upgrade done as its own step (before
the processes restart), and for a readiness check that names an older revision.
"""

from __future__ import annotations

import argparse

from registry.cli.common import (
    add_database_arguments,
    make_sqlite_file,
    prepare_database,
    settings_from_args,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``migrate`` to the ``registry`` command line."""
    migrate = subparsers.add_parser(
        "migrate",
        help="bring the database to this release's schema (serve does so at start too); "
        "print its revision",
    )
    add_database_arguments(migrate)
    migrate.set_defaults(handler=_migrate)


def _migrate(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from store.migrate import current

    settings = settings_from_args(args)
    make_sqlite_file(settings)
    before = current(settings.database_url, "central")
    prepare_database(settings)
    after = current(settings.database_url, "central")
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    if before == after:
        print(f"{where}: at revision {after}, this release's; nothing to do")
    else:
        print(f"{where}: migrated from revision {before or '(empty)'} to {after}")
    return 0
