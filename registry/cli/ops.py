"""The operators' commands of ``registry``: import-roster, demo-data, demo-logins and outbox.

Their output is for people on a terminal: rich tables in the operator's language (the gettext
catalogs) whose cells fold rather than cut, and a progress bar while importing. Piped, the logins
and the messages are JSON lines (:mod:`.output`); problems go to stderr.
"""

from __future__ import annotations

import argparse
import secrets
import textwrap
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kiosk.domain.clock import utc_now
from kiosk.domain.contact import Channel, email_key, parse_email, parse_phone
from kiosk.domain.errors import N_, DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.outbox_line import OutboxLine
from kiosk.domain.wire import StaffRole
from registry.cli.common import add_database_arguments, database_sessions, settings_from_args
from registry.cli.failures import CommandError
from registry.cli.output import folding_table, for_people, print_json_lines, stdout_is_terminal
from registry.demo import DemoLogin, LoginKind, load_demo
from registry.demo_plan import DEFAULT_SEED, TUTORIAL_SCHOOL, make_plan
from registry.notify.outbox import FileOutbox
from registry.services import notifications
from registry.services.accounts import hash_password
from registry.services.roster_file import (
    COLUMNS,
    ENCODINGS,
    RosterChanged,
    RosterInvalid,
    check_roster,
)
from registry.services.roster_import import ImportSummary, import_checked, import_roster
from store.central import NotificationRecord, NotificationStatus

#: Gettext message ids of the kinds of demo login.
LOGIN_KIND_LABELS = {
    LoginKind.ADMIN: N_("School admin"),
    LoginKind.TEACHER: N_("Homeroom teacher"),
    LoginKind.PARENT: N_("Parent"),
}

#: Gettext message ids of the channels.
CHANNEL_LABELS = {Channel.EMAIL: N_("Email"), Channel.SMS: N_("SMS")}


