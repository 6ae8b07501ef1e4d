"""Step 0: 親子綁定 starts a new application; 查詢申請進度 re-verifies a contact."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from kiosk.domain.errors import N_
from screens.base import WizardScreen

HEADING: Final = N_("Parent–student binding")
INTRO: Final = N_(
    "Parents and guardians apply here for a Taipei campus single sign-on parent account and "
    "bind it to their children. Have your email or mobile phone and your child's ID number "
    "at hand."
)
PROGRESS_INTRO: Final = N_(
    "To check an application, verify the same email or mobile phone again and the progress "
    "page opens."
)
APPLY: Final = N_("Parent–student binding")
CHECK_PROGRESS: Final = N_("Check application progress")
HELP: Final = N_(
    "**Parent–student binding**: press 「Parent–student binding」 to apply. You will verify "
    "your email or mobile phone with a code, choose your children, read and accept the "
    "personal-data statement, fill in your details and sign.\n\n"
    "**Check application progress**: verify the email or mobile phone you applied with; the "
    "progress page shows each student's status."
)


class WelcomeChoice(StrEnum):
    """What the parent came for."""

    APPLY = "apply"
    CHECK_PROGRESS = "check_progress"


@dataclass(frozen=True, slots=True)
class Welcomed:
    """The parent chose what to do."""

    choice: WelcomeChoice


class WelcomeScreen(WizardScreen[Welcomed]):
    """The first screen: two large buttons."""

    STEP: ClassVar[int] = 0
    HELP: ClassVar[str] = HELP

    def compose_body(self) -> ComposeResult:
        """The heading, what this is, and the two choices."""
        _ = self._
        yield Static(_(HEADING), classes="heading")
        yield Static(_(INTRO), classes="intro")
        yield Button(_(APPLY), id="apply", variant="primary", classes="large")
        yield Button(_(CHECK_PROGRESS), id="check-progress", classes="large")
        yield Static(_(PROGRESS_INTRO), classes="hint")

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        self.dismiss(Welcomed(WelcomeChoice.APPLY))

    @on(Button.Pressed, "#check-progress")
    def _check_progress(self) -> None:
        self.dismiss(Welcomed(WelcomeChoice.CHECK_PROGRESS))
