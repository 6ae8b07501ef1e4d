"""Six boxes for the one-time code: type, paste or correct it one digit at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

from kiosk.domain.codes import CODE_LENGTH, code_digits

#: One box is ``╭───╮`` (five cells); boxes are one cell apart.
_BOX_WIDTH: Final = 5
_GAP: Final = 1


class CodeInput(Widget, can_focus=True):
    """A row of single-digit boxes for a one-time code.

    Typing a digit (ASCII or full-width) fills the box under the cursor and moves on; backspace
    clears the digit before the cursor and moves back; left/right/home/end move; pasting fills the
    boxes from the pasted text's digits (spaces, hyphens and other characters are ignored). The
    whole row is one focus stop, so Tab reaches it once. Add the ``-invalid`` class to show the
    boxes in the error colour.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor_left", show=False),
        Binding("right", "cursor_right", show=False),
        Binding("home", "cursor_home", show=False),
        Binding("end", "cursor_end", show=False),
        Binding("backspace", "delete_left", show=False),
        Binding("delete", "delete_right", show=False),
        Binding("ctrl+v", "paste", show=False),
        Binding("enter", "submit", show=False),
    ]
    """Key descriptions are left empty: Textual would show them untranslated.

    | Key(s) | Description |
    | :- | :- |
    | left | Move the cursor one box left. |
    | right | Move the cursor one box right (not past the first empty box). |
    | home | Move the cursor to the first box. |
    | end | Move the cursor to the first empty box. |
    | backspace | Delete the digit before the cursor and move back. |
    | delete | Delete the digit under the cursor. |
    | ctrl+v | Paste a code from the app's clipboard. |
    | enter | Post `Submitted` (a screen confirms the code with it). |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "code-input--box",
        "code-input--box-cursor",
        "code-input--digit",
        "code-input--cursor",
    }
    """
    | Class | Description |
    | :- | :- |
    | `code-input--box` | The frame of a box. |
    | `code-input--box-cursor` | The frame of the box under the cursor (while focused). |
    | `code-input--digit` | A digit in a box. |
    | `code-input--cursor` | The cursor inside the box under it (while focused). |
    """

    ALLOW_SELECT = False

    DEFAULT_CSS = """
    CodeInput {
        width: auto;
        height: auto;
        background: $surface;
        pointer: text;
        & > .code-input--box {
            color: $border-blurred;
        }
        & > .code-input--digit {
            color: $foreground;
            text-style: bold;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .code-input--box {
                color: $border;
            }
        }
        & > .code-input--box-cursor {
            color: $accent;
            text-style: bold;
        }
        & > .code-input--cursor {
            background: $input-cursor-background;
            color: $input-cursor-foreground;
            text-style: $input-cursor-text-style;
        }
        &.-invalid > .code-input--box, &.-invalid > .code-input--box-cursor {
            color: $error;
        }
        &:disabled > .code-input--digit {
            color: $text-disabled;
        }
    }
    """

    value: reactive[str] = reactive("", init=False)
    """The digits entered so far (ASCII, at most ``length``); setting it normalises and trims."""

    cursor_position: reactive[int] = reactive(0)
    """Which box the next digit goes into: 0 to ``len(value)`` (``length`` once all are filled)."""

    @dataclass
    class Changed(Message):
        """Posted when the digits change.

        Can be handled using `on_code_input_changed` in a subclass of `CodeInput` or in a parent
        widget in the DOM.
        """

        code_input: CodeInput
        """The `CodeInput` that changed."""

        value: str
        """The digits now entered."""

        @property
        def control(self) -> CodeInput:
            """Alias for self.code_input."""
            return self.code_input

    @dataclass
    class Completed(Message):
        """Posted when every box holds a digit (after any change that leaves them all filled).

        Can be handled using `on_code_input_completed` in a subclass of `CodeInput` or in a parent
        widget in the DOM.
        """

        code_input: CodeInput
        """The `CodeInput` that was completed."""

        value: str
        """The whole code."""

        @property
        def control(self) -> CodeInput:
            """Alias for self.code_input."""
            return self.code_input

    @dataclass
    class Submitted(Message):
        """Posted when Enter is pressed in the boxes, however many digits they hold.

        Typing six digits and Enter quickly (or a scanner) can deliver Enter before the screen
        has reacted to `Completed`; this lets the screen confirm either way.
        """

        code_input: CodeInput
        """The `CodeInput` in which Enter was pressed."""

        value: str
        """The digits entered."""

        @property
        def control(self) -> CodeInput:
            """Alias for self.code_input."""
            return self.code_input

    def __init__(
        self,
        value: str = "",
        *,
        length: int = CODE_LENGTH,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the code input.

        Args:
            value: Digits to start with (normalised like typed ones).
            length: How many boxes (digits) the code has.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.

        Raises:
            ValueError: When ``length`` is not positive.
        """
        if length < 1:
            raise ValueError(f"length must be positive, not {length}")
        self._length = length
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        digits = self.validate_value(value)
        self.set_reactive(CodeInput.value, digits)
        self.set_reactive(CodeInput.cursor_position, len(digits))

    @property
    def length(self) -> int:
        """How many boxes (digits) the code has."""
        return self._length

    @property
    def is_complete(self) -> bool:
        """Whether every box holds a digit."""
        return len(self.value) == self._length

    def validate_value(self, value: str) -> str:
        """Keeps only the digits (full-width ones made ASCII), at most ``length`` of them."""
        return code_digits(value)[: self._length]

    def validate_cursor_position(self, position: int) -> int:
        """Keeps the cursor on a filled box or the first empty one."""
        return max(0, min(position, len(self.value)))

    def watch_value(self, value: str) -> None:
        """Keeps the cursor in range and tells the parent what changed."""
        self.cursor_position = min(self.cursor_position, len(value))
        self.post_message(self.Changed(self, value))
        if len(value) == self._length:
            self.post_message(self.Completed(self, value))

    def clear(self) -> None:
        """Empties every box and puts the cursor in the first one."""
        self.value = ""
        self.cursor_position = 0

    def insert_digits(self, text: str) -> None:
        """Writes the digits of ``text`` into the boxes from the cursor on, overwriting.

        Non-digits are ignored; digits beyond the last box are dropped.

        Args:
            text: Typed or pasted text.
        """
        digits = code_digits(text)
        if not digits:
            return
        start = self.cursor_position
        if start >= self._length:
            return
        value = self.value
        new_value = (value[:start] + digits + value[start + len(digits) :])[: self._length]
        self.value = new_value
        self.cursor_position = min(start + len(digits), len(new_value))

    def paste(self, text: str) -> None:
        """Pastes text: a whole code replaces every box, a part is written at the cursor.

        Args:
            text: The pasted text (``５４９ ４９７``, ``549-497``, a message with the code in it).
        """
        digits = code_digits(text)
        if len(digits) >= self._length:
            # A whole code was pasted: wherever the cursor was, the parent means this code.
            self.value = digits[: self._length]
            self.cursor_position = self._length
        else:
            self.insert_digits(digits)

    def action_cursor_left(self) -> None:
        """Moves the cursor one box left."""
        self.cursor_position -= 1

    def action_cursor_right(self) -> None:
        """Moves the cursor one box right, not past the first empty box."""
        self.cursor_position += 1

    def action_cursor_home(self) -> None:
        """Moves the cursor to the first box."""
        self.cursor_position = 0

    def action_cursor_end(self) -> None:
        """Moves the cursor to the first empty box (past the last when all are filled)."""
        self.cursor_position = len(self.value)

    def action_delete_left(self) -> None:
        """Deletes the digit before the cursor and moves back (the later digits move up)."""
        position = self.cursor_position
        if position == 0:
            return
        self.value = self.value[: position - 1] + self.value[position:]
        self.cursor_position = position - 1

    def action_delete_right(self) -> None:
        """Deletes the digit under the cursor (the later digits move up)."""
        position = self.cursor_position
        if position < len(self.value):
            self.value = self.value[:position] + self.value[position + 1 :]

    def action_paste(self) -> None:
        """Pastes the app's clipboard (what the app copied; terminals paste with a Paste event)."""
        self.paste(self.app.clipboard)

    def action_submit(self) -> None:
        """Tells the screen Enter was pressed."""
        self.post_message(self.Submitted(self, self.value))

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            # Letters typed here belong to the code box, never to a screen shortcut.
            event.stop()
            event.prevent_default()
            if event.character is not None:
                self.insert_digits(event.character)

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.paste(event.text)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.cursor_position = offset.x // (_BOX_WIDTH + _GAP)

    def render(self) -> Content:
        """Draws the boxes, their digits and (while focused) the cursor."""
        box = self.get_visual_style("code-input--box")
        box_cursor = self.get_visual_style("code-input--box-cursor")
        digit = self.get_visual_style("code-input--digit")
        cursor = self.get_visual_style("code-input--cursor")
        cursor_at = self.cursor_position if self.has_focus else -1
        value = self.value
        top: list[str | tuple[str, Style]] = []
        middle: list[str | tuple[str, Style]] = []
        bottom: list[str | tuple[str, Style]] = []
        for index in range(self._length):
            if index:
                for row in (top, middle, bottom):
                    row.append(" " * _GAP)
            frame = box_cursor if index == cursor_at else box
            character = value[index] if index < len(value) else " "
            top.append(("╭───╮", frame))
            middle.extend(
                [("│ ", frame), (character, cursor if index == cursor_at else digit), (" │", frame)]
            )
            bottom.append(("╰───╯", frame))
        return Content("\n").join(Content.assemble(*row) for row in (top, middle, bottom))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """The boxes side by side."""
        return self._length * _BOX_WIDTH + (self._length - 1) * _GAP

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One box high."""
        return 3