#: ``import-roster --help``: the file it takes.
ROSTER_DESCRIPTION = textwrap.dedent(
    f"""\
    Import schools, classes with their homeroom teacher, and students from a CSV file. The whole
    file is checked first: a file with any bad row imports nothing, and every bad row is
    reported with its line. Importing the same file again changes nothing.

    The first row names the columns (in any order; other columns are ignored):
      {",".join(COLUMNS)}

      level             國小 國中 高中 高職 特教 (or elementary, junior_high, senior_high, ...)
      school_code       the school's code (letters, digits, - and _), e.g. 353301
      school_name       the school's name, e.g. 臺北市私立日曜學校
      class_name        the class, e.g. 資訊二忠
      teacher_username  the homeroom teacher's login (empty with teacher_name: no teacher)
      teacher_name      the homeroom teacher's name
      student_id        the student's ID number (身分證 or resident certificate)
      student_name      the student's name

    For example:
      level,school_code,school_name,class_name,teacher_username,teacher_name,student_id,student_name
      高中,353301,臺北市私立日曜學校,資訊二忠,353301.t1,楊冠宜,A123456789,陳曉明

    The file is UTF-8 (Excel: save as "CSV UTF-8"); a Big5 / CP950 file is read with
    --encoding cp950. Teachers it creates cannot sign in until `registry add-staff` gives
    them a password.
    """
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``import-roster``, ``demo-data`` and ``outbox`` to the ``registry`` command line."""
    roster = subparsers.add_parser(
        "import-roster",
        help="import schools, classes, homeroom teachers and students from a CSV file",
        description=ROSTER_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_database_arguments(roster)
    roster.add_argument("file", type=Path, metavar="FILE.csv", help="the roster, CSV")
    roster.add_argument(
        "--encoding",
        choices=list(ENCODINGS),
        default="utf-8",
        help="the file's encoding (default utf-8; Excel in Taiwan saves plain CSV as cp950)",
    )
    roster.set_defaults(handler=_import_roster)

    demo = subparsers.add_parser(
        "demo-data", help="add the demo roster, staff logins and parents (once); print the logins"
    )
    add_database_arguments(demo)
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help="makes the data repeatable")
    demo.set_defaults(handler=_demo_data)

    logins = subparsers.add_parser(
        "demo-logins",
        help="print a demo school's staff logins (its homeroom teacher and its admin); "
        "no database needed",
    )
    logins.add_argument(
        "--school", default=TUTORIAL_SCHOOL, metavar="CODE", help="default: the tutorial's school"
    )
    logins.add_argument("--seed", type=int, default=DEFAULT_SEED, help="as given to demo-data")
    logins.set_defaults(handler=_demo_logins)

    outbox = subparsers.add_parser(
        "outbox",
        help="print the messages queued at the registry (waiting, given up on, how many sent) "
        "and the latest of the file outbox",
    )
    add_database_arguments(outbox)
    outbox.add_argument("-n", "--limit", type=int, default=10, help="how many (default 10)")
    outbox.add_argument("--to", metavar="ADDRESS", help="only messages to this address")
    outbox.add_argument(
        "--retry", action="store_true", help="queue the messages given up on again, due now"
    )
    outbox.set_defaults(handler=_outbox)


def _progress(console: Console) -> Progress:
    """A progress bar that draws only on a terminal (a pipe or a log file gets none)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


# --- import-roster ------------------------------------------------------------------------------


def _problems_table(t: Translator, invalid: RosterInvalid) -> Table:
    table = folding_table(
        t.gettext("Problems found: {count}. Nothing was imported.").format(count=invalid.total),
        [t.gettext("Line"), t.gettext("Column"), t.gettext("Problem")],
    )
    table.columns[0].justify = "right"
    for problem in invalid.problems:
        table.add_row(
            str(problem.line) if problem.line else "",
            problem.error.field or "",
            t.explain(problem.error),
        )
    if invalid.total > len(invalid.problems):
        table.caption = t.gettext("Only the first {shown} problems, by line, are listed.").format(
            shown=len(invalid.problems)
        )
    return table


def _summary_table(t: Translator, summary: ImportSummary) -> Table:
    table = folding_table(
        t.gettext("Roster imported: {rows} rows").format(rows=summary.rows),
        ["", t.gettext("Created"), t.gettext("Updated")],
    )
    for column in table.columns[1:]:
        column.justify = "right"
    for label, counts in (
        (t.gettext("Schools"), summary.schools),
        (t.gettext("Classes"), summary.classes),
        (t.gettext("Teachers"), summary.teachers),
        (t.gettext("Students"), summary.students),
    ):
        table.add_row(label, str(counts.created), str(counts.updated))
    return table


def _not_in_encoding(path: Path, encoding: str, invalid: RosterInvalid) -> CommandError | None:
    """The one line for a file that is not in its encoding: with the way out (the catalog's
    "not UTF-8" alone left the operator guessing)."""
    problems = invalid.problems
    if len(problems) != 1 or problems[0].error.code is not ErrorCode.ROSTER_ENCODING:
        return None
    where = f"{path} (line {problems[0].line})"
    if encoding == "utf-8":
        return CommandError(
            f'{where} is not UTF-8 text: save it as UTF-8 (Excel: "CSV UTF-8"), '
            "or pass --encoding cp950 for a Big5 / CP950 file"
        )
    return CommandError(f"{where} is not {encoding} text: check the file's encoding")


def _cannot_read(t: Translator, path: Path, error: OSError) -> CommandError:
    reason = error.strerror or type(error).__name__
    line = t.gettext("The file cannot be read: {path}").format(path=path)
    return CommandError(f"{line} ({reason})")


def _import_roster(args: argparse.Namespace) -> int:
    """Imports the file in one transaction, all or nothing. On SQLite the whole file is checked
    first (the database is not touched for a bad file), then read again; on PostgreSQL it is
    checked and written in one pass, and rolled back at its end if any row is bad."""
    console, t = Console(), Translator()
    problems = Console(stderr=True)
    path: Path = args.file
    settings = settings_from_args(args)
    one_pass = settings.database_url.startswith("postgresql")
    try:
        if one_pass:
            path.open("rb").close()  # a file that cannot be read is said before the database
            roster = None
        else:
            roster = check_roster(path, translator=t, encoding=args.encoding)
        with (
            database_sessions(settings) as sessions,
            sessions.begin() as session,
            _progress(console) as progress,
        ):
            total = roster.rows if roster is not None else None
            task = progress.add_task(t.gettext("Importing the roster"), total=total)
            # A hash of a secret thrown away: teachers cannot sign in until given one.
            locked = hash_password(
                secrets.token_urlsafe(32), hasher=settings.password_hashing.hasher()
            )

            def advance(done: int) -> None:
                progress.advance(task, done)

            if roster is not None:
                summary = import_checked(
                    session, roster, locked_password_hash=locked, progress=advance
                )
            else:
                summary = import_roster(
                    session,
                    path,
                    locked_password_hash=locked,
                    progress=advance,
                    translator=t,
                    encoding=args.encoding,
                )
    except RosterInvalid as invalid:
        said = _not_in_encoding(path, args.encoding, invalid)
        if said is not None:
            raise said from None
        problems.print(_problems_table(t, invalid))
        return 1
    except RosterChanged:
        raise CommandError(
            f"{path} changed while it was imported; nothing was imported: run the command again"
        ) from None
    except OSError as error:
        if error.filename not in (str(path), path):
            raise
        raise _cannot_read(t, path, error) from None
    console.print(_summary_table(t, summary))
    if not summary.changed:
        console.print(t.gettext("Nothing changed."))
    return 0


# --- demo-data ----------------------------------------------------------------------------------


def _logins_table(t: Translator, logins: list[DemoLogin]) -> Table:
    columns = (
        N_("Role"),
        N_("Login"),
        N_("Password"),
        N_("Name"),
        N_("School or students"),
        N_("New"),
    )
    table = folding_table(t.gettext("Demo logins"), [t.gettext(column) for column in columns])
    for login in logins:
        where = login.school or t.gettext(", ").join(login.students)
        table.add_row(
            t.gettext(LOGIN_KIND_LABELS[login.kind]),
            login.username,
            login.password,
            login.name,
            where,
            "✓" if login.created else "",
        )
    return table


def _print_logins(t: Translator, logins: list[DemoLogin]) -> None:
    """A table on a terminal; JSON lines (one login each) when piped."""
    if stdout_is_terminal():
        Console().print(_logins_table(t, logins))
        return
    print_json_lines(
        {
            "kind": login.kind.value,
            "username": login.username,
            "password": login.password,
            "name": login.name,
            "school": login.school,
            "students": list(login.students),
            "created": login.created,
        }
        for login in logins
    )


def _demo_data(args: argparse.Namespace) -> int:
    t = Translator()
    console = for_people()
    settings = settings_from_args(args)
    with database_sessions(settings) as sessions, _progress(console) as progress:
        task = progress.add_task(t.gettext("Writing the demo data"), total=None)
        report = load_demo(
            sessions,
            limits=settings.limits,
            now=utc_now(),
            seed=args.seed,
            hasher=settings.password_hashing.hasher(),
            progress=lambda done: progress.advance(task, done),
        )
    console.print(_summary_table(t, report.roster))
    _print_logins(t, report.logins)
    console.print(t.gettext("Parents must change the initial password at their next login."))
    if not report.changed:
        console.print(t.gettext("The demo data was already there: nothing was added."))
    return 0


def _demo_logins(args: argparse.Namespace) -> int:
    # The plan is made from the seed alone: the same logins demo-data writes, without a database.
    t = Translator()
    logins = [
        DemoLogin(
            LoginKind.TEACHER if login.role is StaffRole.TEACHER else LoginKind.ADMIN,
            login.username,
            login.password,
            login.name,
            login.school.code,
        )
        for login in make_plan(args.seed).staff
        if login.school.code == args.school
    ]
    if not logins:
        raise CommandError(
            t.gettext("The demo data has no staff logins at school {school}.").format(
                school=args.school
            )
        )
    _print_logins(t, logins)
    return 0


# --- outbox -------------------------------------------------------------------------------------


def _outbox_table(t: Translator, path: Path, lines: list[OutboxLine]) -> Table:
    columns = (N_("Time"), N_("Channel"), N_("To"), N_("Kind"), N_("Subject"), N_("Code"))
    table = folding_table(
        t.gettext("Outbox: {path}").format(path=path), [t.gettext(column) for column in columns]
    )
    for line in lines:
        table.add_row(
            line.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            t.gettext(CHANNEL_LABELS[line.channel]),
            line.to,
            line.kind,
            line.subject,
            line.meta.get("code", ""),
        )
    return table


def _address(raw: str) -> str:
    """An address as the registry stores it (``0928942045`` → ``+886928942045``), else as typed."""
    try:
        return parse_email(raw).value if "@" in raw else parse_phone(raw).e164
    except DomainError:
        return raw


def _queue_table(t: Translator, rows: list[NotificationRecord]) -> Table:
    table = Table(title=t.gettext("Waiting or given up on at the registry"))
    for column in (
        N_("Queued"),
        N_("State"),
        N_("Attempts"),
        N_("Next attempt"),
        N_("To"),
        N_("Kind"),
        N_("Last error"),
    ):
        table.add_column(t.gettext(column))
    for row in rows:
        waiting = row.status == NotificationStatus.WAITING
        table.add_row(
            row.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            t.gettext(N_("Waiting") if waiting else N_("Given up")),
            str(row.attempts),
            row.next_attempt_at.astimezone().strftime("%H:%M:%S")
            if waiting and row.next_attempt_at
            else "",
            row.recipient,
            row.kind,
            row.error or "",
        )
    return table


def _queue(console: Console, t: Translator, args: argparse.Namespace, to: str | None) -> None:
    """Prints the registry's queue, or with ``--retry`` queues what was given up on again."""
    with database_sessions(settings_from_args(args)) as sessions, sessions.begin() as session:
        if args.retry:
            count = notifications.retry_failed(session)
            console.print(t.gettext("Queued again: {count}").format(count=count))
            return
        rows = [
            row
            for row in notifications.waiting_and_failed(session)
            if to is None or email_key(row.recipient) == email_key(to)
        ]
        counts = notifications.counts(session)
    console.print(
        t.gettext("At the registry: {waiting} waiting, {failed} given up on, {sent} sent.").format(
            waiting=counts.get(NotificationStatus.WAITING, 0),
            failed=counts.get(NotificationStatus.FAILED, 0),
            sent=counts.get(NotificationStatus.SENT, 0),
        )
    )
    if not rows:
        return
    if stdout_is_terminal():
        console.print(_queue_table(t, rows[: args.limit]))
    else:
        print_json_lines(_queue_record(row) for row in rows[: args.limit])


def _queue_record(row: NotificationRecord) -> dict[str, object]:
    """One queued message as a JSON line (``queue`` tells it from the file outbox's lines)."""
    return {
        "queue": "registry",
        "created_at": row.created_at.isoformat(),
        "status": str(row.status),
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "to": row.recipient,
        "kind": row.kind,
        "error": row.error,
    }


def _outbox_record(line: OutboxLine) -> dict[str, object]:
    """One message as a JSON line: what the table shows, in the outbox's own values."""
    return {
        "created_at": line.created_at.isoformat(),
        "channel": line.channel.value,
        "to": line.to,
        "kind": line.kind,
        "subject": line.subject,
        "code": line.meta.get("code"),
    }


def _outbox(args: argparse.Namespace) -> int:
    console, t = for_people(), Translator()
    path = settings_from_args(args).notify_config.outbox
    to = _address(args.to) if args.to else None
    _queue(console, t, args, to)
    if args.retry:
        return 0
    lines = FileOutbox(path).latest(args.limit, to=to)
    if not lines:
        console.print(t.gettext("No messages in the outbox {path}.").format(path=path))
        return 0
    if stdout_is_terminal():
        console.print(_outbox_table(t, path, lines))
    else:
        print_json_lines(_outbox_record(line) for line in lines)
    return 0
