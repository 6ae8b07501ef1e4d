"""Translations: gettext catalogs compiled from ``kiosk/locale/<lang>/LC_MESSAGES/kiosk.po``.

Message ids are English; every word a parent sees comes through a catalog (zh_TW is the default
language). Catalogs are compiled to ``.mo`` by ``make`` (``pybabel compile``).
"""

from __future__ import annotations

import gettext
from pathlib import Path
from typing import Final

from kiosk.domain.errors import MESSAGES, DomainError, ErrorCode

LOCALE_DIR: Final = Path(__file__).parent.parent / "locale"
DOMAIN: Final = "kiosk"
DEFAULT_LANGUAGE: Final = "zh_TW"


class Translator:
    """Turns message ids and error codes into the words of one language.

    Args:
        language: A catalog name under ``kiosk/locale`` (``zh_TW``). Missing catalogs fall back
            to the message ids themselves.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language
        self._catalog: gettext.NullTranslations = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True
        )

    def gettext(self, message: str) -> str:
        """Translates one message id."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translates a message with a count."""
        return self._catalog.ngettext(singular, plural, n)

    def explain(
        self, error: DomainError | ErrorCode, params: dict[str, str | int] | None = None
    ) -> str:
        """The words for an error code, with its parameters filled in.

        Args:
            error: A :class:`DomainError`, or a bare code (as the registry sends it).
            params: The parameters when ``error`` is a bare code.
        """
        if isinstance(error, DomainError):
            code, values = error.code, dict(error.params)
        else:
            code, values = error, dict(params or {})
        template = self.gettext(MESSAGES[code])
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            # A parameter missing from the wire must not hide the message itself.
            return template
