"""Step 1: the six-digit code, 確認, and 重新取得驗證碼."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from kiosk.domain.contact import Contact
from kiosk.domain.errors import N_, DomainError, ErrorCode
from screens.base import BACK, Back, Chrome, WizardScreen
from screens.in_person import BUTTON_ID, InPersonAsked, in_person_button
from screens.widgets.code_input import CodeInput

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.domain.wire import CodeChallengeOut, ParentSessionOut

QUESTION: Final = N_("Please enter the verification code")
SENT_TO: Final = N_("The verification code was sent to {to}.")
SENT_AGAIN: Final = N_("A new verification code was sent to {to}; the earlier one no longer works.")
VALIDITY: Final = N_(
    "The verification code is valid for 1 hour; once it has been used, it no longer works."
)
CONFIRM: Final = N_("Confirm")
RESEND: Final = N_("Get a new code")
HELP: Final = N_(
    "Type the six digits of the code you received (or paste them) and press 「Confirm」.\n\n"
    "The verification code is valid for 1 hour; once it has been used, it no longer works. "
    "If it did not arrive, press 「Get a new code」, or go back and use your email."
)

#: The field name the code's errors carry.
CODE_FIELD: Final = "code"
#: The codes after which this code can never work: the boxes are emptied for a new one.
_DEAD_CODES: Final = frozenset(
    {ErrorCode.CODE_DEAD, ErrorCode.CODE_EXPIRED, ErrorCode.CODE_USED, ErrorCode.CODE_UNKNOWN}
)


@dataclass(frozen=True, slots=True)
class Verified:
    """The code was right: the parent's session.

    Attributes:
        session: Send it with every call made for this parent.
        challenge: The challenge that was verified (the application records it).
    """

    session: ParentSessionOut
    challenge: CodeChallengeOut


class CodeScreen(WizardScreen[Verified | Back | InPersonAsked]):
    """Six boxes for the code.

    Args:
        chrome: Words, help line, demo banner.
        client: The registry (verifies the code, sends a new one).
        contact: Where the code went.
        challenge: What the registry answered when it sent the code.
        in_person: Assisted mode: offer 「臨櫃核對身分」 (:mod:`screens.in_person`).
    """

    STEP: ClassVar[int] = 1
    HELP: ClassVar[str] = HELP
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {CODE_FIELD: "code-error", None: "code-error"}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(
        self,
        chrome: Chrome,
        *,
        client: RegistryClient,
        contact: Contact,
        challenge: CodeChallengeOut,
        in_person: bool = False,
    ) -> None:
        super().__init__(chrome)
        self._client = client
        self._contact = contact
        self._challenge = challenge
        self._assisted = in_person

    @property
    def challenge(self) -> CodeChallengeOut:
        """The challenge the code is checked against (a new one after 重新取得驗證碼)."""
        return self._challenge

    def compose_body(self) -> ComposeResult:
        """Where the code went, the boxes, and how long it lasts."""
        _ = self._
        yield Static(_(QUESTION), classes="heading")
        to = self._challenge.masked_address
        yield self.told(Static(id="sent-to"), lambda t: t.gettext(SENT_TO).format(to=to))
        yield CodeInput(id="code", classes="label")
        yield self.error_line("code-error")
        yield Static(_(VALIDITY), classes="hint label")

    def compose_actions(self) -> ComposeResult:
        """返回 and 重新取得驗證碼 left, 確認 right."""
        _ = self._
        yield Button(_(BACK), id="back")
        yield Button(_(RESEND), id="resend")
        yield self.spacer()
        if self._assisted:
            yield in_person_button(self.chrome.translator)
        yield Button(_(CONFIRM), id="confirm", variant="primary")

    def on_mount(self) -> None:
        """The boxes take the digits at once."""
        self.query_one("#code", CodeInput).focus()

    @on(CodeInput.Changed, "#code")
    def _typing(self, event: CodeInput.Changed) -> None:
        # Emptied by a refusal, the boxes keep its message; the next digit typed clears it.
        if event.value:
            self.clear_errors()
            event.code_input.remove_class("-invalid")

    @on(CodeInput.Completed, "#code")
    def _complete(self) -> None:
        # Six digits in: Enter (or a tap) confirms.
        self.query_one("#confirm", Button).focus()

    @on(CodeInput.Submitted, "#code")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        boxes = self.query_one("#code", CodeInput)
        self.clear_errors()
        if not boxes.is_complete:
            self._refuse(DomainError(ErrorCode.CODE_FORMAT, field=CODE_FIELD))
            boxes.focus()
            return
        challenge = self._challenge
        code = boxes.value
        self.call_registry(
            self.query_one("#confirm", Button),
            lambda: self._client.verify_code(challenge.challenge_id, code),
            lambda session: self._verified(Verified(session, challenge)),
            failed=self._refuse,
        )

    def _verified(self, verified: Verified) -> None:
        # Used, the code works no more: the demo banner stops showing it.
        self._spend()
        self.dismiss(verified)

    def _spend(self) -> None:
        if self.chrome.demo is not None:
            self.chrome.demo.spend()

    def _refuse(self, error: DomainError) -> None:
        boxes = self.query_one("#code", CodeInput)
        boxes.add_class("-invalid")
        if error.code in _DEAD_CODES:
            boxes.clear()
            self._spend()
            # This code can never work: the way on is 重新取得驗證碼, which the parent chooses.
            # Nothing keeps the focus, so an Enter still pressed sends no message (an SMS is
            # one of two an hour) and does not replace the message saying what happened.
            self.set_focus(None)
        elif error.code is ErrorCode.CODE_WRONG:
            boxes.clear()
            boxes.focus()

    @on(Button.Pressed, "#resend")
    def _resend(self) -> None:
        self.clear_errors()
        contact = self._contact
        self.call_registry(
            self.query_one("#resend", Button),
            lambda: self._client.request_code(
                contact.channel, contact.address, self.chrome.translator.chosen
            ),
            self._sent_again,
        )

    def _sent_again(self, challenge: CodeChallengeOut) -> None:
        self._challenge = challenge
        boxes = self.query_one("#code", CodeInput)
        boxes.clear()
        boxes.remove_class("-invalid")
        boxes.focus()
        to = challenge.masked_address
        self.told(self.query_one("#sent-to", Static), lambda t: t.gettext(SENT_AGAIN).format(to=to))

    @on(Button.Pressed, f"#{BUTTON_ID}")
    def _in_person(self) -> None:
        self.dismiss(InPersonAsked(self._contact, ""))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """返回: to the contact, to change it or the channel."""
        self.dismiss(Back())
