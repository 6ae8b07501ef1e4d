"""臨櫃核對身分: the signed-in staff member confirms they saw the parent's identity document.

Pushed by the wizard over the parent's contact or code step in assisted mode (協助家長申請).
The staff member chooses the document they saw and ticks that they checked it against the parent
standing there; 確認核對 then asks the registry for the parent's session on their word (their
staff token and the kiosk's; the registry audits it and counts the day's verifications). The
screen dismisses with the registry's answer, or None on 取消 (back to the parent's step).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Select, Static

from kiosk.domain.contact import Contact
from kiosk.domain.documents import DOCUMENT_WORDS, IdDocument
from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.in_person import InPersonOut
from kiosk.domain.masking import mask_contact
from screens.staff.base import StaffScreen

HEADING: Final = N_("Verify the parent's identity at the counter")
EXPLAIN: Final = N_(
    "Only for a parent standing here whose code cannot arrive. Look at the parent's identity "
    "document and check it against the parent. The application is marked as verified in person "
    "by you, and the registry records it."
)
CONTACT: Final = N_("Contact given: {contact}")
DOCUMENT: Final = N_("Document seen")
CHOOSE_DOCUMENT: Final = N_("Choose the document")
SEEN: Final = N_("I saw this document and it belongs to the parent in front of me")
CANCEL: Final = N_("Cancel")
CONFIRM: Final = N_("Confirm verification")
NO_DOCUMENT: Final = N_("Please choose the document you saw.")
NOT_TICKED: Final = N_("Please tick that you saw the document and checked it against the parent.")

#: Asks the registry for the parent's session on the staff member's word.
Vouch = Callable[[IdDocument], Awaitable[InPersonOut]]


class InPersonScreen(StaffScreen[InPersonOut | None]):
    """Dismisses with the parent's session (the registry's answer), or None on 取消.

    Args:
        translator: The words on screen.
        who: The signed-in staff member's name (this is a staff screen).
        contact: The contact the parent gave (shown masked).
        vouch: Asks the registry, with the document chosen.
    """

    def __init__(self, translator: Translator, *, who: str, contact: Contact, vouch: Vouch) -> None:
        super().__init__(translator, who=who)
        self._contact = contact
        self._vouch = vouch

    def compose_body(self) -> ComposeResult:
        """What this is, the contact, the document, the confirmation and the two buttons."""
        _ = self._
        yield Static(_(HEADING), classes="heading")
        yield Static(_(EXPLAIN), classes="intro")
        yield Static(_(CONTACT).format(contact=mask_contact(self._contact)), id="in-person-contact")
        yield Static(_(DOCUMENT), classes="label")
        yield Select(
            [(_(DOCUMENT_WORDS[document]), document) for document in IdDocument],
            prompt=_(CHOOSE_DOCUMENT),
            id="in-person-document",
        )
        yield Checkbox(_(SEEN), id="in-person-seen")
        with Horizontal(classes="staff-actions", id="in-person-actions"):
            yield Button(_(CANCEL), id="in-person-cancel", compact=True)
            yield Static(classes="spacer")
            yield Button(_(CONFIRM), id="in-person-confirm", variant="warning", compact=True)

    def on_mount(self) -> None:
        """The document chooser has the focus."""
        self.query_one("#in-person-document", Select).focus()

    @on(Button.Pressed, "#in-person-confirm")
    def _confirm(self) -> None:
        chosen = self.query_one("#in-person-document", Select).value
        if not isinstance(chosen, IdDocument):
            self.show_error(self._(NO_DOCUMENT))
            return
        if not self.query_one("#in-person-seen", Checkbox).value:
            self.show_error(self._(NOT_TICKED))
            return
        self.call(
            self.query_one("#in-person-confirm", Button),
            lambda: self._vouch(chosen),
            self.dismiss,
        )

    @on(Button.Pressed, "#in-person-cancel")
    def _cancel(self) -> None:
        if not self.is_busy:
            self.dismiss(None)
