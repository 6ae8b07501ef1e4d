"""What the ``registry`` commands print: for people, tables whose cells fold rather than cut; for a
pipe, one JSON object per line (for ``jq``, ``grep`` and log shippers).

Whether standard output is a terminal is rich's answer (``TTY_COMPATIBLE=1`` or ``FORCE_COLOR``
make it one). When it is not, stdout carries only the JSON lines and the words for people (a
summary, a hint) go to stderr, so a pipe gets nothing but records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (as rich sees it)."""
    return Console().is_terminal


def for_people() -> Console:
    """Where the words for people go: stdout on a terminal, else stderr (stdout is for records)."""
    return Console() if stdout_is_terminal() else Console(stderr=True)


def folding_table(title: str, columns: Iterable[str], **options: Any) -> Table:
    """A table whose every column folds a long cell (an email address, a login) onto more lines
    instead of cutting it with an ellipsis."""
    table = Table(title=title, **options)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def print_json_lines(records: Iterable[Mapping[str, Any]]) -> None:
    """Prints one JSON object per line on stdout, Chinese left readable."""
    for record in records:
        print(json.dumps(record, ensure_ascii=False, default=str))
