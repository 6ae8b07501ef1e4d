"""The personal-data statement (個資使用聲明) a parent accepts, with its version.

The text lives in ``statement.toml`` beside this module: one file, one version, one text per
language. Every application records :attr:`ConsentStatement.version`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

STATEMENT_FILE: Final = Path(__file__).with_name("statement.toml")


@dataclass(frozen=True, slots=True)
class ConsentStatement:
    """One version of the statement in one language.

    Attributes:
        version: What an application records as accepted.
        effective: The date this version took effect (ISO 8601).
        language: The language of ``text``.
        text: The full statement (Markdown).
    """

    version: str
    effective: str
    language: str
    text: str


def load_statement(language: str, *, path: Path = STATEMENT_FILE) -> ConsentStatement:
    """The statement in ``language``, or in Traditional Chinese where it has no such text.

    Raises:
        OSError: The file cannot be read.
        KeyError: The file has no text in ``language`` nor in ``zh_TW``.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    texts: dict[str, str] = data["text"]
    chosen = language if language in texts else "zh_TW"
    return ConsentStatement(
        version=str(data["version"]),
        effective=str(data["effective"]),
        language=chosen,
        text=texts[chosen].strip(),
    )
