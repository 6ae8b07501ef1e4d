"""The progress page's QR code, full size over the page: a phone reads the status link off it.

The code of a 62-character link is 41 cells by 21 rows with its quiet zone: it fits an 80×24
terminal only without the page's header and footer around it, so it is shown over the page, with
a one-line caption above and a compact 關閉 below.
"""

from __future__ import annotations

from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from screens.widgets import QrCode

SCAN: Final = N_("Scan with a phone to follow the status")
CLOSE: Final = N_("Close")


class QrScreen(ModalScreen[None]):
    """The status page's QR code over the progress page.

    Args:
        translator: Gives the words.
        url: The status page's short link (at most 62 characters).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", show=False)]

    def __init__(self, translator: Translator, url: str) -> None:
        super().__init__()
        self._ = translator.gettext
        self._url = url

    def compose(self) -> ComposeResult:
        """Caption, code, 關閉."""
        with Vertical(id="qr-dialog"):
            yield Static(self._(SCAN), id="qr-caption")
            with Center():
                yield QrCode(self._url, id="qr")
            with Center():
                yield Button(self._(CLOSE), id="qr-close", compact=True)

    def on_mount(self) -> None:
        """關閉 has the focus: Enter closes."""
        self.query_one("#qr-close").focus()

    @on(Button.Pressed, "#qr-close")
    def action_close(self) -> None:
        """Back to the progress page."""
        self.dismiss(None)
