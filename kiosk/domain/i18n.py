"""Translations: gettext catalogs compiled from ``kiosk/locale/<lang>/LC_MESSAGES/kiosk.po``.

Message ids are English; every word a parent sees comes through a catalog (zh_TW is the default
language, ``en`` the other one a parent may choose). Catalogs are compiled to ``.mo`` by ``make``
(``pybabel compile``).

A parent may switch the language at any step: the kiosk's one :class:`Translator` then speaks the
other language (:meth:`Translator.use`), and the words already on screen are told again in it
(:meth:`Translator.retell`), so nothing entered is rebuilt or lost.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import urlsplit, urlunsplit

from kiosk.domain.errors import MESSAGES, N_, DomainError, ErrorCode

LOCALE_DIR: Final = Path(__file__).parent.parent / "locale"
DOMAIN: Final = "kiosk"
#: A language a parent can choose (the wire carries it: the registry writes to them in it).
Language = Literal["zh_TW", "en"]
DEFAULT_LANGUAGE: Final[Language] = "zh_TW"
#: The languages a parent can choose, each named in its own words (as the switch shows it).
LANGUAGES: Final[Mapping[str, str]] = MappingProxyType({"zh_TW": "中文", "en": "English"})
#: A date as a parent reads it: ISO in English; the catalog gives 民國 years in Chinese.
DATE: Final = N_("{year:04d}-{month:02d}-{day:02d}")
#: Where the status page (the QR target) is served in each language: a path of the same length
#: for each, since its link must stay within the 62 characters a small QR code holds (no room
#: for a ``?lang=`` query).
STATUS_PAGE_PATHS: Final[Mapping[str, str]] = MappingProxyType({"zh_TW": "/s/", "en": "/e/"})


class Translator:
    """Turns message ids and error codes into the words of one language.

    Args:
        language: A catalog name under ``kiosk/locale`` (``zh_TW``). Missing catalogs fall back
            to the message ids themselves.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language
        self._catalog = _catalog(language)
        # What was said in each language, back to its message id: the words on screen are
        # told again in another language from these (see retell).
        self._said: dict[str, dict[str, str]] = {}

    def use(self, language: str) -> None:
        """Speaks ``language`` from now on (what holds this translator follows at once)."""
        if language != self.language:
            self.language = language
            self._catalog = _catalog(language)

    @property
    def chosen(self) -> Language:
        """The language spoken now, as the wire names it (what the registry writes to the parent
        in): English, or else Traditional Chinese."""
        return "en" if self.language == "en" else DEFAULT_LANGUAGE

    def next_language(self) -> str:
        """The language the switch offers: the one after this one in :data:`LANGUAGES`."""
        names = list(LANGUAGES)
        index = names.index(self.language) if self.language in names else -1
        return names[(index + 1) % len(names)]

    def gettext(self, message: str) -> str:
        """Translates one message id."""
        words = self._catalog.gettext(message)
        self._said.setdefault(self.language, {})[words] = message
        return words

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translates a message with a count."""
        words = self._catalog.ngettext(singular, plural, n)
        self._said.setdefault(self.language, {})[words] = singular if n == 1 else plural
        return words

    def retell(self, words: str, language: str) -> str | None:
        """``words`` said earlier in ``language``, in this translator's language now.

        Returns:
            The words in the current language, or None when ``words`` is not something this
            translator said in ``language`` (a name, a number, or words filled with values).
        """
        message = self._said.get(language, {}).get(words)
        if message is None:
            return None
        return self.gettext(message)

    def date(self, day: date) -> str:
        """A date in this language's way: ``2026-11-30``, or ``民國115年11月30日``."""
        return self.gettext(DATE).format(
            year=day.year, month=day.month, day=day.day, roc_year=day.year - 1911
        )

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


def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def with_language(url: str, language: str) -> str:
    """A status-page link that opens in ``language``: the same token under that language's path.

    Args:
        url: The link the registry gave (under :data:`STATUS_PAGE_PATHS`' default path).
        language: The kiosk's language when the link is shown.
    """
    parts = urlsplit(url)
    wanted = STATUS_PAGE_PATHS.get(language)
    for path in STATUS_PAGE_PATHS.values():
        if wanted is not None and parts.path.startswith(path):
            return urlunsplit(parts._replace(path=wanted + parts.path.removeprefix(path)))
    return url
