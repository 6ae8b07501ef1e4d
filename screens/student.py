"""Step 2: 確認學生資訊, one question per screen — what its four screens share.

The student step asks one thing at a time, so that at 80×24 the question never scrolls away:

1. :mod:`screens.student_relationship` — the relationship to the student;
2. :mod:`screens.student_id` — the school level and the student's ID number;
3. :mod:`screens.student_school` — the school (a search over the level's list); choosing it asks
   the registry for the pupil;
4. :mod:`screens.student_confirm` — the student found (姓名 / 班級 / 稱謂) and the students already
   in the application, with 新增綁定學生 and 下一步.

One student at a time (the tutorial's 「綁定多位學生，請先擇一位填寫」). What the parent entered
lives in one :class:`StudentForm` the screens share and the flow keeps while it asks about one
student, so 上一步 finds every answer again. Which screen comes next is the flow's
(:mod:`kiosk.flow`), not the screens'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Final, TypeVar

from textual.binding import Binding, BindingType
from textual.widgets import Button

from kiosk.domain.draft import StudentEntry
from kiosk.domain.errors import N_
from kiosk.domain.ids import IdNumber
from kiosk.domain.people import Level, RelationshipChoice
from screens.base import Back, WizardScreen

ResultT = TypeVar("ResultT")

QUESTION: Final = N_("Choose your relationship to the student")
ONE_AT_A_TIME: Final = N_("To bind several students, fill in one student first.")
LEVEL_QUESTION: Final = N_("Please choose the student's school level")
ID_QUESTION: Final = N_("Please enter the student's ID number")
SCHOOL_QUESTION: Final = N_("Please choose the student's school")
CONFIRM_QUESTION: Final = N_("Please confirm the student's details")
NAME: Final = N_("Name")
CLASS: Final = N_("Class")
SCHOOL: Final = N_("School")
TITLE: Final = N_("Relationship")
ADDED: Final = N_("Students in this application")
REMOVE: Final = N_("Remove")
ADD_ANOTHER: Final = N_("Add another student")
NEXT: Final = N_("Next")
PREVIOUS: Final = N_("Previous")
HELP: Final = N_(
    "**Relationship**: a legal representative chooses Father or Mother; a guardian chooses "
    "Grandfather, Grandmother, Maternal grandfather, Maternal grandmother or Other (and says "
    "what).\n\n"
    "Choose the student's school level, type the student's ID number and press 「Next」; then "
    "choose the student's school. Check the student's name and class, then press 「Next」.\n\n"
    "To add a student, press 「Add another student」 and repeat the steps above."
)

RELATIONSHIP_FIELD: Final = "relationship"
RELATIONSHIP_OTHER_FIELD: Final = "relationship_other"
LEVEL_FIELD: Final = "level"
SCHOOL_FIELD: Final = "school_code"


@dataclass
class StudentForm:
    """What the parent entered about one student, kept across the step's screens.

    Each screen writes its answers here as it is left (either way), so going back and forth
    finds them again.

    Attributes:
        relationship: The relationship chosen (the previous student's, for the next one).
        level: The school level chosen.
        typed_id: The student's ID number as typed.
        student_id: The ID number, checked (set with the level on going on from the ID screen).
        search: What was typed to find the school.
        school_code: The school chosen.
        found: The student the registry found for these answers (None until then, and again
            once the level or the ID changes).
    """

    relationship: RelationshipChoice | None = None
    level: Level | None = None
    typed_id: str = ""
    student_id: IdNumber | None = None
    search: str = ""
    school_code: str | None = None
    found: StudentEntry | None = field(default=None)

    def next_student(self) -> StudentForm:
        """A form for another student: nothing of this one but the relationship."""
        return StudentForm(relationship=self.relationship)


@dataclass(frozen=True, slots=True)
class Onward:
    """下一步 on one of the student's screens: its answers are in the :class:`StudentForm`."""


@dataclass(frozen=True, slots=True)
class StudentChosen:
    """The student found was confirmed.

    Attributes:
        entry: The student, as the registry found them, with the relationship chosen.
        more: 新增綁定學生 (another student follows) rather than 下一步.
    """

    entry: StudentEntry
    more: bool


@dataclass(frozen=True, slots=True)
class StudentsDone:
    """下一步 (or 新增綁定學生, ``more``) with the students already added and none found anew."""

    more: bool = False


@dataclass(frozen=True, slots=True)
class StudentRemoved:
    """移除: the student at ``index`` of the application is taken out."""

    index: int


StepResult = Onward | Back
ConfirmResult = StudentChosen | StudentsDone | StudentRemoved | Back


class StudentStepScreen(WizardScreen[ResultT]):
    """One screen of the student step: step 2 on the indicator, its help, Esc for 上一步.

    Subclasses save their answers in :meth:`keep` on leaving (either way), and bind 上一步
    (``#back``, Esc) to ``action_back``.
    """

    STEP: ClassVar[int] = 2
    HELP: ClassVar[str] = HELP
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def previous_button(self) -> Button:
        """上一步 (left in the action row)."""
        return Button(self._(PREVIOUS), id="back")

    def keep(self) -> None:
        """Writes what was entered into the form (nothing to keep by default)."""
