"""Step 2, second screen: the student's school level and ID number (checked here, found later)."""

from __future__ import annotations

from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.widgets import Button, Input, RadioSet, Static

from kiosk.domain.draft import STUDENT_ID_FIELD
from kiosk.domain.errors import DomainError, DomainErrors
from kiosk.domain.ids import parse_id
from kiosk.domain.people import LEVEL_LABELS, Level, parse_level
from screens.base import Back, Chrome
from screens.student import (
    ID_QUESTION,
    LEVEL_FIELD,
    LEVEL_QUESTION,
    NEXT,
    Onward,
    StepResult,
    StudentForm,
    StudentStepScreen,
)
from screens.widgets.marks import MarkedRadioButton


class StudentIdScreen(StudentStepScreen[StepResult]):
    """The level (國小 … 特教) and the student's 身分證字號; 下一步 (or Enter) checks both.

    Args:
        chrome: Words, help line, demo banner.
        form: The student's answers (the level and the ID are read from and written to it).
    """

    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        LEVEL_FIELD: "level-error",
        STUDENT_ID_FIELD: "student-id-error",
    }

    _level_set = getters.query_one("#level", RadioSet)
    _student_id = getters.query_one("#student-id", Input)

    def __init__(self, chrome: Chrome, *, form: StudentForm) -> None:
        super().__init__(chrome)
        self.form = form

    def compose_body(self) -> ComposeResult:
        """The level as a row of choices, then the ID number."""
        _ = self._
        yield Static(_(LEVEL_QUESTION), classes="heading")
        with RadioSet(id="level", classes="stacked"):
            for option in Level:
                yield MarkedRadioButton(
                    _(LEVEL_LABELS[option]),
                    value=option is self.form.level,
                    id=f"level-{option}",
                )
        yield self.error_line("level-error")
        yield Static(_(ID_QUESTION), classes="label")
        yield Input(self.form.typed_id, id="student-id", max_length=32)
        yield self.error_line("student-id-error")

    def compose_actions(self) -> ComposeResult:
        """上一步 left, 下一步 right."""
        yield self.previous_button()
        yield self.spacer()
        yield Button(self._(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """The first question not yet answered."""
        if self.form.level is None:
            self._level_set.focus()
        else:
            self._student_id.focus()

    def _level(self) -> Level | None:
        pressed = self._level_set.pressed_button
        if pressed is None or pressed.id is None:
            return None
        return Level(pressed.id.removeprefix("level-"))

    @on(RadioSet.Changed, "#level")
    def _level_changed(self) -> None:
        self.clear_errors("level-error")

    @on(Input.Changed, "#student-id")
    def _id_changed(self) -> None:
        self.clear_errors("student-id-error")

    def keep(self) -> None:
        """The level and the ID as typed; the student found is forgotten when either changed,
        and the school searched and chosen when the level did (another level, other schools)."""
        form = self.form
        level, typed = self._level(), self._student_id.value
        if level is not form.level:
            form.search, form.school_code = "", None
        if level is not form.level or typed.strip().upper() != form.typed_id.strip().upper():
            form.found = None
            form.student_id = None
        form.level, form.typed_id = level, typed

    @on(Input.Submitted, "#student-id")
    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.clear_errors()
        self.keep()
        errors: list[DomainError] = []
        try:
            level = parse_level(str(self._level() or ""), field=LEVEL_FIELD)
        except DomainError as error:
            errors.append(error)
        try:
            student_id = parse_id(self._student_id.value, field=STUDENT_ID_FIELD)
        except DomainError as error:
            errors.append(error)
        if errors:
            self.show_error(DomainErrors(errors))
            return
        self.form.level, self.form.student_id = level, student_id
        self.dismiss(Onward())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """上一步: what was chosen and typed is kept."""
        self.keep()
        self.dismiss(Back())
