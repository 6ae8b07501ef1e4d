"""Step 0: 親子綁定 starts a new application; 查詢申請進度 re-verifies a contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from kiosk.domain.errors import N_
from screens.base import Chrome, WizardScreen

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
CLOCK_OFF: Final = N_(
    "This kiosk's clock needs setting: please tell the school office staff. You can still apply."
)
#: How often Welcome looks again whether the kiosk's clock is off (seconds).
CLOCK_LOOK_SECONDS: Final = 1.0
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
    """The first screen: two large buttons.

    Args:
        chrome: Words, footer and banner.
        clock_off: Whether the kiosk's clock is off the registry's by more than it tolerates
            (the kiosk copes, dating its tokens by the registry's clock, but receipts and dates
            would be off): then a line asks the parent to tell the school office.
    """

    STEP: ClassVar[int] = 0
    HELP: ClassVar[str] = HELP

    def __init__(self, chrome: Chrome, *, clock_off: Callable[[], bool] | None = None) -> None:
        super().__init__(chrome)
        self._clock_off = clock_off

    def compose_body(self) -> ComposeResult:
        """The heading, what this is, and the two choices."""
        _ = self._
        yield Static(_(HEADING), classes="heading")
        yield Static(_(INTRO), classes="intro")
        yield Button(_(APPLY), id="apply", variant="primary", classes="large")
        yield Button(_(CHECK_PROGRESS), id="check-progress", classes="large")
        yield Static(_(PROGRESS_INTRO), classes="hint")
        yield Static(_(CLOCK_OFF), id="clock-off", classes="notice")

    def on_mount(self) -> None:
        """Says whether the clock needs staff now, and looks again while Welcome waits."""
        self._look_at_clock()
        if self._clock_off is not None:
            self.set_interval(CLOCK_LOOK_SECONDS, self._look_at_clock)

    def _look_at_clock(self) -> None:
        self.query_one("#clock-off").display = bool(self._clock_off and self._clock_off())

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        self.dismiss(Welcomed(WelcomeChoice.APPLY))

    @on(Button.Pressed, "#check-progress")
    def _check_progress(self) -> None:
        self.dismiss(Welcomed(WelcomeChoice.CHECK_PROGRESS))
