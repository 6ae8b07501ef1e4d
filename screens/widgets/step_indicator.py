"""The wizard's step indicator: ``✓1 驗證 >[2 學生]> 3 同意 > 4 家長``, each step named.

Drawn only in characters whose width no terminal disagrees on (ASCII, the CJK names, and ``✓``,
which Unicode gives a narrow width everywhere): the circled digits and box-drawing lines of old
(①, ─) are East-Asian-ambiguous and misalign on terminals that draw them wide. The state of a
step shows in its shape as well as its colour: a tick before a finished step, brackets around
the current one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Final

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

from kiosk.domain.errors import N_

#: The highest step count the indicator shows.
MAX_STEPS: Final = 20
#: Before a finished step.
TICK: Final = "\u2713"
#: Between two steps.
CONNECTOR: Final = ">"
#: Around the current step.
CURRENT_LEFT: Final = "["
CURRENT_RIGHT: Final = "]"
#: The names of the wizard's four steps (message ids): 驗證 (contact and code), 學生, 同意, 家長
#: (the parent and the review).
STEP_NAMES: Final = (N_("Verify"), N_("Students"), N_("Consent"), N_("Parent"))


class StepIndicator(Widget):
    """Shows where the parent is in the wizard: ``✓1 驗證 >[2 學生]> 3 同意 > 4 家長``.

    Steps before the current one are ticked, the current one is bracketed and highlighted and the
    steps still to come are dimmed. Step 0 (the Welcome screen) shows every step as still to
    come; any step past the last one (the Progress page) shows every step ticked. A step takes
    its number, a space and its name (when given) between two cells for the marks; a connector
    one cell: the same width whatever the step, so the header does not shift.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "step-indicator--done",
        "step-indicator--current",
        "step-indicator--todo",
        "step-indicator--connector-done",
        "step-indicator--connector-todo",
    }
    """
    | Class | Description |
    | :- | :- |
    | `step-indicator--done` | A finished step (shown as a tick). |
    | `step-indicator--current` | The step the parent is on. |
    | `step-indicator--todo` | A step still to come. |
    | `step-indicator--connector-done` | The line leading to a step already reached. |
    | `step-indicator--connector-todo` | The line leading to a step still to come. |
    """

    DEFAULT_CSS = """
    StepIndicator {
        width: auto;
        height: 1;
        /* Against the header's colour, whatever the theme: the tick says done, not green. */
        & > .step-indicator--done {
            color: $text;
            text-style: bold;
        }
        & > .step-indicator--current {
            background: $accent;
            color: $text;
            text-style: bold;
        }
        & > .step-indicator--todo {
            color: $text-muted;
        }
        & > .step-indicator--connector-done {
            color: $text;
        }
        & > .step-indicator--connector-todo {
            color: $text-muted;
        }
    }
    """

    step: reactive[int] = reactive(0)
    """The step the parent is on: 0 before the first step, ``total + 1`` when all are done.

    Values outside ``0 … total + 1`` are clamped.
    """

    def __init__(
        self,
        step: int = 0,
        total: int = 4,
        *,
        names: Sequence[str] = (),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the indicator.

        Args:
            step: The current step (see :attr:`step`).
            total: How many steps there are (1 to :data:`MAX_STEPS`).
            names: Each step's name, in the screen's language (none: numbers only).
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.

        Raises:
            ValueError: When ``total`` is out of range, or ``names`` are not one per step.
        """
        if not 1 <= total <= MAX_STEPS:
            raise ValueError(f"total must be 1 to {MAX_STEPS}, not {total}")
        if names and len(names) != total:
            raise ValueError(f"{len(names)} names for {total} steps")
        self._total = total
        self._names = tuple(names)
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(StepIndicator.step, self.validate_step(step))

    @property
    def total(self) -> int:
        """How many steps the indicator shows."""
        return self._total

    def validate_step(self, step: int) -> int:
        """Keeps the step within ``0 … total + 1``."""
        return max(0, min(step, self._total + 1))

    def render(self) -> Content:
        """Draws the steps and their connectors."""
        done = self.get_visual_style("step-indicator--done")
        current = self.get_visual_style("step-indicator--current")
        todo = self.get_visual_style("step-indicator--todo")
        line_done = self.get_visual_style("step-indicator--connector-done")
        line_todo = self.get_visual_style("step-indicator--connector-todo")
        parts: list[tuple[str, Style]] = []
        for number in range(1, self._total + 1):
            if number > 1:
                parts.append((CONNECTOR, line_done if number <= self.step else line_todo))
            if number < self.step:
                parts.append((f"{TICK}{self._label(number)} ", done))
            elif number == self.step:
                parts.append((f"{CURRENT_LEFT}{self._label(number)}{CURRENT_RIGHT}", current))
            else:
                parts.append((f" {self._label(number)} ", todo))
        return Content.assemble(*parts)

    def rename(self, names: Sequence[str]) -> None:
        """Each step's name again (the parent switched the language), one per step."""
        if len(names) != self.total:
            raise ValueError(f"{len(names)} names for {self.total} steps")
        self._names = tuple(names)
        self.refresh(layout=True)

    def _label(self, number: int) -> str:
        """The step's number, and its name when it has one."""
        if self._names:
            return f"{number} {self._names[number - 1]}"
        return str(number)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """Each step's label and its two marks, one cell a connector."""
        labels = sum(
            Content(self._label(number)).cell_length for number in range(1, self._total + 1)
        )
        return labels + 2 * self._total + (self._total - 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Always one line."""
        return 1
