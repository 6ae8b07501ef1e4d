"""A kiosk disk that fills up on demand, injected where SQLite would say so.

A loopback mount is not available to the tests; SQLite's own answer to a full disk is
``sqlite3.OperationalError('database or disk is full')`` from the statement that needed the space,
which is what :class:`DiskFull` raises from the engine's connection events, for the statements
chosen, while it is :attr:`~DiskFull.full`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event


class DiskFull:
    """Makes writes on ``engine`` fail as on a full disk while :attr:`full` is set.

    Args:
        engine: The kiosk's database engine.
        verbs: The statements that fail (their first word): by default every write.
    """

    def __init__(self, engine: Engine, verbs: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")):
        self.full = False
        self.failed = 0
        self._engine = engine
        self._verbs = verbs
        event.listen(engine, "before_cursor_execute", self._write)

    def close(self) -> None:
        """Stops listening (the disk works again for good)."""
        event.remove(self._engine, "before_cursor_execute", self._write)

    def _write(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.full and statement.lstrip().upper().startswith(self._verbs):
            self.failed += 1
            raise sqlite3.OperationalError("database or disk is full")
