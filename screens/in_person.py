"""The parent steps' hook for 臨櫃核對身分 (in-person verification), in assisted mode only.

When staff started the wizard beside a parent (協助家長申請 in the staff console) and no code can
reach the parent, the contact and code steps show one more button, 「臨櫃核對身分」; pressing it
ends the step with :class:`InPersonAsked` and the wizard hands over to the staff member's own
confirmation screen (:mod:`screens.staff.in_person`). The parent's screens show nothing of the
staff member: only this button, and only in assisted mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from textual.widgets import Button

from kiosk.domain.contact import Contact
from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator

IN_PERSON: Final = N_("Verify identity at the counter")
#: The button's id on the contact and code steps.
BUTTON_ID: Final = "in-person"


@dataclass(frozen=True, slots=True)
class InPersonAsked:
    """Staff are to verify the parent in person instead of a code.

    Attributes:
        contact: The contact the parent gave (checked as for a code).
        typed: The address as typed (shown again if the staff member cancels).
    """

    contact: Contact
    typed: str


def in_person_button(translator: Translator) -> Button:
    """「臨櫃核對身分」 (assisted mode only)."""
    return Button(translator.gettext(IN_PERSON), id=BUTTON_ID, variant="warning")
