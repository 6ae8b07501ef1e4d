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

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from kiosk.domain.draft import MAX_STUDENTS, STUDENT_ID_FIELD, StudentEntry
from kiosk.domain.errors import N_, DomainError, DomainErrors, ErrorCode
from kiosk.domain.ids import IdNumber, parse_id
from kiosk.domain.people import (
    LEVEL_LABELS,
    RELATIONSHIP_LABELS,
    RELATIONSHIPS_BY_ROLE,
    Level,
    Relationship,
    RelationshipChoice,
    Role,
    parse_level,
    parse_relationship,
)
from kiosk.domain.schools import school_name_matches
from screens.base import BACK, Back, Chrome, WizardScreen

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.domain.wire import ParentSessionOut, SchoolOut, StudentVerifyOut

QUESTION: Final = N_("Choose your relationship to the student")
ONE_AT_A_TIME: Final = N_("To bind several students, fill in one student first.")
LEGAL_REPRESENTATIVE: Final = N_("Legal representative")
GUARDIAN: Final = N_("Guardian")
OTHER_PLACEHOLDER: Final = N_("Your relationship to the student, e.g. aunt")
LEVEL_QUESTION: Final = N_("Please choose the student's school level")
ID_QUESTION: Final = N_("Please enter the student's ID number")
VERIFY: Final = N_("Verify")
SCHOOL_QUESTION: Final = N_("Please choose the student's school")
SCHOOL_SEARCH: Final = N_("Type part of the school's name to search")
NO_SCHOOL_MATCHES: Final = N_("No school matches")
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


def _role_label(role: Role) -> str:
    return LEGAL_REPRESENTATIVE if role is Role.LEGAL_REPRESENTATIVE else GUARDIAN


