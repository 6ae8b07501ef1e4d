"""Step 1: 電子郵件信箱 or 行動電話, and 取得驗證碼."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, RadioSet, Static

from kiosk.domain.contact import Channel, Contact, parse_contact
from kiosk.domain.errors import N_, DomainError
from screens.base import BACK, Back, Chrome, WizardScreen
from screens.in_person import BUTTON_ID, InPersonAsked, in_person_button
from screens.widgets.marks import MarkedRadioButton

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.domain.wire import CodeChallengeOut

QUESTION: Final = N_("Please enter your contact details to get a verification code")
EMAIL: Final = N_("Email address")
MOBILE: Final = N_("Mobile phone")
EMAIL_PLACEHOLDER: Final = N_("e.g. COOC123@gmail.com")
PHONE_PLACEHOLDER: Final = N_("Phone number")
VALIDITY: Final = N_("The verification code is valid for 1 hour; after that, please get a new one.")
SMS_LIMIT_HINT: Final = N_(
    "A mobile phone can receive at most two text messages within one hour; if two were already "
    "sent, please use your email to get the code."
)
GET_CODE: Final = N_("Get verification code")
HELP: Final = N_(
    "Choose **Email** or **Mobile phone**, type the address or number and press "
    "「Get verification code」. The code is valid for 1 hour; after that, please get a new "
    "one.\n\n"
    "A mobile phone can receive at most two text messages within one hour; if two were already "
    "sent, please use your email to get the code."
)

#: The field name the screen gives the address's errors (and the registry's limits).
ADDRESS_FIELD: Final = "address"


@dataclass(frozen=True, slots=True)
class CodeSent:
    """A code was sent.

    Attributes:
        contact: Where it went, normalised.
        typed: The address as the parent typed it (to show it again after 返回).
        challenge: The registry's challenge to verify the code against.
    """

    contact: Contact
    typed: str
    challenge: CodeChallengeOut


class ContactScreen(WizardScreen[CodeSent | Back | InPersonAsked]):
    """Email or mobile phone, then 取得驗證碼.

    Args:
        chrome: Words, help line, demo banner.
        client: The registry (sends the code).
        channel: The channel chosen before (after 返回).
        typed: The address typed before.
        in_person: Assisted mode: offer 「臨櫃核對身分」 (:mod:`screens.in_person`).
    """

    STEP: ClassVar[int] = 1
    HELP: ClassVar[str] = HELP
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        ADDRESS_FIELD: "address-error",
        # The registry's refusals here (limits) are about the address too.
        None: "address-error",
    }
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(
        self,
        chrome: Chrome,
        *,
        client: RegistryClient,
        channel: Channel = Channel.EMAIL,
        typed: str = "",
        in_person: bool = False,
    ) -> None:
        super().__init__(chrome)
        self._client = client
        self._channel = channel
        self._typed = typed
        self._assisted = in_person

    def compose_body(self) -> ComposeResult:
        """The channel, the address and what to know about codes."""
        _ = self._
        yield Static(_(QUESTION), classes="heading")
        with RadioSet(id="channel", classes="inline"):
            yield MarkedRadioButton(
                _(EMAIL), value=self._channel is Channel.EMAIL, id="channel-email"
            )
            yield MarkedRadioButton(_(MOBILE), value=self._channel is Channel.SMS, id="channel-sms")
        email = self._typed if self._channel is Channel.EMAIL else ""
        phone = self._typed if self._channel is Channel.SMS else ""
        yield Input(email, placeholder=_(EMAIL_PLACEHOLDER), id="email", type="text")
        yield Input(phone, placeholder=_(PHONE_PLACEHOLDER), id="phone", type="text")
        yield self.error_line("address-error")
        yield Static(_(VALIDITY), classes="hint label")
        yield Static(_(SMS_LIMIT_HINT), classes="hint", id="sms-hint")

    def compose_actions(self) -> ComposeResult:
        """返回 left, 取得驗證碼 right."""
        yield Button(self._(BACK), id="back")
        yield self.spacer()
        if self._assisted:
            yield in_person_button(self.chrome.translator)
        yield Button(self._(GET_CODE), id="get-code", variant="primary")

    def on_mount(self) -> None:
        """Shows the field of the chosen channel and focuses it."""
        self._show_channel(self._channel)

    @property
    def channel(self) -> Channel:
        """The channel chosen now."""
        return self._channel

    def _field(self) -> Input:
        return self.query_one("#email" if self._channel is Channel.EMAIL else "#phone", Input)

    def _show_channel(self, channel: Channel) -> None:
        self._channel = channel
        self.query_one("#email", Input).display = channel is Channel.EMAIL
        self.query_one("#phone", Input).display = channel is Channel.SMS
        self._field().focus()

    @on(RadioSet.Changed, "#channel")
    def _channel_changed(self, event: RadioSet.Changed) -> None:
        chosen = Channel.SMS if event.pressed.id == "channel-sms" else Channel.EMAIL
        if chosen is not self._channel:
            self.clear_errors()
            self._show_channel(chosen)

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            self.clear_errors()

    @on(Input.Submitted)
    @on(Button.Pressed, "#get-code")
    def _get_code(self) -> None:
        self.clear_errors()
        typed = self._field().value
        try:
            contact = parse_contact(self._channel, typed, field=ADDRESS_FIELD)
        except DomainError as error:
            self.show_error(error)
            self._field().focus()
            return
        self.call_registry(
            self.query_one("#get-code", Button),
            lambda: self._client.request_code(
                contact.channel, contact.address, self.chrome.translator.chosen
            ),
            lambda challenge: self.dismiss(CodeSent(contact, typed, challenge)),
        )

    @on(Button.Pressed, f"#{BUTTON_ID}")
    def _in_person(self) -> None:
        self.clear_errors()
        typed = self._field().value
        try:
            contact = parse_contact(self._channel, typed, field=ADDRESS_FIELD)
        except DomainError as error:
            self.show_error(error)
            return
        self.dismiss(InPersonAsked(contact, typed))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """返回: to the Welcome screen."""
        self.dismiss(Back())
