"""不通過: the reason the parent will read, asked for over the review queue."""

from __future__ import annotations

from typing import Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.domain.errors import N_, DomainError
from kiosk.domain.i18n import Translator
from kiosk.domain.review import MAX_REASON, clean_reason

HEADING: Final = N_("Not approved: {student}")
EXPLAIN: Final = N_("The parent reads this reason beside 「Not approved」. Say what to correct.")
BLANK: Final = N_("Please write the reason (at most {max} characters).")
CANCEL: Final = N_("Cancel")
CONFIRM: Final = N_("Not approved")


class RejectScreen(ModalScreen[str | None]):
    """Dismisses with the reason, cleaned (:func:`kiosk.domain.review.clean_reason`), or None.

    Args:
        translator: The words on screen.
        student: The student's name, in the heading.
    """

    def __init__(self, translator: Translator, *, student: str) -> None:
        super().__init__(classes="staff")
        self._ = translator.gettext
        self._student = student

    def compose(self) -> ComposeResult:
        """Heading, the reason and the two buttons."""
        _ = self._
        with Vertical(id="reject-dialog"):
            yield Static(_(HEADING).format(student=self._student), classes="heading")
            yield Static(_(EXPLAIN), classes="intro")
            yield Input(id="reject-reason", max_length=MAX_REASON * 2)
            yield Static("", id="reject-error")
            with Horizontal(classes="staff-actions"):
                yield Button(_(CANCEL), id="reject-cancel")
                yield Static(classes="spacer")
                yield Button(_(CONFIRM), id="reject-confirm", variant="error")

    def on_mount(self) -> None:
        """The reason has the focus."""
        self.query_one("#reject-reason", Input).focus()

    @on(Input.Submitted, "#reject-reason")
    @on(Button.Pressed, "#reject-confirm")
    def _confirm(self) -> None:
        typed = self.query_one("#reject-reason", Input).value
        try:
            reason = clean_reason(typed)
        except DomainError:
            self.query_one("#reject-error", Static).update(self._(BLANK).format(max=MAX_REASON))
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#reject-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
