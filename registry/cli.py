"""``registry``: serve the API, add kiosks and staff (and the operators' commands of ops_cli).

Every command takes ``--database URL`` and ``--data DIR`` (see :func:`add_database_arguments`)
and brings the database to the central schema's head before it does anything, so a fresh
SQLite file or PostgreSQL database is ready at once.

Commands print machine-readable JSON on stdout (a token, an id); errors go to stderr in the
operator's language (the gettext catalogs), with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kiosk.domain.clock import utc_now
from kiosk.domain.errors import DomainError
from kiosk.domain.i18n import Translator
from kiosk.domain.wire import StaffRole
from registry import ops_cli
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
    """Makes a SQLite file's folder and brings the database to the central schema's head."""
    url = make_url(normalize_url(settings.database_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, "central")


def run_in_session(settings: RegistrySettings, work: Callable[[Session], T]) -> T:
    """Migrates, then runs ``work`` in one session (it commits what it wants kept)."""
    prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return work(session)
    finally:
        engine.dispose()


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from registry.app import create_app

    settings = settings_from_args(args)
    prepare_database(settings)
    if args.exit_with_parent:
        _exit_with_parent()
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        limit_concurrency=args.limit_concurrency,
        timeout_keep_alive=5,
    )
    return 0


def _exit_with_parent(interval: float = 1.0) -> None:
    """Stops this process (SIGTERM: uvicorn shuts down cleanly) once its parent is gone.

    The demo kiosk starts the registry in a session of its own; a kiosk that dies without its
    ``finally`` (a closed terminal's SIGHUP, a SIGKILL) would otherwise leave it serving.
    """
    import signal
    import threading

    parent = os.getppid()

    def watch() -> None:
        # The parent's death is only visible as a changed parent id: polling is the way.
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _add_kiosk(args: argparse.Namespace) -> int:
    from registry.services.kiosks import add_kiosk

    settings = settings_from_args(args)
    made = run_in_session(
        settings,
        lambda session: add_kiosk(
            session, school_code=args.school, now=utc_now(), limits=settings.limits
        ),
    )
    _print_json(
        {
            "kiosk_id": made.kiosk_id,
            "school_code": made.school_code,
            "enrollment_token": made.enrollment_token,
            "expires_at": made.expires_at.isoformat(),
        }
    )
    return 0


def _add_staff(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from registry.services.accounts import create_staff_account, set_staff_password
    from store.central import StaffAccount

    settings = settings_from_args(args)
    password = args.password or secrets.token_urlsafe(12)

    def work(session: Session) -> int:
        exists = session.scalars(
            select(StaffAccount.id).where(StaffAccount.username == args.username)
        ).first()
        if exists is not None:
            # A teacher the roster import made has no usable password until this sets one.
            account = set_staff_password(
                session,
                username=args.username,
                school_code=args.school,
                password=password,
                hasher=settings.password_hashing.hasher(),
            )
            session.commit()
            return account.id
        account = create_staff_account(
            session,
            username=args.username,
            display_name=args.name or args.username,
            role=StaffRole(args.role),
            school_code=args.school,
            password=password,
            now=utc_now(),
            hasher=settings.password_hashing.hasher(),
        )
        session.commit()
        return account.id

    staff_id = run_in_session(settings, work)
    _print_json(
        {
            "staff_id": staff_id,
            "username": args.username,
            "role": args.role,
            "school_code": args.school,
            "password": password,
        }
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``registry`` command line."""
    parser = argparse.ArgumentParser(
        prog="registry", description="The CoolClass parent binding registry."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    add_database_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--limit-concurrency",
        type=int,
        default=200,
        help="connections served at once; more get 503 (bounds memory under load)",
    )
    serve.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one is gone (the demo kiosk uses it)",
    )
    serve.set_defaults(handler=_serve)

    kiosk = commands.add_parser("add-kiosk", help="register a kiosk; print its one-time token")
    add_database_arguments(kiosk)
    kiosk.add_argument("--school", required=True, metavar="CODE")
    kiosk.set_defaults(handler=_add_kiosk)

    staff = commands.add_parser("add-staff", help="add a homeroom teacher or a school admin")
    add_database_arguments(staff)
    staff.add_argument("--username", required=True)
    staff.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    staff.add_argument("--school", required=True, metavar="CODE")
    staff.add_argument("--name", help="display name (the username when not given)")
    staff.add_argument("--password", help="a random one is made and printed when not given")
    staff.set_defaults(handler=_add_staff)

    ops_cli.register(commands)
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
