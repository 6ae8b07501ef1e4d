"""Step 4: 請再次確認填寫資料是否正確 — everything once more, the signature, 送出資料."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.domain.draft import (
    PARENT_EMAIL_FIELD,
    SIGNATURE_FIELD,
    ParentDetails,
    Signature,
    StudentEntry,
)
from kiosk.domain.errors import N_, DomainError
from kiosk.domain.i18n import Translator
from kiosk.domain.masking import mask_id, mask_phone
from screens.base import Back, Chrome, WizardScreen
from screens.widgets.signature_pad import SignaturePad

QUESTION: Final = N_("Please check once more that everything is right")
STUDENTS: Final = N_("Student details")
PERSONAL: Final = N_("Your details")
NAME: Final = N_("Name")
ID_NUMBER: Final = N_("ID number")
PHONE: Final = N_("Phone")
EMAIL: Final = N_("E-mail")
EMAIL_WARNING: Final = N_(
    "The email is the parent's account and where the review result is sent; please make sure "
    "it is right."
)
SIGNATURE: Final = N_("Electronic signature")
SIGN_FULL_NAME: Final = N_("Please sign your full name")
REMINDER: Final = N_(
    "Please note: submitting the data does not complete the binding; check the progress of "
    "your application on the next page."
)
EDIT: Final = N_("Back to edit")
SUBMIT: Final = N_("Submit")
STUDENT_ROW: Final = N_("{name} ({relationship})\n{school}, {class_name}")
STUDENT_ERROR: Final = N_("{student}: {error}")
HELP: Final = N_(
    "Check the students and your details. Sign your full name on the pad with the mouse or "
    "your finger (or type it below the pad); 「Clear」 starts again. Then press 「Submit」, or "
    "「Back to edit」 to change something."
)


#: How the registry names a field of one student of a submission (``students.0.student_id``).
_STUDENT_FIELD: Final = re.compile(r"students\.(\d+)\.")


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What became of 送出資料.

    Attributes:
        receipt: The application's receipt number (收件編號).
        uploaded: Whether the registry has it already (else it is saved here and uploads when
            the registry can be reached: 待上傳).
    """

    receipt: str
    uploaded: bool


#: Signs the application, saves it here and sends it to the registry.
Submit = Callable[[Signature], Awaitable[SubmitOutcome]]


@dataclass(frozen=True, slots=True)
class Submitted:
    """The application is saved (and, where the registry answered, uploaded)."""

    outcome: SubmitOutcome


@dataclass(frozen=True, slots=True)
class BackToEdit(Back):
    """返回修改: to the parent's details; the signature given so far comes back with the page.

    Attributes:
        signature: What was on the pad (None when nothing was).
    """

    signature: Signature | None = None


ReviewResult = Submitted | Back


