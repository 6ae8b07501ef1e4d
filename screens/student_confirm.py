"""Step 2, last screen: the student found, to confirm, and the students in the application.

新增綁定學生 keeps the student found and asks for another; 下一步 goes on. The students already
added are listed, each with 移除. Coming back to the step with students added (from the consent,
say) opens this screen with none found anew: 下一步 goes on with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.domain.draft import MAX_STUDENTS, STUDENT_ID_FIELD, StudentEntry
from kiosk.domain.errors import N_, DomainError
from screens.base import Back, Chrome
from screens.student import (
    ADD_ANOTHER,
    ADDED,
    CLASS,
    CONFIRM_QUESTION,
    NAME,
    NEXT,
    REMOVE,
    SCHOOL,
    TITLE,
    ConfirmResult,
    StudentChosen,
    StudentForm,
    StudentRemoved,
    StudentsDone,
    StudentStepScreen,
)

CONFIRM_HINT: Final = N_(
    "If the details are right, press 「Next」; to add another student, press "
    "「Add another student」."
)


class StudentConfirmScreen(StudentStepScreen[ConfirmResult]):
    """The student found (姓名, 班級, 學校, 稱謂) and the students already added.

    Args:
        chrome: Words, help line, demo banner.
        form: The student's answers, with the student found (or none, when only the students
            already added are shown).
        students: The students already in the application.
        error: An error to show at once (the flow's, e.g. a student added twice).
    """

    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {
        STUDENT_ID_FIELD: "confirm-error",
        None: "confirm-error",
    }

    def __init__(
        self,
        chrome: Chrome,
        *,
        form: StudentForm,
        students: Sequence[StudentEntry] = (),
        error: DomainError | None = None,
    ) -> None:
        super().__init__(chrome)
        self.form = form
        self._students = tuple(students)
        self._initial_error = error

    def _entry(self) -> StudentEntry | None:
        """The student found, with the relationship chosen now."""
        found, relationship = self.form.found, self.form.relationship
        if found is None or relationship is None:
            return None
        return replace(found, relationship=relationship)

    def _describe(self, student: StudentEntry) -> str:
        return f"{student.name}　{student.class_name}　{student.relationship.title(self._)}"

    def compose_body(self) -> ComposeResult:
        """The student found, the hint, the students added."""
        _ = self._
        entry = self._entry()
        if entry is not None:
            yield Static(_(CONFIRM_QUESTION), classes="heading")
            with Vertical(id="confirm-box"):
                rows = (
                    (NAME, "found-name", entry.name),
                    (CLASS, "found-class", entry.class_name),
                    (SCHOOL, "found-school", entry.school_name),
                    (TITLE, "found-title", entry.relationship.title(_)),
                )
                for label, widget_id, value in rows:
                    with Horizontal(classes="value-row"):
                        yield Static(_(label), classes="field-label")
                        yield Static(value, id=widget_id, classes="value")
            yield self.error_line("confirm-error")
            yield Static(_(CONFIRM_HINT), classes="hint")
        else:
            yield Static(_(ADDED), classes="heading")
            yield self.error_line("confirm-error")
        if self._students:
            with Vertical(id="added"):
                if entry is not None:
                    yield Static(_(ADDED), classes="subheading")
                for index, student in enumerate(self._students):
                    with Horizontal(classes="added-row"):
                        yield Static(self._describe(student), classes="added-student")
                        yield Button(_(REMOVE), id=f"remove-{index}", classes="remove")

    def compose_actions(self) -> ComposeResult:
        """上一步 left; 新增綁定學生 and 下一步 right."""
        _ = self._
        yield self.previous_button()
        yield self.spacer()
        yield Button(_(ADD_ANOTHER), id="add-another")
        yield Button(_(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """下一步 focused; 新增綁定學生 only while another student fits; any error shown."""
        found = 1 if self.form.found is not None else 0
        # One student more would pass the limit: offer only 下一步.
        self.query_one("#add-another").display = len(self._students) + found < MAX_STUDENTS
        self.query_one("#next").focus()
        if self._initial_error is not None:
            self.show_error(self._initial_error)
            # The error sits under the details: the question stays in view above it.
            self.call_after_refresh(self.query_one("#body").scroll_home, animate=False)

    @on(Button.Pressed, "#add-another")
    def _add_another(self) -> None:
        self._leave(more=True)

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self._leave(more=False)

    def _leave(self, *, more: bool) -> None:
        entry = self._entry()
        if entry is None:
            self.dismiss(StudentsDone(more=more))
        else:
            self.dismiss(StudentChosen(entry, more=more))

    @on(Button.Pressed, ".remove")
    def _remove(self, event: Button.Pressed) -> None:
        if event.button.id is not None:
            self.dismiss(StudentRemoved(int(event.button.id.removeprefix("remove-"))))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """上一步: to the school (or, with no student found anew, out of the step)."""
        self.dismiss(Back())
