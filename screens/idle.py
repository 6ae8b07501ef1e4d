"""「仍在使用嗎？」: the countdown a kiosk left alone shows before it wipes the parent's session.

The app pushes it over whatever step is shown when the idle time is up, and updates the seconds
left (:meth:`StillThereScreen.show_seconds_left`) as its watch ticks. Any key, any click or the
button dismisses it: the parent goes on where they were. If nobody answers, the app wipes the
session and this screen goes with the rest.
"""

from __future__ import annotations

from typing import Final

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator

STILL_THERE: Final = N_("Are you still there?")
COUNTDOWN: Final = N_(
    "To protect your personal data, this application will be cleared in {seconds} s and the "
    "kiosk will start again for the next parent."
)
GO_ON: Final = N_("I'm still here")


class StillThereScreen(ModalScreen[None]):
    """The idle countdown: a question, the seconds left and a button to go on.

    Args:
        translator: The words on screen.
        seconds_left: The seconds left when it is first shown.
    """

    def __init__(self, translator: Translator, seconds_left: int) -> None:
        super().__init__()
        self._ = translator.gettext
        self._seconds_left = seconds_left
        self._answered = False

    def compose(self) -> ComposeResult:
        """The question, the countdown and the button."""
        _ = self._
        with Vertical(id="idle-dialog"):
            yield Static(_(STILL_THERE), id="idle-question", classes="heading")
            yield Static(self._countdown_text(), id="idle-countdown")
            with Horizontal(classes="actions"):
                yield Static(classes="spacer")
                yield Button(_(GO_ON), id="idle-go-on", variant="primary")

    def on_mount(self) -> None:
        """The button has the focus: Enter goes on."""
        self.query_one("#idle-go-on", Button).focus()

    @property
    def seconds_left(self) -> int:
        """The seconds left, as shown."""
        return self._seconds_left

    def show_seconds_left(self, seconds: int) -> None:
        """Updates the countdown."""
        if seconds != self._seconds_left:
            self._seconds_left = seconds
            self.query_one("#idle-countdown", Static).update(self._countdown_text())

    def _countdown_text(self) -> str:
        return self._(COUNTDOWN).format(seconds=self._seconds_left)

    @on(Button.Pressed, "#idle-go-on")
    def _go_on(self) -> None:
        self.go_on()

    def on_key(self, event: events.Key) -> None:
        """Any key says someone is there."""
        event.stop()
        self.go_on()

    def on_click(self, event: events.Click) -> None:
        """So does a tap anywhere (on release: the screen below gets no half of it)."""
        event.stop()
        self.go_on()

    def go_on(self) -> None:
        """Back to the step below (once, however many keys and taps said so)."""
        if not self._answered:
            self._answered = True
            self.dismiss(None)
