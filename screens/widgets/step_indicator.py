"""The wizard's step indicator: ① ─ ② ─ ③ ─ ④, done steps ticked, the current one highlighted."""

from __future__ import annotations

from typing import ClassVar, Final

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

#: The highest step count the circled digits ① … ⑳ can show.
MAX_STEPS: Final = 20
#: What a finished step shows instead of its number.
TICK: Final = "✓"
#: Between two steps.
CONNECTOR: Final = "─"


def circled(number: int) -> str:
    """The circled digit for ``number`` (① for 1 … ⑳ for 20).

    Args:
        number: From 1 to :data:`MAX_STEPS`.

    Raises:
        ValueError: When ``number`` has no circled digit.
    """
    if not 1 <= number <= MAX_STEPS:
        raise ValueError(f"no circled digit for {number}")
    return chr(ord("①") + number - 1)


class StepIndicator(Widget):
    """Shows where the parent is in the wizard: ``✓ ─ ✓ ─ ③ ─ ④``.

    Steps before the current one are ticked, the current one is highlighted and the steps still
    to come are dimmed. Step 0 (the Welcome screen) shows every step as still to come; any step
    past the last one (the Progress page) shows every step ticked. Each step takes three cells and
    each connector one, so four steps fit in 15 cells of an 80-column header.
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
        & > .step-indicator--done {
            color: $text-success;
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
            color: $text-success;
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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the indicator.

        Args:
            step: The current step (see :attr:`step`).
            total: How many steps there are (1 to :data:`MAX_STEPS`).
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.

        Raises:
            ValueError: When ``total`` is out of range.
        """
        if not 1 <= total <= MAX_STEPS:
            raise ValueError(f"total must be 1 to {MAX_STEPS}, not {total}")
        self._total = total
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
                parts.append((f" {TICK} ", done))
            elif number == self.step:
                parts.append((f" {circled(number)} ", current))
            else:
                parts.append((f" {circled(number)} ", todo))
        return Content.assemble(*parts)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """Three cells a step, one a connector."""
        return 3 * self._total + (self._total - 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Always one line."""
        return 1
