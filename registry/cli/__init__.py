"""``registry``: serve the API, add kiosks and staff, import a roster, load the demo data.

One module per kind of command, each adding its commands with ``register``: :mod:`.serve`,
:mod:`.admin` (add-kiosk, add-staff), :mod:`.ops` (import-roster, demo-data, outbox),
:mod:`.audit` (the audit log). What they
share is :mod:`.common`: every command takes ``--database URL`` and ``--data DIR`` and brings the
database to the central schema's head before it does anything, so a fresh SQLite file or
PostgreSQL database is ready at once.

Commands print machine-readable JSON (admin) or tables for people (ops) on stdout; errors go to
stderr in the operator's language (the gettext catalogs), with exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kiosk.domain.errors import DomainError
from kiosk.domain.i18n import Translator
from kiosk.domain.release import release
from registry.cli import admin, audit, ops, reference, serve


def build_parser() -> argparse.ArgumentParser:
    """The ``registry`` command line."""
    parser = argparse.ArgumentParser(
        prog="registry", description="The CoolClass parent binding registry."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {release()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.register(commands)
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
    except DomainError as error:
        print(Translator().explain(error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
