"""``registry``: serve the API, add kiosks and staff, import a roster, load the demo data.

One module per kind of command, each adding its commands with ``register``: :mod:`.serve`,
:mod:`.admin` (add-kiosk, add-staff), :mod:`.ops` (import-roster, demo-data, outbox),
:mod:`.audit` (the audit log), :mod:`.migrate`. What they
share is :mod:`.common`: every command takes ``--database URL`` and ``--data DIR`` and brings the
database to the central schema's head before it does anything, so a fresh SQLite file or
PostgreSQL database is ready at once.

Commands print machine-readable JSON (admin), or tables for people on a terminal and JSON lines
when piped (:mod:`.output`), on stdout. A failure is one line on stderr and an exit status
(:mod:`.failures`); ``registry --debug COMMAND`` shows its traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from kiosk.domain.release import release
from registry.cli import admin, audit, migrate, ops, reference, serve
from registry.cli.failures import describe


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``registry`` command line."""
    # Typed as the base class: the subcommands are made of _Parser too (argparse uses type(self)).
    parser: argparse.ArgumentParser = _Parser(
        prog="registry", description="The CoolClass parent binding registry."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {release()}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on a failure, show the traceback instead of one line (put it before the command)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.register(commands)
    migrate.register(commands)
    admin.register(commands)
    ops.register(commands)
    reference.register(commands)
    audit.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one ``registry`` command.

    Args:
        argv: The arguments (``sys.argv[1:]`` by default).

    Returns:
        The exit status.
    """
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if args.debug:
            raise
        failure = describe(error, database_url=_database_url(args))
        print(f"registry: {failure.line}", file=sys.stderr)
        return failure.status


def _database_url(args: argparse.Namespace) -> str | None:
    """The database a command was given (for the failure's line), if one can be told."""
    from registry.cli.common import settings_from_args

    if not hasattr(args, "database"):
        return None
    try:
        return settings_from_args(args).database_url
    except Exception:  # the settings themselves failed: the line says so already
        return None


if __name__ == "__main__":
    sys.exit(main())
