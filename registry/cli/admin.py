"""``registry add-kiosk``, ``add-staff``, ``revoke-kiosk``, ``end-staff-sessions``: the
administrator's commands.

They print machine-readable JSON on stdout (a token, an id, a password made for the operator).
``add-staff`` reads a password from a prompt that does not echo it, or from standard input
(``--password-stdin``); on the command line (``--password``) it would land in the shell's history.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from kiosk.domain.clock import utc_now
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.wire import StaffRole
from registry.cli.common import (
    add_database_arguments,
    print_json,
    run_in_session,
    settings_from_args,
)
from registry.cli.failures import CommandError


@contextmanager
def _school_on_the_roster(code: str) -> Iterator[None]:
    """Turns the rules' "unknown school" (worded for parents) into the operator's next step."""
    try:
        yield
    except DomainError as error:
        if error.code is ErrorCode.SCHOOL_UNKNOWN:
            raise CommandError(f"unknown school code {code}; import the roster first") from None
        raise


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds the administrator's commands to the ``registry`` command line."""
    kiosk = subparsers.add_parser("add-kiosk", help="register a kiosk; print its one-time token")
    add_database_arguments(kiosk)
    kiosk.add_argument(
        "--school", required=True, metavar="CODE", help="the school's code, as in the roster"
    )
    kiosk.set_defaults(handler=_add_kiosk)

    staff = subparsers.add_parser("add-staff", help="add a homeroom teacher or a school admin")
    add_database_arguments(staff)
    staff.add_argument("--username", required=True, help="the login (e.g. 353301.t1)")
    staff.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in StaffRole],
        help="teacher: their homeroom classes; admin: the whole school",
    )
    staff.add_argument(
        "--school", required=True, metavar="CODE", help="the school's code, as in the roster"
    )
    staff.add_argument("--name", help="display name (the username when not given)")
    given = staff.add_mutually_exclusive_group()
    given.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input "
        "(without it: asked for without echo on a terminal; elsewhere a random one is made "
        "and printed; an empty answer makes a random one too)",
    )
    given.add_argument(
        "--password",
        help="the password on the command line: avoid, it lands in the shell's history",
    )
    staff.set_defaults(handler=_add_staff)

    revoke = subparsers.add_parser(
        "revoke-kiosk", help="take a kiosk out of service: its tokens are refused from now on"
    )
    add_database_arguments(revoke)
    revoke.add_argument("kiosk_id", help="the kiosk's id (k-…), as add-kiosk printed it")
    revoke.set_defaults(handler=_revoke_kiosk)

    end = subparsers.add_parser(
        "end-staff-sessions", help="end every staff token of a username issued until now"
    )
    add_database_arguments(end)
    end.add_argument("username", help="the staff login whose sessions end")
    end.set_defaults(handler=_end_staff_sessions)


def _add_kiosk(args: argparse.Namespace) -> int:
    from registry.services.kiosks import add_kiosk

    settings = settings_from_args(args)
    with _school_on_the_roster(args.school):
        made = run_in_session(
            settings,
            lambda session: add_kiosk(
                session, school_code=args.school, now=utc_now(), limits=settings.limits
            ),
        )
    print_json(
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
    chosen = _password(args)
    password = chosen or secrets.token_urlsafe(12)

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
                now=utc_now(),
                hasher=settings.password_hashing.hasher(),
            )
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
        return account.id

    with _school_on_the_roster(args.school):
        staff_id = run_in_session(settings, work)
    made: dict[str, object] = {
        "staff_id": staff_id,
        "username": args.username,
        "role": args.role,
        "school_code": args.school,
    }
    if chosen is None:  # made here: the operator must learn it (a chosen one is not repeated)
        made["password"] = password
    print_json(made)
    return 0


def _password(args: argparse.Namespace) -> str | None:
    """The password the operator chose, or None for a random one.

    From ``--password-stdin`` (the first line of standard input), ``--password`` (with a warning),
    or a prompt without echo when standard input is a terminal (asked twice).
    """
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CommandError("--password-stdin: standard input gave no password")
        return line
    if args.password is not None:
        print(
            "registry: warning: --password lands in the shell's history; "
            "use the prompt or --password-stdin",
            file=sys.stderr,
        )
        return str(args.password)
    if not sys.stdin.isatty():
        return None
    import getpass

    first = getpass.getpass(f"Password for {args.username} (empty: make a random one): ")
    if not first:
        return None
    if getpass.getpass("The same again: ") != first:
        raise CommandError("the two passwords differ; nothing was changed")
    return first


def _revoke_kiosk(args: argparse.Namespace) -> int:
    from registry.services.kiosks import revoke_kiosk

    settings = settings_from_args(args)
    revoked = run_in_session(
        settings, lambda session: revoke_kiosk(session, args.kiosk_id, now=utc_now()).revoked_at
    )
    print_json({"kiosk_id": args.kiosk_id, "revoked_at": revoked})
    return 0


def _end_staff_sessions(args: argparse.Namespace) -> int:
    from registry.services.accounts import end_staff_sessions

    settings = settings_from_args(args)
    ended = run_in_session(
        settings,
        lambda session: end_staff_sessions(session, args.username, now=utc_now()).sessions_ended_at,
    )
    print_json({"username": args.username, "sessions_ended_at": ended})
    return 0
