"""Step 2, third screen: the student's school, from the level's list; choosing it finds the pupil.

The list holds the schools of the level chosen on the screen before, with a search over it (part
of a name narrows the list; Down or Tab goes on into it; Enter in the search takes the one school
left). Choosing a school (Enter or a tap), or 下一步 with one chosen, asks the registry for the
pupil with this level, ID and school. "Not found" is the same whatever part was wrong, and says
how many look-ups are left before the session locks; the look-up that locks it says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from textual import getters, on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from kiosk.domain.draft import STUDENT_ID_FIELD, StudentEntry
from kiosk.domain.errors import N_, DomainError, ErrorCode
from kiosk.domain.masking import mask_id
from kiosk.domain.people import LEVEL_LABELS
from screens.base import Back, Chrome
from screens.student import (
    NEXT,
    SCHOOL_FIELD,
    SCHOOL_QUESTION,
    Onward,
    StepResult,
    StudentForm,
    StudentStepScreen,
)
from screens.widgets.school_picker import SchoolPicker

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.domain.wire import ParentSessionOut, SchoolOut, StudentVerifyOut

TRIES_LEFT: Final = N_("You can try {remaining} more times.")
FOR_STUDENT: Final = N_("Level: {level}, ID number: {student_id}")


class SchoolScreen(StudentStepScreen[StepResult]):
    """The schools of the level, a search over them; choosing one looks the pupil up.

    Args:
        chrome: Words, help line, demo banner.
        client: The registry (the schools of a level, the pupil look-up).
        session: The parent's verified session.
        form: The student's answers; the level and the checked ID must be in it.
    """

    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        SCHOOL_FIELD: "school-error",
        STUDENT_ID_FIELD: "school-error",
        None: "school-error",
    }

    _picker = getters.query_one("#school-picker", SchoolPicker)
    _next_button = getters.query_one("#next", Button)

    def __init__(
        self,
        chrome: Chrome,
        *,
        client: RegistryClient,
        session: ParentSessionOut,
        form: StudentForm,
    ) -> None:
        super().__init__(chrome)
        # The ID screen's answers.
        assert form.level is not None
        assert form.student_id is not None
        self._client = client
        self._session = session
        self.form = form
        self._loaded = False

    def compose_body(self) -> ComposeResult:
        """The question, what is looked for, the search and the list."""
        _ = self._
        form = self.form
        assert form.level is not None
        assert form.student_id is not None
        yield Static(_(SCHOOL_QUESTION), classes="heading")
        yield Static(
            _(FOR_STUDENT).format(
                level=_(LEVEL_LABELS[form.level]), student_id=mask_id(form.student_id)
            ),
            id="looking-for",
            classes="hint",
        )
        yield SchoolPicker(self.chrome.translator, id="school-picker")
        yield self.error_line("school-error")

    def compose_actions(self) -> ComposeResult:
        """上一步 left, 下一步 right."""
        yield self.previous_button()
        yield self.spacer()
        yield Button(self._(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """Loads the level's schools (下一步 turns meanwhile)."""
        self._load()

    def _load(self) -> None:
        level = self.form.level
        assert level is not None
        self.call_registry(self._next_button, lambda: self._client.schools(level), self._loaded_)

    def _loaded_(self, schools: list[SchoolOut]) -> None:
        picker = self._picker
        picker.search = self.form.search
        picker.set_schools(schools, value=self.form.school_code)
        self._loaded = True
        if picker.value is None:
            picker.focus()
        else:
            self._next_button.focus()

    def explain(self, error: DomainError) -> str:
        """The words for an error; "not found" with the look-ups left."""
        words = super().explain(error)
        remaining = error.params.get("remaining")
        if error.code is ErrorCode.STUDENT_NOT_FOUND and remaining is not None:
            words = f"{words}\n{self._(TRIES_LEFT).format(remaining=remaining)}"
        return words

    @on(SchoolPicker.Changed, "#school-picker")
    def _school_changed(self) -> None:
        self.clear_errors()

    @on(SchoolPicker.Selected, "#school-picker")
    @on(Button.Pressed, "#next")
    def _look_up(self) -> None:
        self.clear_errors()
        if not self._loaded:
            if not self.is_busy:
                self._load()  # the list did not come (the registry was away): ask again
            return
        self.keep()
        form = self.form
        level, student_id, relationship = form.level, form.student_id, form.relationship
        assert level is not None
        assert student_id is not None
        assert relationship is not None
        school_code = self._picker.value
        if school_code is None:
            self.show_error(DomainError(ErrorCode.SCHOOL_UNKNOWN, field=SCHOOL_FIELD))
            self._picker.focus_list()
            return

        def found(result: StudentVerifyOut) -> None:
            form.found = StudentEntry(
                relationship=relationship,
                level=level,
                student_id=student_id,
                school_code=result.school_code,
                school_name=result.school_name,
                name=result.name,
                class_name=result.class_name,
            )
            self.dismiss(Onward())

        self.call_registry(
            self._next_button,
            lambda: self._client.verify_student(
                self._session, level, student_id.value, school_code
            ),
            found,
        )

    def keep(self) -> None:
        """What was typed in the search and the school chosen (once the list has come)."""
        if self._loaded:
            form = self.form
            if form.school_code != self._picker.value and form.found is not None:
                form.found = None
            form.search, form.school_code = self._picker.search, self._picker.value

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """上一步: to the level and the ID (what was searched and chosen is kept)."""
        self.keep()
        self.dismiss(Back())
