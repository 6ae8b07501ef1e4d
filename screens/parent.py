"""Step 4: 填寫家長資料 — the parent's ID + 驗證, then the details (prefilled for an account)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.domain.contact import Channel, Contact, Phone
from kiosk.domain.draft import (
    PARENT_EMAIL_FIELD,
    PARENT_ID_FIELD,
    PARENT_NAME_FIELD,
    PARENT_PHONE_FIELD,
    ParentDetails,
    check_parent_id,
)
from kiosk.domain.errors import N_, DomainError, DomainErrors, ErrorCode
from kiosk.domain.ids import IdNumber, parse_id
from kiosk.domain.masking import mask_id
from screens.base import BACK, Back, Chrome, WizardScreen

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.domain.wire import ParentLookupOut, ParentSessionOut

QUESTION: Final = N_("Please fill in the parent's details")
PARENT_ID: Final = N_("Parent's ID number")
VERIFY: Final = N_("Verify")
CHANGE: Final = N_("Change")
HAS_ACCOUNT: Final = N_("You already have a Taipei campus single sign-on account")
NAME: Final = N_("Parent's name")
EMAIL: Final = N_("Email address")
EMAIL_HINT: Final = N_("This email becomes your login account.")
PHONE: Final = N_("Mobile or landline number")
REMINDER: Final = N_(
    "Please note: submitting the data does not complete the binding; check the progress of "
    "your application on the next page."
)
NEXT: Final = N_("Next")
NOT_VERIFIED: Final = N_("Please type your ID number and press 「Verify」 first.")
HELP: Final = N_(
    "Type the parent's ID number and press 「Verify」.\n\n"
    "Then fill in the parent's name, email and mobile phone: the email becomes the login "
    "account. If you already have a Taipei campus single sign-on account, your details are "
    "filled in for you."
)


@dataclass(frozen=True, slots=True)
class ParentChosen:
    """The parent's details, checked.

    Attributes:
        details: Typed for a new parent, or the account's (masked) for an existing one.
    """

    details: ParentDetails


ParentResult = ParentChosen | Back


class ParentScreen(WizardScreen[ParentResult]):
    """The parent's ID, verified; then name, email and phone.

    Args:
        chrome: Words, help line, demo banner.
        client: The registry (looks the parent's ID up).
        session: The parent's verified session.
        contact: The verified contact (suggested as the email or phone of a new parent).
        prefill: The details entered before (after 返回).
        error: An error to show at once (the flow's or the registry's, e.g. an email taken).
        student_ids: The students' ID numbers of the application (the parent's may not be one,
            told at 驗證).
    """

    STEP: ClassVar[int] = 4
    HELP: ClassVar[str] = HELP
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        PARENT_ID_FIELD: "parent-id-error",
        PARENT_NAME_FIELD: "name-error",
        PARENT_EMAIL_FIELD: "email-error",
        PARENT_PHONE_FIELD: "phone-error",
        "parent.email": "email-error",
    }
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(
        self,
        chrome: Chrome,
        *,
        client: RegistryClient,
        session: ParentSessionOut,
        contact: Contact | None = None,
        prefill: ParentDetails | None = None,
        error: DomainError | None = None,
        student_ids: Iterable[IdNumber] = (),
    ) -> None:
        super().__init__(chrome)
        self._client = client
        self._student_ids = tuple(student_ids)
        self._session = session
        self._contact = contact
        self._prefill = prefill
        self._initial_error = error
        self._verified: IdNumber | None = prefill.parent_id if prefill is not None else None
        self._existing: ParentDetails | None = (
            prefill if prefill is not None and prefill.existing_account else None
        )

    def compose_body(self) -> ComposeResult:
        """The ID row, the account notice and the three details."""
        _ = self._
        yield Static(_(QUESTION), classes="heading")
        with Horizontal(classes="field-row", id="id-row"):
            yield Static(_(PARENT_ID), classes="field-label")
            yield Input(id="parent-id", max_length=32)
            yield Button(_(VERIFY), id="verify")
        with Horizontal(classes="value-row", id="id-verified"):
            yield Static(_(PARENT_ID), classes="field-label")
            yield Static(id="parent-id-masked", classes="value")
            yield Button(_(CHANGE), id="change-id", compact=True)
        yield self.error_line("parent-id-error")
        yield Static(_(HAS_ACCOUNT), id="has-account", classes="notice")
        with Vertical(id="details"):
            with Horizontal(classes="field-row"):
                yield Static(_(NAME), classes="field-label")
                yield Input(id="name", max_length=100)
            yield self.error_line("name-error")
            with Horizontal(classes="field-row"):
                yield Static(_(EMAIL), classes="field-label")
                yield Input(id="email", max_length=320)
            yield Static(_(EMAIL_HINT), classes="hint field-hint")
            yield self.error_line("email-error")
            with Horizontal(classes="field-row"):
                yield Static(_(PHONE), classes="field-label")
                yield Input(id="phone", max_length=40)
            yield self.error_line("phone-error")
        yield Static(_(REMINDER), classes="notice")
        yield self.error_line("form-error")

    def compose_actions(self) -> ComposeResult:
        """返回 left, 下一步 right."""
        _ = self._
        yield Button(_(BACK), id="back")
        yield self.spacer()
        yield Button(_(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """Shows the state the details were left in, and any error."""
        prefill = self._prefill
        if prefill is not None and not prefill.existing_account:
            self.query_one("#name", Input).value = prefill.name
            self.query_one("#email", Input).value = prefill.email.value if prefill.email else ""
            self.query_one("#phone", Input).value = prefill.phone.national if prefill.phone else ""
        self._show_state()
        if self._initial_error is not None:
            self.show_error(self._initial_error)

    # --- the ID ------------------------------------------------------------------------------

    def _show_state(self) -> None:
        verified = self._verified
        existing = self._existing
        self.query_one("#id-row").display = verified is None
        self.query_one("#id-verified").display = verified is not None
        self.query_one("#details").display = verified is not None
        self.query_one("#has-account").display = existing is not None
        if verified is not None:
            self.query_one("#parent-id-masked", Static).update(mask_id(verified))
        for field_id in ("#name", "#email", "#phone"):
            self.query_one(field_id, Input).disabled = existing is not None
        if existing is not None:
            self.query_one("#name", Input).value = existing.name
            self.query_one("#email", Input).value = existing.email.value if existing.email else ""
            self.query_one("#phone", Input).value = existing.phone.e164 if existing.phone else ""
            self.query_one("#next", Button).focus()
        elif verified is not None:
            self._suggest_contact()
            self._first_empty().focus()
        else:
            self.query_one("#parent-id", Input).focus()

    def _suggest_contact(self) -> None:
        """A new parent's email or phone is most likely the one just verified."""
        contact = self._contact
        if contact is None:
            return
        if contact.channel is Channel.EMAIL:
            field = self.query_one("#email", Input)
            if not field.value:
                field.value = contact.address
        else:
            field = self.query_one("#phone", Input)
            if not field.value:
                field.value = Phone(e164=contact.address, is_mobile=True).national

    def _first_empty(self) -> Input:
        for field_id in ("#name", "#email", "#phone"):
            field = self.query_one(field_id, Input)
            if not field.value.strip():
                return field
        return self.query_one("#name", Input)

    @on(Input.Submitted, "#parent-id")
    @on(Button.Pressed, "#verify")
    def _verify(self) -> None:
        self.clear_errors()
        try:
            parent_id = parse_id(self.query_one("#parent-id", Input).value, field=PARENT_ID_FIELD)
            # Told now, before a name and a phone are typed for an ID that cannot be kept.
            check_parent_id(parent_id, self._student_ids)
        except DomainError as error:
            self.show_error(error)
            return
        self.call_registry(
            self.query_one("#verify", Button),
            lambda: self._client.lookup_parent(self._session, parent_id.value),
            lambda result: self._looked_up(parent_id, result),
            error_at="parent-id-error",
        )

    def _looked_up(self, parent_id: IdNumber, result: ParentLookupOut) -> None:
        was_existing = self._existing is not None
        self._verified = parent_id
        if result.has_account:
            self._existing = ParentDetails.existing(
                parent_id, result.masked_name or "", result.masked_email, result.masked_phone
            )
        else:
            self._existing = None
            if was_existing:
                # The account's masked details must not stay as a new parent's typed ones.
                for field_id in ("#name", "#email", "#phone"):
                    self.query_one(field_id, Input).value = ""
        self._show_state()

    @on(Button.Pressed, "#change-id")
    def _change_id(self) -> None:
        self.clear_errors()
        field = self.query_one("#parent-id", Input)
        field.value = self._verified.value if self._verified is not None else ""
        self._verified = None
        if self._existing is not None:
            self._existing = None
            for field_id in ("#name", "#email", "#phone"):
                self.query_one(field_id, Input).value = ""
        self._show_state()

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        # Only the parent's typing clears an error; values the screen fills in do not.
        if event.input.id is not None and event.input.has_focus:
            target = {"parent-id": "parent-id-error"}.get(event.input.id, f"{event.input.id}-error")
            self.clear_errors(target, "form-error")

    # --- leaving -----------------------------------------------------------------------------

    @on(Input.Submitted, "#name, #email")
    def _next_field(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#phone")
    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.clear_errors()
        if self.is_busy:
            return
        verified = self._verified
        if verified is None:
            line = self.query_one("#parent-id-error", Static)
            line.update(self._(NOT_VERIFIED))
            line.add_class("-shown")
            self.query_one("#parent-id", Input).focus()
            return
        if self._existing is not None:
            self.dismiss(ParentChosen(self._existing))
            return
        try:
            details = ParentDetails.new(
                verified,
                self.query_one("#name", Input).value,
                self.query_one("#email", Input).value,
                self.query_one("#phone", Input).value,
            )
        except DomainErrors as errors:
            self.show_error(errors)
            first = errors.errors[0].field
            focus = {PARENT_NAME_FIELD: "#name", PARENT_EMAIL_FIELD: "#email"}.get(
                first or "", "#phone"
            )
            self.query_one(focus, Input).focus()
            return
        # One email, one parent: asked now, so that a taken email is told before the signing.
        self.call_registry(
            self.query_one("#next", Button),
            lambda: self._email_taken(details),
            lambda taken: self._email_checked(details, taken),
            error_at="email-error",
        )

    async def _email_taken(self, details: ParentDetails) -> bool:
        """Whether the registry knows the email as another parent ID's. Anything but an answer
        (unreachable, the session's look-ups used up) is not a refusal: the submission asks the
        same rule again, and its answer is told at the review."""
        if details.email is None:
            return False
        try:
            return await self._client.email_taken(
                self._session, details.parent_id.value, details.email.value
            )
        except DomainError:
            return False

    def _email_checked(self, details: ParentDetails, taken: bool) -> None:
        if not taken:
            self.dismiss(ParentChosen(details))
            return
        self.show_error(DomainError(ErrorCode.PARENT_EMAIL_TAKEN, field=PARENT_EMAIL_FIELD))
        self.query_one("#email", Input).focus()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """返回: to the statement."""
        self.dismiss(Back())
