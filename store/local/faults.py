"""Faults of the kiosk's own database, named where they belong.

A full disk or a damaged database is the kiosk's fault, not the registry's: :class:`FaultWatch`,
attached to the local engine, names each such failure by kind and SQLite error name in the log
(never the statement or its values: they may hold personal data), keeps the last one for kiosk
health, and raises ``DomainError(KIOSK_FAULT)`` in its place, so the parent reads
「本機發生問題，請洽學校辦公室。」 and the sync worker puts its work off instead of calling the
application refused. Constraint failures (``IntegrityError``) are left alone: they are answers
the store handles itself.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from kiosk.domain.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)


class FaultKind(StrEnum):
    """What went wrong with the local database."""

    DISK_FULL = "disk_full"
    DAMAGED = "database_damaged"
    IO_ERROR = "io_error"
    READ_ONLY = "read_only"
    CANNOT_OPEN = "cannot_open"


# SQLite's primary result codes (the low byte of an extended code) of each kind.
_BY_CODE: Final = {
    13: FaultKind.DISK_FULL,  # SQLITE_FULL
    11: FaultKind.DAMAGED,  # SQLITE_CORRUPT
    26: FaultKind.DAMAGED,  # SQLITE_NOTADB
    10: FaultKind.IO_ERROR,  # SQLITE_IOERR
    8: FaultKind.READ_ONLY,  # SQLITE_READONLY
    14: FaultKind.CANNOT_OPEN,  # SQLITE_CANTOPEN
}
# SQLite's own messages of each kind, for errors that carry no code.
_BY_MESSAGE: Final = (
    ("disk is full", FaultKind.DISK_FULL),
    ("disk image is malformed", FaultKind.DAMAGED),
    ("file is not a database", FaultKind.DAMAGED),
    ("disk i/o error", FaultKind.IO_ERROR),
    ("readonly database", FaultKind.READ_ONLY),
    ("unable to open database", FaultKind.CANNOT_OPEN),
)


@dataclass(frozen=True, slots=True)
class LocalFault:
    """The last fault of the local database (kiosk health shows it).

    Attributes:
        kind: What went wrong.
        errno: SQLite's error name (``SQLITE_FULL``, ...), when the error carried one.
        at: When.
    """

    kind: FaultKind
    errno: str | None
    at: datetime


def classify(error: BaseException) -> tuple[FaultKind, str | None] | None:
    """The kind and SQLite error name of a local database fault; None for anything else."""
    if not isinstance(error, sqlite3.DatabaseError) or isinstance(error, sqlite3.IntegrityError):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(code, int) and code & 0xFF in _BY_CODE:
        return _BY_CODE[code & 0xFF], name
    text = str(error).lower()
    for words, kind in _BY_MESSAGE:
        if words in text:
            return kind, name
    return None


class FaultWatch:
    """Watches one engine's failures; see the module's docstring.

    Attributes:
        last: The last fault seen (None: none since the kiosk started).
    """

    def __init__(self) -> None:
        self.last: LocalFault | None = None

    def attach(self, engine: Engine) -> None:
        """Starts watching ``engine`` (the kiosk's local SQLite engine)."""
        event.listen(engine, "handle_error", self._failed)

    def _failed(self, context: ExceptionContext) -> None:
        named = classify(context.original_exception)
        if named is None:
            return
        kind, errno = named
        self.last = LocalFault(kind, errno, datetime.now(UTC))
        log.error("local database fault: %s (%s)", kind.value, errno or "no error code")
        raise DomainError(ErrorCode.KIOSK_FAULT, kind=kind.value)
