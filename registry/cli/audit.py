"""``registry audit``: the audit log, filtered by school, staff member, action and date.

On a terminal a rich table in the operator's language; piped, one JSON object per line (for
``jq`` and log shippers), with the same fields.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from registry.cli.common import add_database_arguments, database_sessions, settings_from_args
from registry.cli.output import folding_table, print_json_lines, stdout_is_terminal
from registry.services.audit import AuditRow, list_events

#: Dates on the command line are school days in Taipei.
TAIPEI: Final = ZoneInfo("Asia/Taipei")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``audit`` to the ``registry`` command line."""
    audit = subparsers.add_parser(
        "audit",
        help="list the audit log (a table on a terminal, JSON lines when piped)",
    )
    add_database_arguments(audit)
    audit.add_argument("--school", metavar="CODE", help="only this school's")
    audit.add_argument("--staff", metavar="LOGIN", help="only this staff member's")
    audit.add_argument("--action", help="only this action, e.g. binding.approve")
    audit.add_argument(
        "--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="from this day (Taipei)"
    )
    audit.add_argument(
        "--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="to this day (included)"
    )
    audit.add_argument("-n", "--limit", type=int, default=1000, help="at most (default 1000)")
    audit.set_defaults(handler=_audit)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=TAIPEI)


def _audit(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    with database_sessions(settings) as sessions, sessions() as session:
        rows = list_events(
            session,
            school=args.school,
            staff=args.staff,
            action=args.action,
            since=_start_of(args.since) if args.since else None,
            until=_start_of(args.until + timedelta(days=1)) if args.until else None,
            limit=args.limit,
        )
    if stdout_is_terminal():
        Console().print(_table(Translator(), rows))
    else:
        print_json_lines(_line(row) for row in rows)
    return 0


def _line(row: AuditRow) -> dict[str, Any]:
    return {
        "at": row.at.isoformat(),
        "actor": row.actor,
        "staff": row.staff,
        "school": row.school,
        "action": row.action,
        "subject": row.subject,
        "kiosk": row.kiosk,
        "detail": row.detail,
    }


def _table(t: Translator, rows: list[AuditRow]) -> Table:
    columns = (N_("When"), N_("Who"), N_("School"), N_("Action"), N_("Subject"), N_("Kiosk"))
    table = folding_table(
        t.gettext("Audit log"), [t.gettext(column) for column in (*columns, N_("Detail"))]
    )
    for row in rows:
        when = row.at if row.at.tzinfo else row.at.replace(tzinfo=ZoneInfo("UTC"))
        table.add_row(
            when.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M:%S"),
            row.staff or row.actor,
            row.school or "",
            row.action,
            row.subject or "",
            row.kiosk or "",
            json.dumps(row.detail, ensure_ascii=False) if row.detail else "",
        )
    return table
