"""A question asked before something that cannot be undone: 取消 this binding, 註銷全部紀錄."""

from __future__ import annotations

from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator

KEEP: Final = N_("No, keep it")


class ConfirmScreen(ModalScreen[bool]):
    """Asks once more; dismisses with True only for the confirming button.

    Args:
        translator: Gives the words.
        question: What is asked (already in the parent's language).
        confirm: The confirming button's label (already in the parent's language).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "keep", show=False)]

    def __init__(self, translator: Translator, *, question: str, confirm: str) -> None:
        super().__init__()
        self._ = translator.gettext
        self._question = question
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        """The question; 不 on the left (focused), the confirming button on the right."""
        with Vertical(id="confirm-dialog"):
            yield Static(self._question, id="confirm-question")
            with Horizontal(classes="actions"):
                yield Button(self._(KEEP), id="confirm-keep")
                yield Static(classes="spacer")
                yield Button(self._confirm, id="confirm-yes", variant="error")

    def on_mount(self) -> None:
        """The safe answer has the focus: Enter alone changes nothing."""
        self.query_one("#confirm-keep").focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-keep")
    def action_keep(self) -> None:
        """Changes nothing."""
        self.dismiss(False)