class SchoolSearch(Input):
    """The search above the school list: Down goes on into the list (as Tab does)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "into_list", show=False)]

    class IntoList(Message):
        """Down was pressed in the search: the list below should take the keys."""

    def action_into_list(self) -> None:
        """Asks the screen to move on into the list."""
        self.post_message(self.IntoList())


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
        # Every school of that level; the list shows those matching the search.
        self._schools: list[SchoolOut] = []
        # The school chosen in the list (Enter or a tap), not merely highlighted.
        self._school_code: str | None = prefill.school_code if prefill is not None else None
        # The student the registry found, with the relationship chosen when it was asked (the
        # one chosen on leaving is the one kept); a student shown again counts as found.
        self._found: StudentEntry | None = prefill

    # --- layout ------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        """Relationship, level, ID, school, confirmation and the students added."""
        _ = self._
        chosen = self._relationship
        role = chosen.role if chosen is not None else Role.LEGAL_REPRESENTATIVE
        yield Static(_(QUESTION), classes="heading")
        yield Static(_(ONE_AT_A_TIME), classes="hint")
        with RadioSet(id="role", classes="inline"):
            for each in Role:
                yield RadioButton(_(_role_label(each)), value=each is role, id=f"role-{each}")
        # The relationships of each role inline under the roles, as the tutorial lists them (a
        # dropdown is an overlay, where Textual drops CJK characters straddling widget edges).
        for each in Role:
            with RadioSet(id=f"relations-{each}", classes="inline relations"):
                for relationship in RELATIONSHIPS_BY_ROLE[each]:
                    yield RadioButton(
                        _(RELATIONSHIP_LABELS[relationship]),
                        value=chosen is not None and chosen.relationship is relationship,
                        id=f"relation-{relationship}",
                    )
        yield Input(
            (chosen.description or "") if chosen is not None else "",
            placeholder=_(OTHER_PLACEHOLDER),
            id="relationship-other",
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
            # Up to ~140 schools in a level: typing part of a name narrows the list.
            yield SchoolSearch(placeholder=_(SCHOOL_SEARCH), id="school-search")
            # Inline and height-bounded, not a dropdown (an overlay; see the relationships).
            yield OptionList(id="school")
            yield Static(_(NO_SCHOOL_MATCHES), id="school-none")
            yield self.error_line("school-error")

        with Vertical(id="confirm-box"):
            yield Static(_(CONFIRM_QUESTION), classes="subheading")
            for label, widget_id in ((NAME, "found-name"), (CLASS, "found-class")):
                with Horizontal(classes="value-row"):
                    yield Static(_(label), classes="field-label")
                    yield Static(id=widget_id, classes="value")
            with Horizontal(classes="value-row"):
                yield Static(_(SCHOOL), classes="field-label")
                yield Static(id="found-school", classes="value")
            with Horizontal(classes="value-row"):
                yield Static(_(TITLE), classes="field-label")
                yield Static(id="found-title", classes="value")
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
        self._show_relations()
        self._show_other()
        self.query_one("#school-box").display = False
        self._show_found()
        # One student more would pass the limit: offer only 下一步.
        self.query_one("#add-another").display = len(self._students) < MAX_STUDENTS - 1
        if self._found is not None:
            self._load_schools(self._found.level, then_verify=False)
        if self._found is not None:
            # A student shown again: what is left to do is to go on (or correct the ID).
            self.query_one("#next").focus()
        else:
            first: Widget = self._relations() if self._relationship is None else self._level_set()
            first.focus()
        if self._initial_error is not None:
            self.show_error(self._initial_error)

    # --- what the parent chose ---------------------------------------------------------------

    def _role(self) -> Role:
        pressed = self.query_one("#role", RadioSet).pressed_button
        if pressed is not None and pressed.id == f"role-{Role.GUARDIAN}":
            return Role.GUARDIAN
        return Role.LEGAL_REPRESENTATIVE

    def _relations(self, role: Role | None = None) -> RadioSet:
        """The relationships of ``role`` (by default the role chosen now)."""
        return self.query_one(f"#relations-{role if role is not None else self._role()}", RadioSet)

    def _level_set(self) -> RadioSet:
        return self.query_one("#level", RadioSet)

    def _level(self) -> Level | None:
        pressed = self._level_set().pressed_button
        if pressed is None or pressed.id is None:
            return None
        return Level(pressed.id.removeprefix("level-"))

    def _relationship_value(self) -> str:
        pressed = self._relations().pressed_button
        if pressed is None or pressed.id is None:
            return ""
        return pressed.id.removeprefix("relation-")

    def _relationship_choice(self) -> RelationshipChoice:
        return parse_relationship(
            self._relationship_value(),
            self.query_one("#relationship-other", Input).value,
            field=RELATIONSHIP_FIELD,
            description_field=RELATIONSHIP_OTHER_FIELD,
        )

    def _describe(self, student: StudentEntry) -> str:
        return f"{student.name}　{student.class_name}　{student.relationship.title(self._)}"

    def _show_relations(self) -> None:
        role = self._role()
        for each in Role:
            self._relations(each).display = each is role

    def _show_other(self) -> None:
        other = self._relationship_value() == Relationship.OTHER
        self.query_one("#relationship-other", Input).display = other

    def _show_found(self) -> None:
        found = self._found
        self.query_one("#confirm-box").display = found is not None
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

    @on(RadioSet.Changed, "#role")
    def _role_changed(self) -> None:
        self._show_relations()
        self.clear_errors("relationship-error")
        self._show_other()
        self._show_title()

    @on(RadioSet.Changed, ".relations")
    def _relationship_changed(self) -> None:
        self.clear_errors("relationship-error")
        self._show_other()
        self._show_title()
        if self._relationship_value() == Relationship.OTHER:
            self.query_one("#relationship-other", Input).focus()

    @on(Input.Changed, "#relationship-other")
    def _other_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            self.clear_errors("relationship-error")
        self._show_title()

    @on(RadioSet.Changed, "#level")
    def _level_changed(self) -> None:
        self.clear_errors("level-error", "school-error")
        if self._level() is not self._schools_level:
            # Schools of another level: choose again.
            self.query_one("#school-box").display = False
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
        if self._schools_level is level and self.query_one("#school-box").display:
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
            student_id = parse_id(
                self.query_one("#student-id", Input).value, field=STUDENT_ID_FIELD
            )
        except DomainError as error:
            errors.append(error)
        if errors or relationship is None or level is None or student_id is None:
            self.show_error(DomainErrors(errors))
            return None
        return relationship, level, student_id

    def _load_schools(self, level: Level, *, then_verify: bool) -> None:
        self.call_registry(
            self.query_one("#verify", Button),
            lambda: self._client.schools(level),
            lambda schools: self._schools_loaded(level, schools, then_verify=then_verify),
            error_at="student-id-error",
        )

    def _schools_loaded(self, level: Level, schools: list[SchoolOut], *, then_verify: bool) -> None:
        search = self.query_one("#school-search", SchoolSearch)
        if level is not self._schools_level:
            # What was typed to find a school of another level.
            search.value = ""
        self._schools_level = level
        self._schools = list(schools)
        keep = self._school_code if self._found is None else self._found.school_code
        self._school_code = keep if keep in {school.code for school in schools} else None
        self._show_schools()
        self.query_one("#school-box").display = True
        listed = self.query_one("#school", OptionList)
        if self._school_code is not None:
            listed.scroll_to_highlight()
        if then_verify:
            if self._school_code is None:
                search.focus(scroll_visible=False)
                # Once laid out (it was hidden until now), the question and the list in view.
                box = self.query_one("#school-box")
                self.call_after_refresh(box.scroll_visible, animate=False)
            else:
                self._verify_student()

    def _show_schools(self) -> None:
        """Lists the schools whose names hold what is typed in the search (all when nothing is).

        A chosen school the search leaves out is no longer chosen: what is chosen is always in
        view, highlighted.
        """
        typed = self.query_one("#school-search", SchoolSearch).value
        shown = [school for school in self._schools if school_name_matches(typed, school.name)]
        listed = self.query_one("#school", OptionList)
        listed.set_options(Option(school.name, id=school.code) for school in shown)
        codes = [school.code for school in shown]
        if self._school_code is not None:
            if self._school_code in codes:
                # The choice shown again: the highlight is what marks it.
                listed.highlighted = codes.index(self._school_code)
            else:
                self._school_code = None
                self._forget_found()
        listed.display = bool(shown)
        self.query_one("#school-none").display = not shown

    @on(Input.Changed, "#school-search")
    def _search_changed(self) -> None:
        self._show_schools()

    @on(Input.Submitted, "#school-search")
    def _search_submitted(self) -> None:
        """Enter in the search: the one school left is chosen; among several, on to the list."""
        listed = self.query_one("#school", OptionList)
        if listed.option_count == 1:
            listed.highlighted = 0
            self._choose_school(listed.get_option_at_index(0).id)
        else:
            self._into_list()

    @on(SchoolSearch.IntoList)
    def _into_list(self) -> None:
        listed = self.query_one("#school", OptionList)
        if not listed.option_count:
            return
        if listed.highlighted is None:
            listed.highlighted = 0
        listed.focus()

    @on(OptionList.OptionSelected, "#school")
    def _school_chosen(self, event: OptionList.OptionSelected) -> None:
        self._choose_school(event.option.id)

    def _choose_school(self, code: str | None) -> None:
        self.clear_errors("school-error", "student-id-error")
        self._forget_found()
        self._school_code = code
        self._verify_student()

    def _verify_student(self) -> None:
        checked = self._checked_form()
        if checked is None:
            return
        school_code = self._school_code
        if school_code is None:
            self.show_error(DomainError(ErrorCode.SCHOOL_UNKNOWN, field=SCHOOL_FIELD))
            self.query_one("#school", OptionList).focus()
            return
        relationship, level, student_id = checked
        self.call_registry(
            self.query_one("#verify", Button),
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
        self.call_after_refresh(self.query_one("#confirm-box").scroll_visible, animate=False)
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
        return not self.query_one("#student-id", Input).value.strip()

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
