"""How a failed ``registry`` command ends: one line on stderr and an exit status, no traceback.

Every command's exception passes through :func:`describe`, which names the failure for an
operator (a database that does not answer, a file that cannot be read, a setting that is not
allowed, a refusal of the rules in the operator's language) without the stack; ``registry
--debug COMMAND`` lets the exception through with its traceback instead.

Exit statuses: 1 the command failed or was refused, 2 the command line or the settings are wrong
(argparse's own status for bad usage), 3 the database cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The command failed, or the rules refused it.
EXIT_FAILED: Final = 1
#: The command line or the settings cannot be used.
EXIT_USAGE: Final = 2
#: The database does not answer (a service manager may try again later).
EXIT_DATABASE: Final = 3


class CommandError(Exception):
    """A command's own failure, already worded for the operator."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Failure:
    """What is printed (after ``registry: ``) and the exit status."""

    line: str
    status: int


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


def _where(url: str | None) -> str:
    if not url:
        return "the database"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database"


def describe(error: BaseException, *, database_url: str | None = None) -> Failure:
    """The one line and the exit status for a command's exception.

    Args:
        error: What the command raised.
        database_url: The database the command was given (shown without its password).
    """
    from alembic.util.exc import CommandError as AlembicError
    from pydantic import ValidationError
    from sqlalchemy.exc import (
        ArgumentError,
        DBAPIError,
        InterfaceError,
        OperationalError,
        SQLAlchemyError,
    )

    from kiosk.domain.errors import DomainError
    from kiosk.domain.i18n import Translator

    if isinstance(error, CommandError):
        return Failure(str(error), error.status)
    if isinstance(error, DomainError):
        return Failure(Translator().explain(error), EXIT_FAILED)
    if isinstance(error, OperationalError | InterfaceError):
        # A connection refused, a name not resolved, a SQLite file that cannot be opened.
        reason = _first_line(error.orig) if error.orig is not None else _first_line(error)
        return Failure(f"cannot use {_where(database_url)}: {reason}", EXIT_DATABASE)
    if isinstance(error, ArgumentError):
        return Failure(f"not a database URL the registry can use: {_first_line(error)}", EXIT_USAGE)
    if isinstance(error, DBAPIError):
        reason = _first_line(error.orig) if error.orig is not None else _first_line(error)
        return Failure(f"the database refused: {reason}", EXIT_FAILED)
    if isinstance(error, SQLAlchemyError):
        return Failure(f"database error: {_first_line(error)}", EXIT_FAILED)
    if isinstance(error, AlembicError):
        return Failure(
            f"the database's schema cannot be brought to this release's: {_first_line(error)}",
            EXIT_FAILED,
        )
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'settings'}: {problem['msg']}"
            for problem in error.errors()
        )
        return Failure(f"the registry's settings are not valid: {problems}", EXIT_USAGE)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return Failure(f"{where}{error.strerror or _first_line(error)}", EXIT_FAILED)
    if isinstance(error, ValueError):
        return Failure(_first_line(error), EXIT_FAILED)
    return Failure(
        f"unexpected {type(error).__name__}: {_first_line(error)} "
        "(`registry --debug …` shows the traceback)",
        EXIT_FAILED,
    )
