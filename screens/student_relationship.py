"""Step 2, first screen: 請選擇與學生的關係 (法定代理人 / 監護人 and the relationship)."""

from __future__ import annotations

from contextlib import suppress
from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Static

from kiosk.domain.errors import DomainError
from kiosk.domain.people import Relationship, RelationshipChoice, parse_relationship
from screens.base import Back, Chrome
from screens.student import (
    NEXT,
    ONE_AT_A_TIME,
    QUESTION,
    RELATIONSHIP_FIELD,
    RELATIONSHIP_OTHER_FIELD,
    Onward,
    StepResult,
    StudentForm,
    StudentStepScreen,
)
from screens.widgets.relationship_picker import RelationshipPicker


class RelationshipScreen(StudentStepScreen[StepResult]):
    """The relationship to the student; 下一步 once it is complete (其他 says what).

    Args:
        chrome: Words, help line, demo banner.
        form: The student's answers (the relationship is read from and written to it).
    """

    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        RELATIONSHIP_FIELD: "relationship-error",
        RELATIONSHIP_OTHER_FIELD: "relationship-error",
    }

    _picker = getters.query_one("#relationship-picker", RelationshipPicker)

    def __init__(self, chrome: Chrome, *, form: StudentForm) -> None:
        super().__init__(chrome)
        self.form = form

    def compose_body(self) -> ComposeResult:
        """The question, the one-at-a-time hint, the roles and their relationships."""
        _ = self._
        yield Static(_(QUESTION), classes="heading")
        yield Static(_(ONE_AT_A_TIME), classes="hint")
        yield RelationshipPicker(
            self.chrome.translator, self.form.relationship, id="relationship-picker"
        )
        yield self.error_line("relationship-error")

    def compose_actions(self) -> ComposeResult:
        """上一步 left, 下一步 right."""
        yield self.previous_button()
        yield self.spacer()
        yield Button(self._(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """The relationships of the role chosen first; 下一步 when one is chosen already."""
        if self.form.relationship is None:
            self._picker.focus()
        else:
            self.query_one("#next").focus()

    @on(RelationshipPicker.Changed, "#relationship-picker")
    def _changed(self, event: RelationshipPicker.Changed) -> None:
        self.clear_errors()
        chosen = event.relationship
        if (
            chosen is not None
            and chosen is not Relationship.OTHER
            and self._picker.has_focus_within
        ):
            # Chosen with the keys: the next Enter goes on (其他 asks what, in its field).
            self.query_one("#next").focus()

    def keep(self) -> None:
        """The relationship, when it is complete."""
        with suppress(DomainError):
            self.form.relationship = self._choice()

    def _choice(self) -> RelationshipChoice:
        picker = self._picker
        return parse_relationship(
            picker.relationship or "",
            picker.description,
            field=RELATIONSHIP_FIELD,
            description_field=RELATIONSHIP_OTHER_FIELD,
        )

    @on(Input.Submitted, "#relationship-other")
    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.clear_errors()
        try:
            self.form.relationship = self._choice()
        except DomainError as error:
            self.show_error(error)
            return
        self.dismiss(Onward())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """上一步: what was chosen is kept."""
        self.keep()
        self.dismiss(Back())
