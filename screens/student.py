"""Step 2: 確認學生資訊 — relationship, level, the student's ID, the school, then confirm.

One student at a time (the tutorial's 「綁定多位學生，請先擇一位填寫」): 驗證 checks the ID and
opens the school list of the chosen level, with a search over it (part of a name narrows the
list; Down or Tab goes on into it, Enter in the search takes the one school left); choosing the
school asks the registry for the pupil, whose 姓名 / 班級 / 稱謂 are shown to confirm. 新增綁定學生
keeps this one and asks for another; 下一步 goes on. The students already added are listed, each
with 移除.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, Final

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from kiosk.domain.draft import MAX_STUDENTS, STUDENT_ID_FIELD, StudentEntry
from kiosk.domain.errors import N_, DomainError, DomainErrors, ErrorCode
from kiosk.domain.ids import IdNumber, parse_id
from kiosk.domain.people import (
    LEVEL_LABELS,
    Level,
    RelationshipChoice,
    parse_level,
    parse_relationship,
)
from screens.base import BACK, Back, Chrome, WizardScreen
from screens.widgets.relationship_picker import RelationshipPicker
from screens.widgets.school_picker import SchoolPicker

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.domain.wire import ParentSessionOut, SchoolOut, StudentVerifyOut

QUESTION: Final = N_("Choose your relationship to the student")
ONE_AT_A_TIME: Final = N_("To bind several students, fill in one student first.")
LEVEL_QUESTION: Final = N_("Please choose the student's school level")
ID_QUESTION: Final = N_("Please enter the student's ID number")
VERIFY: Final = N_("Verify")
SCHOOL_QUESTION: Final = N_("Please choose the student's school")
CONFIRM_QUESTION: Final = N_("Please confirm the student's details")
NAME: Final = N_("Name")
CLASS: Final = N_("Class")
SCHOOL: Final = N_("School")
TITLE: Final = N_("Relationship")
CONFIRM_HINT: Final = N_(
    "If the details are right, press 「Next」; to add another student, press "
    "「Add another student」."
)
ADDED: Final = N_("Students in this application")
REMOVE: Final = N_("Remove")
ADD_ANOTHER: Final = N_("Add another student")
NEXT: Final = N_("Next")
NOT_VERIFIED: Final = N_("Please press 「Verify」 and choose the school to confirm the student.")
HELP: Final = N_(
    "**Relationship**: a legal representative chooses Father or Mother; a guardian chooses "
    "Grandfather, Grandmother, Maternal grandfather, Maternal grandmother or Other (and says "
    "what).\n\n"
    "Choose the student's school level, type the student's ID number and press 「Verify」; then "
    "choose the student's school. Check the student's name and class, then press 「Next」.\n\n"
    "To add a student, press 「Add another student」 and repeat the steps above."
)

RELATIONSHIP_FIELD: Final = "relationship"
RELATIONSHIP_OTHER_FIELD: Final = "relationship_other"
LEVEL_FIELD: Final = "level"
SCHOOL_FIELD: Final = "school_code"


@dataclass(frozen=True, slots=True)
class StudentChosen:
    """A student was verified and confirmed.

    Attributes:
        entry: The student, as the registry found them, with the relationship chosen.
        more: 新增綁定學生 (another student follows) rather than 下一步.
    """

    entry: StudentEntry
    more: bool


@dataclass(frozen=True, slots=True)
class StudentsDone:
    """下一步 with the students already added (nothing new in the form)."""


@dataclass(frozen=True, slots=True)
class StudentRemoved:
    """移除: the student at ``index`` of the application is taken out."""

    index: int


StudentResult = StudentChosen | StudentsDone | StudentRemoved | Back

#: The rows of the student found, to confirm: label, id of the value.
_FOUND_ROWS: Final = (
    (NAME, "found-name"),
    (CLASS, "found-class"),
    (SCHOOL, "found-school"),
    (TITLE, "found-title"),
)


class StudentScreen(WizardScreen[StudentResult]):
    """One student: relationship, level, ID + 驗證, school, confirm.

    Args:
        chrome: Words, help line, demo banner.
        client: The registry (schools of a level, the pupil look-up).
        session: The parent's verified session.
        students: The students already in the application.
        prefill: A student to show again (after an error, or to correct).
        relationship: The relationship to start with (the previous student's).
        error: An error to show at once (the flow's, e.g. a student added twice).
    """

    STEP: ClassVar[int] = 2
    HELP: ClassVar[str] = HELP
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        RELATIONSHIP_FIELD: "relationship-error",
        RELATIONSHIP_OTHER_FIELD: "relationship-error",
        LEVEL_FIELD: "level-error",
        STUDENT_ID_FIELD: "student-id-error",
        SCHOOL_FIELD: "school-error",
    }
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    _relationship_picker = getters.query_one("#relationship-picker", RelationshipPicker)
    _level_set = getters.query_one("#level", RadioSet)
    _student_id = getters.query_one("#student-id", Input)
    _verify_button = getters.query_one("#verify", Button)
    _school_box = getters.query_one("#school-box", Vertical)
    _school_picker = getters.query_one("#school-picker", SchoolPicker)
    _confirm_box = getters.query_one("#confirm-box", Vertical)

    def __init__(
        self,
        chrome: Chrome,
        *,
        client: RegistryClient,
        session: ParentSessionOut,
        students: Sequence[StudentEntry] = (),
        prefill: StudentEntry | None = None,
        relationship: RelationshipChoice | None = None,
        error: DomainError | None = None,
    ) -> None:
        super().__init__(chrome)
        self._client = client
        self._session = session
        self._students = tuple(students)
        self._prefill = prefill
        self._relationship = prefill.relationship if prefill is not None else relationship
        self._initial_error = error
        self._schools_level: Level | None = None
        # The student the registry found, with the relationship chosen when it was asked (the
        # one chosen on leaving is the one kept); a student shown again counts as found.
        self._found: StudentEntry | None = prefill

    # --- layout ------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        """Relationship, level, ID, school, confirmation and the students added."""
        _ = self._
        yield Static(_(QUESTION), classes="heading")
        yield Static(_(ONE_AT_A_TIME), classes="hint")
        yield RelationshipPicker(
            self.chrome.translator, self._relationship, id="relationship-picker"
        )
        yield self.error_line("relationship-error")

        level = self._prefill.level if self._prefill is not None else None
        yield Static(_(LEVEL_QUESTION), classes="label")
        with RadioSet(id="level", classes="inline"):
            for option in Level:
                yield RadioButton(
                    _(LEVEL_LABELS[option]), value=option is level, id=f"level-{option}"
                )
        yield self.error_line("level-error")

        yield Static(_(ID_QUESTION), classes="label")
        with Horizontal(classes="field-row"):
            typed = self._prefill.student_id.value if self._prefill is not None else ""
            yield Input(typed, id="student-id", max_length=32)
            yield Button(_(VERIFY), id="verify")
        yield self.error_line("student-id-error")

        with Vertical(id="school-box"):
            yield Static(_(SCHOOL_QUESTION), classes="label")
            yield SchoolPicker(self.chrome.translator, id="school-picker")
            yield self.error_line("school-error")

        with Vertical(id="confirm-box"):
            yield Static(_(CONFIRM_QUESTION), classes="subheading")
            for label, widget_id in _FOUND_ROWS:
                with Horizontal(classes="value-row"):
                    yield Static(_(label), classes="field-label")
                    yield Static(id=widget_id, classes="value")
            yield Static(_(CONFIRM_HINT), classes="hint")

        if self._students:
            with Vertical(id="added"):
                yield Static(_(ADDED), classes="subheading")
                for index, student in enumerate(self._students):
                    with Horizontal(classes="added-row"):
                        yield Static(self._describe(student), classes="added-student")
                        yield Button(
                            _(REMOVE), id=f"remove-{index}", classes="remove", compact=True
                        )
        yield self.error_line("form-error")

    def compose_actions(self) -> ComposeResult:
        """返回 left; 新增綁定學生 and 下一步 right."""
        _ = self._
        yield Button(_(BACK), id="back")
        yield self.spacer()
        yield Button(_(ADD_ANOTHER), id="add-another")
        yield Button(_(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """Shows what applies now, loads the prefilled student's schools, shows any error."""
        self._school_box.display = False
        self._show_found()
        # One student more would pass the limit: offer only 下一步.
        self.query_one("#add-another").display = len(self._students) < MAX_STUDENTS - 1
        if self._found is not None:
            self._load_schools(self._found.level, then_verify=False)
            # A student shown again: what is left to do is to go on (or correct the ID).
            self.query_one("#next").focus()
        else:
            first: Widget = (
                self._relationship_picker if self._relationship is None else self._level_set
            )
            first.focus()
        if self._initial_error is not None:
            self.show_error(self._initial_error)

    # --- what the parent chose ---------------------------------------------------------------

    def _level(self) -> Level | None:
        pressed = self._level_set.pressed_button
        if pressed is None or pressed.id is None:
            return None
        return Level(pressed.id.removeprefix("level-"))

    def _relationship_choice(self) -> RelationshipChoice:
        picker = self._relationship_picker
        return parse_relationship(
            picker.relationship or "",
            picker.description,
            field=RELATIONSHIP_FIELD,
            description_field=RELATIONSHIP_OTHER_FIELD,
        )

    def _describe(self, student: StudentEntry) -> str:
        return f"{student.name}　{student.class_name}　{student.relationship.title(self._)}"

    def _show_found(self) -> None:
        found = self._found
        self._confirm_box.display = found is not None
        if found is None:
            return
        self.query_one("#found-name", Static).update(found.name)
        self.query_one("#found-class", Static).update(found.class_name)
        self.query_one("#found-school", Static).update(found.school_name)
        self._show_title()

    def _show_title(self) -> None:
        try:
            title = self._relationship_choice().title(self._)
        except DomainError:
            title = ""
        self.query_one("#found-title", Static).update(title)

    def _forget_found(self) -> None:
        if self._found is not None:
            self._found = None
            self._show_found()

    @on(RelationshipPicker.Changed, "#relationship-picker")
    def _relationship_changed(self) -> None:
        self.clear_errors("relationship-error")
        self._show_title()

    @on(RadioSet.Changed, "#level")
    def _level_changed(self) -> None:
        self.clear_errors("level-error", "school-error")
        if self._level() is not self._schools_level:
            # Schools of another level: choose again.
            self._school_box.display = False
            self._forget_found()

    @on(Input.Changed, "#student-id")
    def _id_changed(self, event: Input.Changed) -> None:
        if not event.input.has_focus:
            # The screen filled it in (a student shown again): keep the error shown with it.
            return
        self.clear_errors("student-id-error")
        found = self._found
        if found is not None and event.value.strip().upper() != found.student_id.value:
            self._forget_found()

    # --- 驗證 and the school -----------------------------------------------------------------

    @on(Input.Submitted, "#student-id")
    @on(Button.Pressed, "#verify")
    def _verify(self) -> None:
        self.clear_errors()
        checked = self._checked_form()
        if checked is None:
            return
        _relationship, level, _student_id = checked
        if self._schools_level is level and self._school_box.display:
            self._verify_student()
        else:
            self._load_schools(level, then_verify=True)

    def _checked_form(self) -> tuple[RelationshipChoice, Level, IdNumber] | None:
        """The relationship, level and ID when all are right; else None, showing why."""
        errors: list[DomainError] = []
        relationship: RelationshipChoice | None = None
        try:
            relationship = self._relationship_choice()
        except DomainError as error:
            errors.append(error)
        level: Level | None = None
        try:
            level = parse_level(str(self._level() or ""), field=LEVEL_FIELD)
        except DomainError as error:
            errors.append(error)
        student_id: IdNumber | None = None
        try:
            student_id = parse_id(self._student_id.value, field=STUDENT_ID_FIELD)
        except DomainError as error:
            errors.append(error)
        if errors or relationship is None or level is None or student_id is None:
            self.show_error(DomainErrors(errors))
            return None
        return relationship, level, student_id

    def _load_schools(self, level: Level, *, then_verify: bool) -> None:
        self.call_registry(
            self._verify_button,
            lambda: self._client.schools(level),
            lambda schools: self._schools_loaded(level, schools, then_verify=then_verify),
            error_at="student-id-error",
        )

    def _schools_loaded(self, level: Level, schools: list[SchoolOut], *, then_verify: bool) -> None:
        picker = self._school_picker
        if level is not self._schools_level:
            # What was typed to find a school of another level.
            picker.clear_search()
        self._schools_level = level
        keep = picker.value if self._found is None else self._found.school_code
        picker.set_schools(schools, value=keep)
        self._school_box.display = True
        if then_verify:
            if picker.value is None:
                picker.focus(scroll_visible=False)
                # Once laid out (it was hidden until now), the question and the list in view.
                self.call_after_refresh(self._school_box.scroll_visible, animate=False)
            else:
                self._verify_student()

    @on(SchoolPicker.Changed, "#school-picker")
    def _school_changed(self, event: SchoolPicker.Changed) -> None:
        if event.value is None:
            # The search left the school out: no longer chosen, nothing to confirm.
            self._forget_found()

    @on(SchoolPicker.Selected, "#school-picker")
    def _school_chosen(self) -> None:
        self.clear_errors("school-error", "student-id-error")
        self._forget_found()
        self._verify_student()

    def _verify_student(self) -> None:
        checked = self._checked_form()
        if checked is None:
            return
        school_code = self._school_picker.value
        if school_code is None:
            self.show_error(DomainError(ErrorCode.SCHOOL_UNKNOWN, field=SCHOOL_FIELD))
            self._school_picker.focus_list()
            return
        relationship, level, student_id = checked
        self.call_registry(
            self._verify_button,
            lambda: self._client.verify_student(
                self._session, level, student_id.value, school_code
            ),
            lambda result: self._student_found(relationship, level, student_id, result),
            # "Not found" is the same whatever was wrong; it is shown under the ID and 驗證.
            error_at="student-id-error",
        )

    def _student_found(
        self,
        relationship: RelationshipChoice,
        level: Level,
        student_id: IdNumber,
        result: StudentVerifyOut,
    ) -> None:
        self._found = StudentEntry(
            relationship=relationship,
            level=level,
            student_id=student_id,
            school_code=result.school_code,
            school_name=result.school_name,
            name=result.name,
            class_name=result.class_name,
        )
        self._show_found()
        # After the next refresh: the box was hidden until now and has no place to scroll to yet.
        self.call_after_refresh(self._confirm_box.scroll_visible, animate=False)
        self.query_one("#next", Button).focus()

    # --- leaving -----------------------------------------------------------------------------

    def _entry(self) -> StudentEntry | None:
        """The confirmed student, with the relationship chosen now; or None (with the reason
        shown) when there is none yet."""
        found = self._found
        try:
            relationship = self._relationship_choice()
        except DomainError as error:
            self.show_error(error)
            return None
        if found is None:
            return None
        return replace(found, relationship=relationship)

    def _form_is_empty(self) -> bool:
        return not self._student_id.value.strip()

    @on(Button.Pressed, "#add-another")
    def _add_another(self) -> None:
        self._leave(more=True)

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self._leave(more=False)

    def _leave(self, *, more: bool) -> None:
        self.clear_errors()
        if self.is_busy:
            return
        if self._found is None:
            if not more and self._students and self._form_is_empty():
                self.dismiss(StudentsDone())
                return
            if not self._students and self._form_is_empty():
                self.show_error(DomainError(ErrorCode.DRAFT_NO_STUDENTS))
            else:
                line = self.query_one("#form-error", Static)
                line.update(self._(NOT_VERIFIED))
                line.add_class("-shown")
            return
        entry = self._entry()
        if entry is not None:
            self.dismiss(StudentChosen(entry, more=more))

    @on(Button.Pressed, ".remove")
    def _remove(self, event: Button.Pressed) -> None:
        if event.button.id is not None:
            self.dismiss(StudentRemoved(int(event.button.id.removeprefix("remove-"))))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """返回: to the contact step (what was added stays in the application)."""
        self.dismiss(Back())
