"""Staff login: username and password, checked by the registry (``POST /v1/staff/login``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.domain.errors import N_, DomainError
from kiosk.domain.i18n import Translator
from kiosk.domain.wire import StaffSessionOut
from screens.staff.base import StaffScreen

HEADING: Final = N_("Staff login")
INTRO: Final = N_("For school staff only. Sign in with the login the school office gave you.")
USERNAME: Final = N_("Login")
PASSWORD: Final = N_("Password")
SIGN_IN: Final = N_("Sign in")
CLOSE: Final = N_("Close")
MISSING: Final = N_("Please type your login and password.")

#: Checks a login at the registry.
Login = Callable[[str, str], Awaitable[StaffSessionOut]]


class StaffLoginScreen(StaffScreen[StaffSessionOut | None]):
    """Dismisses with the staff token, or None for 關閉.

    Args:
        translator: The words on screen.
        login: Asks the registry (the client's ``staff_login``).
        notice: Shown on the error line at first (why the staff member must sign in again).
    """

    def __init__(self, translator: Translator, *, login: Login, notice: str = "") -> None:
        super().__init__(translator)
        self._login = login
        self._notice = notice

    def compose_body(self) -> ComposeResult:
        """Heading, the two fields and the buttons."""
        _ = self._
        yield Static(_(HEADING), classes="heading")
        yield Static(_(INTRO), classes="intro")
        yield Static(_(USERNAME), classes="label")
        yield Input(id="staff-username")
        yield Static(_(PASSWORD), classes="label")
        yield Input(id="staff-password", password=True)
        with Horizontal(classes="staff-actions"):
            yield Button(_(CLOSE), id="staff-close")
            yield Static(classes="spacer")
            yield Button(_(SIGN_IN), id="staff-sign-in", variant="primary")

    def on_mount(self) -> None:
        """The login field has the focus."""
        self.query_one("#staff-username", Input).focus()
        if self._notice:
            self.show_error(self._notice)

    @on(Input.Submitted, "#staff-username")
    def _to_password(self) -> None:
        self.query_one("#staff-password", Input).focus()

    @on(Input.Submitted, "#staff-password")
    @on(Button.Pressed, "#staff-sign-in")
    def _sign_in(self) -> None:
        username = self.query_one("#staff-username", Input).value.strip()
        password = self.query_one("#staff-password", Input).value
        if not username or not password:
            self.show_error(self._(MISSING))
            return

        self.call(
            self.query_one("#staff-sign-in", Button),
            lambda: self._login(username, password),
            self.dismiss,
        )

    def show_error(self, error: DomainError | str | None) -> None:
        """Shows the error; a refused login also empties the password."""
        super().show_error(error)
        if error is not None and self.is_mounted:
            self.query_one("#staff-password", Input).value = ""

    @on(Button.Pressed, "#staff-close")
    def _close(self) -> None:
        self.dismiss(None)
