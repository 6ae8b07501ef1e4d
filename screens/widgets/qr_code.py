"""A QR code drawn in the terminal, for a phone camera to read off the screen.

The symbol is the ``qrcode`` package's, with error correction M and the standard quiet zone of 4
modules. Each character cell shows two modules, one above the other, with the half-block
characters ``▀ ▄ █`` and the space, in pure black on pure white whatever the theme (a camera needs
the contrast, and a dark theme would otherwise invert the code).

Size limit: the symbol may be at most version 4 (33×33 modules, 41×41 with the quiet zone), which
takes 41 cells by 21 rows. At error correction M, version 4 holds 62 bytes, so any URL of at most
62 ASCII characters fits; a longer one raises :class:`QrTooLarge`.
"""

from __future__ import annotations

import functools
from typing import ClassVar, Final, TypeAlias

from textual.color import Color
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

#: The largest symbol version drawn: 33×33 modules.
MAX_VERSION: Final = 4
#: The light border around the symbol, in modules (the standard's minimum).
QUIET_ZONE: Final = 4
#: The longest URL that always fits (the byte capacity of version 4 at error correction M).
MAX_URL_LENGTH: Final = 62
#: The widest symbol with its quiet zone, in modules (= cells): 41.
MAX_SIZE: Final = 17 + 4 * MAX_VERSION + 2 * QUIET_ZONE
#: The colours of the modules: never the theme's.
DARK: Final = "#000000"
LIGHT: Final = "#FFFFFF"

Matrix: TypeAlias = tuple[tuple[bool, ...], ...]
"""Rows of modules, top to bottom, quiet zone included: True for a dark module."""

# (upper dark, lower dark) → the cell drawing them in the dark foreground on the light background.
_HALF_BLOCKS: Final = {
    (False, False): " ",
    (True, False): "▀",
    (False, True): "▄",
    (True, True): "█",
}


class QrTooLarge(ValueError):  # noqa: N818 - reads as "the QR code is too large"
    """The text needs a symbol larger than version 4 (more than 62 bytes at error correction M)."""


def qr_matrix(url: str) -> Matrix:
    """The modules of the QR code of ``url``: error correction M, a 4-module quiet zone.

    Args:
        url: What the code holds (at most :data:`MAX_URL_LENGTH` ASCII characters always fit).

    Raises:
        QrTooLarge: When the symbol would be larger than version 4.
    """
    import qrcode  # on first use: not before the kiosk's Welcome
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    if code.version > MAX_VERSION:
        raise QrTooLarge(
            f"a URL of {len(url)} characters needs QR version {code.version}; "
            f"at most {MAX_URL_LENGTH} characters fit version {MAX_VERSION}"
        )
    return tuple(tuple(bool(module) for module in row) for row in code.get_matrix())


def qr_rows(url: str) -> list[str]:
    """The QR code of ``url`` as lines of text, two modules a cell (``▀ ▄ █`` and space).

    Draw them dark on light (black on white). A symbol has an odd number of module rows, so the
    last line's lower halves are light, as the quiet zone is.

    Args:
        url: What the code holds (see :func:`qr_matrix`).

    Raises:
        QrTooLarge: When the symbol would be larger than version 4.
    """
    matrix = qr_matrix(url)
    light_row = tuple(False for _ in matrix[0])
    rows: list[str] = []
    for top in range(0, len(matrix), 2):
        upper = matrix[top]
        lower = matrix[top + 1] if top + 1 < len(matrix) else light_row
        rows.append("".join(_HALF_BLOCKS[pair] for pair in zip(upper, lower, strict=True)))
    return rows


@functools.lru_cache(maxsize=8)
def _drawn(url: str) -> tuple[str, ...]:
    """The rows of a widget's code, kept for the few URLs a kiosk shows (none when empty)."""
    return tuple(qr_rows(url)) if url else ()


class QrCode(Widget):
    """A QR code of a URL, black on white with its quiet zone, sized to the code.

    A version 4 code (any URL of up to 62 characters) takes 41 cells by 21 rows; shorter URLs
    may give smaller codes. An empty URL shows nothing.
    """

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
        /* The code's own colours, not the theme's: a camera needs black on white. */
        background: #FFFFFF;
        color: #000000;
    }
    """

    url: reactive[str] = reactive("", layout=True)
    """The URL the code holds (at most 62 characters; longer raises :class:`QrTooLarge`)."""

    _STYLE: ClassVar[Style] = Style(background=Color.parse(LIGHT), foreground=Color.parse(DARK))

    def __init__(
        self,
        url: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the code.

        Args:
            url: The URL to show.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.

        Raises:
            QrTooLarge: When ``url`` needs a symbol larger than version 4.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(QrCode.url, self.validate_url(url))

    def validate_url(self, url: str) -> str:
        """Refuses a URL too long for a version 4 code (raising :class:`QrTooLarge`)."""
        _drawn(url)
        return url

    def render(self) -> Content:
        """The rows of the code in black on white."""
        return Content("\n").join(Content.styled(row, self._STYLE) for row in _drawn(self.url))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """One cell a module."""
        rows = _drawn(self.url)
        return len(rows[0]) if rows else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One row for two modules."""
        return len(_drawn(self.url))
