"""``kiosk``: run the kiosk (``run``), the embedded demo (``demo``), enroll it (``enroll``, which
writes the kiosk id into its config), see whether it is ready (``check``), upload and pull once
(``sync``), or put the backup of its database back (``restore``).

``kiosk demo`` (what ``make run`` runs) starts the reference registry beside the kiosk with demo
data in ``./data`` (Ctrl+Q quits it); ``kiosk run --config FILE`` is the production path: the
registry's URL and this kiosk's enrolled key come from the file (and ``KIOSK_*`` variables), and
the kiosk is locked down (no key quits it, suspends it or opens a shell).

argparse, not a framework: nothing heavy is imported before the kiosk's first frame.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kiosk.domain.errors import N_

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings

#: What the splash says while the demo starts its registry.
DEMO_STARTING: Final = N_("Demo mode: starting the registry…")


def _log_to(path: Path | None) -> None:
    # The screen belongs to the parent: log lines go to a file (never personal data).
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(
            filename=path,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s %(message)s",
        )


#: The exit status of a command whose configuration cannot be used.
EXIT_CONFIG = 2


def _report_boot_error(error: BaseException | None) -> int:
    if error is None:
        return 0
    from kiosk.settings import ConfigError

    if isinstance(error, ConfigError):
        print(f"kiosk: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"kiosk: could not start: {type(error).__name__}: {error}", file=sys.stderr)
    return 1


def _run_app(app: KioskApp) -> int:
    """Runs the kiosk until it is left, or until its terminal is gone (then exits 129)."""
    from kiosk.terminal import EXIT_HANGUP, TerminalWatch

    with TerminalWatch(app) as watch:
        try:
            app.run()
        except Exception:
            if not watch.hung_up:
                raise
            # Its terminal is gone: what the app tripped on there is of no use to anyone.
            logging.getLogger(__name__).warning("the kiosk ended on a terminal that is gone")
    if watch.hung_up:
        return EXIT_HANGUP
    return _report_boot_error(app.boot_error)


def _lock_down() -> None:
    """Production: the terminal's Ctrl+C, Ctrl+Z and Ctrl+\\ stay keys (the app ignores them),
    and the signals they would send do nothing should they come anyway."""
    import os
    import signal

    # Textual leaves the terminal's signal keys on only when asked to.
    os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)
    for number in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(number, signal.SIG_IGN)


def _run(args: argparse.Namespace) -> int:
    from kiosk.app import make_app

    config: Path = args.config
    _log_to(args.log)
    _lock_down()

    def settings() -> KioskSettings:
        # Read in the start-up thread, after the first frame (pydantic is not light).
        from kiosk.settings import KioskSettings

        return KioskSettings.load(config)

    # Lockdown: no key quits; the staff console alone leaves (SPEC.md §2).
    app = make_app(settings, lockdown=True)
    return _run_app(app)


def _staff(args: argparse.Namespace) -> int:
    from kiosk.app import CSS_FILES
    from kiosk.client import RegistryClient
    from kiosk.domain.i18n import Translator
    from kiosk.settings import KioskSettings
    from kiosk.staff import StaffApp

    _log_to(args.log)
    settings = KioskSettings.load(args.config)
    registry = settings.registry
    # A teacher's desk is not an enrolled kiosk: staff calls carry the staff token alone.
    client = RegistryClient(
        registry.url,
        kiosk_id=None,
        key=None,
        timeout=registry.timeout,
        connect_timeout=registry.connect_timeout,
        deadline=registry.deadline,
        allow_plain_http=registry.allow_plain_http,
    )
    StaffApp(
        client, Translator(settings.language), css_paths=[str(path) for path in CSS_FILES]
    ).run()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kiosk.app import make_app
    from kiosk.demo import KIOSK_FILE, EmbeddedRegistry

    data: Path = args.data.resolve()
    _log_to(data / "kiosk.log")
    registry = EmbeddedRegistry(data)

    def settings() -> KioskSettings:
        from kiosk.settings import KioskSettings

        registry.start()
        kiosk_id = registry.enroll()
        return KioskSettings.load(
            data / KIOSK_FILE,
            data_dir=data,
            demo=True,
            registry={"url": registry.url, "kiosk_id": kiosk_id},
        )

    app = make_app(settings, starting=DEMO_STARTING)
    try:
        return _run_app(app)
    finally:
        # Quitting the demo stops its registry, whatever happened.
        registry.stop()


def _enroll(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from kiosk.client import enroll
    from kiosk.domain.errors import DomainError
    from kiosk.keys import load_or_create_key
    from kiosk.settings import KioskSettings, record_kiosk_id

    settings = KioskSettings.load(args.config)
    key = load_or_create_key(settings.key_path)
    try:
        enrollment = asyncio.run(enroll(settings.registry.url, key, args.token))
    except DomainError as error:
        print(f"kiosk: enrollment refused: {error.code.value}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "kiosk_id": enrollment.kiosk_id,
                "school_code": enrollment.school_code,
                "key_file": str(settings.key_path),
            },
            indent=2,
        )
    )
    record_kiosk_id(args.config, enrollment.kiosk_id)
    print(
        f"kiosk: enrolled; kiosk_id {enrollment.kiosk_id} written to the [registry] table of "
        f"{args.config}",
        file=sys.stderr,
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from kiosk.check import check

    failed = False
    for finding in check(args.config):
        print(finding.line(), flush=True)
        failed = failed or not finding.ok
    return 1 if failed else 0


def _sync(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console

    from kiosk.boot import build_services  # not kiosk.app: a sync needs no screens
    from kiosk.settings import KioskSettings
    from kiosk.sync import Outcome, SyncReport, crash_hook_from_env
    from kiosk.sync_actions import kiosk_sync_pass
    from kiosk.sync_report import render_report

    _log_to(args.log)
    settings = KioskSettings.load(args.config)
    if settings.registry.kiosk_id is None:
        print(
            f"kiosk: not enrolled: run kiosk enroll --config {args.config} --token TOKEN "
            "(the token from registry add-kiosk)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        services = build_services(settings)
    except Exception as error:  # one line for the operator, never a traceback
        from kiosk.keys import KeyFileError
        from store.local.integrity import LocalStateError

        said = isinstance(error, LocalStateError | KeyFileError | FileNotFoundError)
        print(f"kiosk: could not start: {error if said else _fault_line(error)}", file=sys.stderr)
        return 1
    syncer = kiosk_sync_pass(
        services.store,
        services.client,
        settings=settings.sync,
        clock=services.clock,
        checkpoint=crash_hook_from_env(),
    )

    async def once() -> SyncReport:
        try:
            return await syncer.run_once(everything=args.all, pull=not args.no_pull)
        finally:
            await services.client.aclose()

    try:
        report = asyncio.run(once())
    except Exception as error:
        # A local fault (disk full, a damaged page): named by kind and errno, nothing more.
        from kiosk.logsafe import describe_failure

        logging.getLogger(__name__).error("sync failed: %s", describe_failure(error))
        print(f"kiosk: sync failed: {_fault_line(error)}", file=sys.stderr)
        return 2
    console = Console()
    for part in render_report(report, services.translator):
        console.print(part)
    # A script may ask "did everything go?": 1 while the registry failed us.
    return 1 if report.error is not None or report.count(Outcome.DEFERRED) else 0


def _fault_line(error: BaseException) -> str:
    """The kind of a failure and its errno (never its text: it may quote personal data)."""
    from kiosk.domain.errors import DomainError

    if isinstance(error, DomainError):  # a local fault named by the store, or the registry's
        return f"{error.code.value} {dict(error.params)}" if error.params else error.code.value
    original = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    errno = getattr(original, "sqlite_errorname", None) or getattr(original, "errno", None)
    kind = type(original).__name__
    return f"{kind} ({errno})" if errno else kind


def _restore(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from kiosk.settings import KioskSettings
    from store.local.integrity import LocalStateError, check_local_state, restore

    settings = KioskSettings.load(args.config)
    database = settings.database_file
    if database is None:
        print("kiosk: restore works on a SQLite database only", file=sys.stderr)
        return 1
    backups: Path = args.source or settings.backup_path
    try:
        aside = restore(database, backups, now=datetime.now(UTC))
        check_local_state(database, settings.seal_key_path, backup_dir=backups)
    except (FileNotFoundError, LocalStateError) as error:
        print(f"kiosk: not restored: {error}", file=sys.stderr)
        return 1
    if aside is not None:
        print(f"The damaged database was moved to {aside}.")
    print(f"Restored {database} from {backups}. Start the kiosk again.")
    return 0


class _Version(argparse.Action):
    """``--version``: the release is looked up (importlib.metadata) only when asked for, not
    at every start."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, nargs=0, help=str(kwargs["help"]))

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from kiosk.domain.release import release

        print(f"{parser.prog} {release()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``kiosk`` command line."""
    parser = argparse.ArgumentParser(prog="kiosk", description="親子綁定 kiosk")
    parser.add_argument("--version", action=_Version, help="show the installed release and exit")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on a failure, show the traceback instead of one line (put it before the command)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the kiosk against its registry")
    run.add_argument("--config", type=Path, required=True, metavar="FILE", help="kiosk.toml")
    run.add_argument("--log", type=Path, metavar="FILE", help="write the log to FILE")
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo", help="the embedded default: a local registry with demo data, and the kiosk"
    )
    demo.add_argument(
        "--data", type=Path, default=Path("data"), metavar="DIR", help="default: ./data"
    )
    demo.set_defaults(handler=_demo)

    staff = commands.add_parser(
        "staff", help="the staff console alone (a teacher's desk): review, approve, reject"
    )
    staff.add_argument("--config", type=Path, required=True, metavar="FILE", help="kiosk.toml")
    staff.add_argument("--log", type=Path, metavar="FILE", help="write the log to FILE")
    staff.set_defaults(handler=_staff)

    enroll = commands.add_parser(
        "enroll",
        help="enroll this kiosk's key (made if missing) with a one-time token, and write the "
        "kiosk id into the config",
    )
    enroll.add_argument("--config", type=Path, required=True, metavar="FILE", help="kiosk.toml")
    enroll.add_argument("--token", required=True, help="from `registry add-kiosk`")
    enroll.set_defaults(handler=_enroll)

    checking = commands.add_parser(
        "check",
        help="whether this kiosk is ready, line by line: config, key, enrolment, registry "
        "(reachable, clock), CJK font, printer (exit 1 if anything is wrong)",
    )
    checking.add_argument("--config", type=Path, required=True, metavar="FILE", help="kiosk.toml")
    checking.set_defaults(handler=_check)

    sync = commands.add_parser(
        "sync",
        help="one sync run: upload waiting applications, pull their statuses, print what moved "
        "(exit 1 while the registry fails)",
    )
    sync.add_argument("--config", type=Path, required=True, metavar="FILE", help="kiosk.toml")
    sync.add_argument(
        "--all", action="store_true", help="try every waiting application now, whatever its backoff"
    )
    sync.add_argument(
        "--no-pull", action="store_true", help="upload only; do not ask for status changes"
    )
    sync.add_argument("--log", type=Path, metavar="FILE", help="write the log to FILE")
    sync.set_defaults(handler=_sync)

    reference = commands.add_parser(
        "config-reference",
        help="print every kiosk setting with its TOML key, environment variable, default and "
        "meaning (Markdown, as in docs/OPERATIONS.md)",
    )
    reference.set_defaults(handler=_config_reference)

    restoring = commands.add_parser(
        "restore",
        help="with the kiosk stopped: put the rolling backup in place of a damaged or lost "
        "database (the old files are moved aside, never deleted)",
    )
    restoring.add_argument("--config", type=Path, required=True, metavar="FILE", help="kiosk.toml")
    restoring.add_argument(
        "--from", dest="source", type=Path, metavar="DIR", help="default: the configured backup_dir"
    )
    restoring.set_defaults(handler=_restore)
    return parser


def config_reference() -> str:
    """The Markdown table of every kiosk setting, from the settings model's docstrings."""
    from kiosk.domain.settings_doc import settings_reference
    from kiosk.settings import KioskSettings

    return settings_reference(
        KioskSettings,
        env_prefix="KIOSK_",
        title="Kiosk settings (`kiosk.toml`, or `KIOSK_*` environment)",
    )


def _config_reference(args: argparse.Namespace) -> int:
    print(config_reference(), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one ``kiosk`` command; its exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # One line for the operator, never a traceback (``kiosk --debug`` shows it).
        from kiosk.settings import ConfigError

        if args.debug:
            raise
        if isinstance(error, ConfigError):
            print(f"kiosk: {error}", file=sys.stderr)
            return EXIT_CONFIG
        if isinstance(error, OSError) and error.filename:
            print(
                f"kiosk: {error.filename}: {error.strerror or _fault_line(error)}", file=sys.stderr
            )
        else:
            # The kind and errno only: an exception's text may quote what a parent typed.
            print(
                f"kiosk: failed: {_fault_line(error)} (kiosk --debug …: the traceback)",
                file=sys.stderr,
            )
        return 1
    return status
