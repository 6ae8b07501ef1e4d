"""Radio buttons and check boxes whose state has a shape, not only a colour.

Textual draws a radio button ``▐●▌`` whether chosen or not and a check box ``▐X▌`` even while
not ticked: only the colour tells them apart, which a parent who sees poorly or a monochrome
terminal cannot. These draw the state in characters of unambiguous width (ASCII, the same width
on every terminal, whatever its East-Asian setting):

============  ==========  ==============
state         radio       check box
============  ==========  ==============
chosen        ``(*)``     ``[x]``
not chosen    ``( )``     ``[ ]``
disabled      ``(-)``     ``[-]``  (when not chosen)
focused       ``>`` before the mark
============  ==========  ==============

They are the Textual widgets (:class:`~textual.widgets.RadioButton`,
:class:`~textual.widgets.Checkbox`) with only the drawing of the mark changed, so a
:class:`~textual.widgets.RadioSet` takes them and queries for the Textual classes find them.
"""

from __future__ import annotations

from typing import ClassVar, Final

from textual.content import Content
from textual.geometry import Size
from textual.widgets import Checkbox, RadioButton, RadioSet

#: Before the mark of the button the keys act on now; a space elsewhere (the width stays).
FOCUS_MARK: Final = ">"
#: The characters every mark is drawn with (tests check none has an ambiguous width).
MARK_CHARACTERS: Final = frozenset("()[]*x -" + FOCUS_MARK)

#: The component class of the mark (Textual's own ``toggle--button`` styles a block, not a shape).
MARK_CLASS: Final = "marked--mark"

_MARK_CSS: Final = """
    {name} {{
        & > .marked--mark {{
            color: $foreground;
            text-style: bold;
        }}
        &.-on > .marked--mark {{
            color: $text-success;
        }}
        &:disabled > .marked--mark {{
            color: $text-disabled;
        }}
    }}
"""


def _mark(button: RadioButton | Checkbox, left: str, on: str, right: str) -> Content:
    """``>`` when focused, then the mark for the button's state."""
    if button.value:
        inner = on
    elif button.disabled:
        inner = "-"
    else:
        inner = " "
    parent = button.parent
    focused = button.has_focus or (
        isinstance(parent, RadioSet) and parent.has_focus and button.has_class("-selected")
    )
    return Content.assemble(
        (FOCUS_MARK if focused else " ", button.get_visual_style(MARK_CLASS)),
        (f"{left}{inner}{right}", button.get_visual_style(MARK_CLASS)),
    )


class MarkedRadioButton(RadioButton):
    """A radio button drawn ``(*)`` when chosen and ``( )`` when not (see the module)."""

    DEFAULT_CSS = _MARK_CSS.format(name="MarkedRadioButton")
    COMPONENT_CLASSES: ClassVar[set[str]] = RadioButton.COMPONENT_CLASSES | {MARK_CLASS}

    LEFT: ClassVar[str] = "("
    ON: ClassVar[str] = "*"
    RIGHT: ClassVar[str] = ")"

    def render(self) -> Content:
        """The focus mark, the state's mark, the label."""
        label = self.label.pad(1, 1).stylize_before(self.get_visual_style("toggle--label"))
        return Content.assemble(_mark(self, self.LEFT, self.ON, self.RIGHT), label)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """Four cells of mark, then the label with a cell each side."""
        return 4 + (2 + self.label.cell_length if self.label else 0)


class MarkedCheckbox(Checkbox):
    """A check box drawn ``[x]`` when ticked and ``[ ]`` when not (see the module)."""

    DEFAULT_CSS = _MARK_CSS.format(name="MarkedCheckbox")
    COMPONENT_CLASSES: ClassVar[set[str]] = Checkbox.COMPONENT_CLASSES | {MARK_CLASS}

    LEFT: ClassVar[str] = "["
    ON: ClassVar[str] = "x"
    RIGHT: ClassVar[str] = "]"

    def render(self) -> Content:
        """The focus mark, the state's mark, the label."""
        label = self.label.pad(1, 1).stylize_before(self.get_visual_style("toggle--label"))
        return Content.assemble(_mark(self, self.LEFT, self.ON, self.RIGHT), label)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """Four cells of mark, then the label with a cell each side."""
        return 4 + (2 + self.label.cell_length if self.label else 0)