class ReviewScreen(WizardScreen[ReviewResult]):
    """Everything once more, the signature, 返回修改 / 送出資料.

    Args:
        chrome: Words, help line, demo banner.
        students: The students of the application.
        parent: The parent's details.
        signature: The signature given before (after 返回修改), if any.
        submit: Signs, saves and sends the application (the flow's).
        error: An error to show at once.
    """

    STEP: ClassVar[int] = 4
    HELP: ClassVar[str] = HELP
    # Nothing focused at first ("" is falsy; None would mean the app's "*"): the parent reads
    # from the top, then signs.
    AUTO_FOCUS: ClassVar[str | None] = ""
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        SIGNATURE_FIELD: "signature-error",
        PARENT_EMAIL_FIELD: "email-error",
        "parent.email": "email-error",
    }
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(
        self,
        chrome: Chrome,
        *,
        students: Sequence[StudentEntry],
        parent: ParentDetails,
        submit: Submit,
        signature: Signature | None = None,
        error: DomainError | None = None,
    ) -> None:
        super().__init__(chrome)
        self._students = tuple(students)
        self._details = parent
        self._submit = submit
        self._signature = signature
        self._initial_error = error

    def compose_body(self) -> ComposeResult:
        """Students, the parent, the email warning and the signature pad."""
        _ = self._
        parent = self._details
        yield Static(_(QUESTION), classes="heading")
        yield Static(_(STUDENTS), classes="subheading")
        for student in self._students:
            with Horizontal(classes="value-row"):
                yield Static(_(NAME), classes="field-label")
                yield self.told(Static(classes="value"), _student_row(student))
        yield Static(_(PERSONAL), classes="subheading")
        rows = (
            (NAME, parent.name, "review-name"),
            (ID_NUMBER, mask_id(parent.parent_id), "review-id"),
            (PHONE, self._phone(), "review-phone"),
            (EMAIL, parent.email.value if parent.email is not None else "", "review-email"),
        )
        for label, value, widget_id in rows:
            with Horizontal(classes="value-row"):
                yield Static(_(label), classes="field-label")
                yield Static(value, id=widget_id, classes="value")
        yield Static(_(EMAIL_WARNING), classes="notice")
        yield self.error_line("email-error")
        with Vertical(id="signature-box"):
            yield Static(_(SIGNATURE), classes="subheading")
            yield Static(_(SIGN_FULL_NAME), classes="hint")
            signature = self._signature
            yield SignaturePad(
                self.chrome.translator,
                strokes=signature.strokes if signature is not None else (),
                typed_name=(signature.typed_name or "") if signature is not None else "",
                id="signature",
            )
            yield self.error_line("signature-error")
        yield Static(_(REMINDER), classes="notice")
        yield self.error_line("form-error")

    def compose_actions(self) -> ComposeResult:
        """返回修改 left, 送出資料 right."""
        _ = self._
        yield Button(_(EDIT), id="back")
        yield self.spacer()
        yield Button(_(SUBMIT), id="submit", variant="success")

    def on_mount(self) -> None:
        """Shows any error handed over."""
        if self._initial_error is not None:
            self.show_error(self._initial_error)

    def language_changed(self, before: str) -> None:
        """The words again in the language now spoken; the pad is made again in it, with what
        was signed (its hint is drawn from words it was built with)."""
        super().language_changed(before)
        self.call_later(self._renew_pad)

    async def _renew_pad(self) -> None:
        pad = self.query_one("#signature", SignaturePad)
        focused = self.focused
        typing = focused is not None and focused.id == "signature-name"
        fresh = SignaturePad(
            self.chrome.translator, strokes=pad.strokes, typed_name=pad.typed_name, id="signature"
        )
        await pad.remove()
        await self.query_one("#signature-box").mount(fresh, before="#signature-error")
        if typing:
            self.query_one("#signature-name", Input).focus()

    def explain(self, error: DomainError) -> str:
        """The words for an error; one about a student names the student (``students.1.…``)."""
        words = super().explain(error)
        where = _STUDENT_FIELD.match(error.field or "")
        if where is not None and int(where.group(1)) < len(self._students):
            name = self._students[int(where.group(1))].name
            return self._(STUDENT_ERROR).format(student=name, error=words)
        return words

    def _phone(self) -> str:
        phone = self._details.phone
        if phone is None:
            return ""
        # An account's phone comes masked already; a typed one is masked here (SPEC §2).
        return phone.e164 if self._details.existing_account else mask_phone(phone)

    @on(SignaturePad.Changed, "#signature")
    def _signed(self) -> None:
        self.clear_errors("signature-error", "form-error")

    @on(Input.Submitted, "#signature-name")
    @on(Button.Pressed, "#submit")
    def _send(self) -> None:
        self.clear_errors()
        pad = self.query_one("#signature", SignaturePad)
        signature = Signature(strokes=pad.strokes, typed_name=pad.typed_name or None)
        self.call_registry(
            self.query_one("#submit", Button),
            lambda: self._submit(signature),
            lambda outcome: self.dismiss(Submitted(outcome)),
            error_at="form-error",
        )

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """返回修改: to the parent's details, keeping what was signed."""
        if not self.is_busy:
            pad = self.query_one("#signature", SignaturePad)
            signed = Signature(strokes=pad.strokes, typed_name=pad.typed_name or None)
            self.dismiss(BackToEdit(None if signed.is_empty else signed))


def _student_row(student: StudentEntry) -> Callable[[Translator], str]:
    """A student's row: name and relationship, then school and class (in any language)."""

    def words(translator: Translator) -> str:
        return translator.gettext(STUDENT_ROW).format(
            name=student.name,
            relationship=student.relationship.title(translator.gettext),
            school=student.school_name,
            class_name=student.class_name,
        )

    return words
