"""Why a form could not be made, printed or saved: typed errors carrying words for staff.

The words are gettext message ids with ``{named}`` parameters, like
:data:`kiosk.domain.errors.MESSAGES`; :meth:`FormError.words` gives them in the kiosk's language.
Parameters hold paths, printer names and system messages, never personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kiosk.domain.i18n import Translator


class FormError(Exception):
    """The application form could not be made or delivered.

    Args:
        message: The words for staff, as a gettext message id (marked with ``N_``).
        **params: The values its ``{named}`` parameters take.

    Attributes:
        message: The gettext message id.
        params: Its parameters.
    """

    def __init__(self, message: str, /, **params: str | int) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params: Mapping[str, str | int] = MappingProxyType(dict(params))

    def words(self, translator: Translator) -> str:
        """The words for staff in ``translator``'s language, parameters filled in."""
        return translator.gettext(self.message).format(**self.params)


class FontMissing(FormError):  # noqa: N818 - reads as "the font is missing"
    """No font for Chinese text was found: the form cannot be made until one is installed."""


class PrintFailed(FormError):  # noqa: N818 - reads as "printing failed"
    """The print service refused the form, was not there, or did not answer in time."""


class SaveFailed(FormError):  # noqa: N818 - reads as "saving failed"
    """The form could not be written to the configured folder."""
