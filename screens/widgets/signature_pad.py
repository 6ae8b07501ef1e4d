"""The electronic signature: drawn with a mouse or a finger in braille dots, or the typed name.

A terminal cell holds a 2×4 grid of braille dots (U+2800 … U+28FF), so a 70×5-cell pad is a
140×20-dot drawing surface. Strokes are kept as the dots the pointer passed through; the lines
between consecutive dots are filled in when drawn, so a fast stroke (whose pointer reports are
cells apart) stays continuous.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar, Final, TypeAlias

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator

Dot: TypeAlias = tuple[int, int]
"""A dot on the pad: ``(x, y)``, x to the right and y down, two dots a cell wide, four high."""
Stroke: TypeAlias = tuple[Dot, ...]
"""The dots one press-drag-release passed through, in order."""
Strokes: TypeAlias = tuple[Stroke, ...]
"""A whole drawn signature."""

#: Dots a cell is wide and high.
CELL_DOTS_X: Final = 2
CELL_DOTS_Y: Final = 4
#: Bounds what one signature can store, whatever a pointer does for however long.
MAX_DOTS: Final = 4000

# Bit of each dot of a cell in the braille block (ISO/TR 11548-1 numbering).
_BRAILLE_BASE: Final = 0x2800
_DOT_BITS: Final = (
    (0x01, 0x02, 0x04, 0x40),  # left column, top to bottom
    (0x08, 0x10, 0x20, 0x80),  # right column
)

CLEAR: Final = N_("Clear")
TYPE_YOUR_NAME: Final = N_("Type your full name")
SIGN_HERE: Final = N_("Sign here with the mouse or your finger")


def line_dots(start: Dot, end: Dot) -> Iterator[Dot]:
    """The dots of the straight line from ``start`` to ``end``, both included (Bresenham).

    Args:
        start: Where the line begins.
        end: Where it ends.
    """
    x, y = start
    end_x, end_y = end
    dx, dy = abs(end_x - x), -abs(end_y - y)
    step_x = 1 if x < end_x else -1
    step_y = 1 if y < end_y else -1
    error = dx + dy
    while True:
        yield (x, y)
        if (x, y) == (end_x, end_y):
            return
        double = 2 * error
        if double >= dy:
            error += dy
            x += step_x
        if double <= dx:
            error += dx
            y += step_y


def render_braille(strokes: Strokes, width: int, height: int) -> list[str]:
    """Draws strokes as ``height`` lines of ``width`` braille cells (blank cells are spaces).

    Consecutive dots of a stroke are joined by straight lines; dots outside the area are left out.

    Args:
        strokes: The strokes to draw.
        width: Cells across.
        height: Cells down.
    """
    masks = [[0] * width for _ in range(height)]

    def ink(dot: Dot) -> None:
        x, y = dot
        cell_x, column = divmod(x, CELL_DOTS_X)
        cell_y, row = divmod(y, CELL_DOTS_Y)
        if 0 <= cell_x < width and 0 <= cell_y < height:
            masks[cell_y][cell_x] |= _DOT_BITS[column][row]

    for stroke in strokes:
        if len(stroke) == 1:
            ink(stroke[0])
        for start, end in pairwise(stroke):
            for dot in line_dots(start, end):
                ink(dot)
    return ["".join(chr(_BRAILLE_BASE + mask) if mask else " " for mask in line) for line in masks]


class SignatureCanvas(Widget):
    """The drawing surface of a :class:`SignaturePad`: press, drag and release to draw a stroke.

    It shows :attr:`strokes` and the stroke being drawn; each finished stroke is announced with
    :class:`SignatureCanvas.StrokeDrawn` (the pad adds it to the signature).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"signature-canvas--ink", "signature-canvas--hint"}
    """
    | Class | Description |
    | :- | :- |
    | `signature-canvas--ink` | The drawn signature. |
    | `signature-canvas--hint` | The hint shown while nothing is drawn. |
    """

    ALLOW_SELECT = False

    DEFAULT_CSS = """
    SignatureCanvas {
        width: 1fr;
        height: 7;
        border: round $border-blurred;
        background: $surface;
        pointer: crosshair;
        & > .signature-canvas--ink {
            color: $foreground;
        }
        & > .signature-canvas--hint {
            color: $text-muted;
        }
        &:hover {
            border: round $border;
        }
    }
    """

    strokes: reactive[Strokes] = reactive(())
    """The finished strokes shown."""

    @dataclass
    class StrokeDrawn(Message):
        """Posted when the pointer is released after drawing a stroke."""

        canvas: SignatureCanvas
        """The canvas drawn on."""

        stroke: Stroke
        """The dots of the stroke, in drawing order."""

        @property
        def control(self) -> SignatureCanvas:
            """Alias for self.canvas."""
            return self.canvas

    def __init__(
        self,
        hint: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the canvas.

        Args:
            hint: Words shown (dimmed, centred) while nothing is drawn, already translated.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._hint = hint
        self._drawing: list[Dot] | None = None

    @property
    def is_drawing(self) -> bool:
        """Whether a stroke is being drawn (the pointer is down)."""
        return self._drawing is not None

    def _dot_at(self, event: events.MouseEvent) -> Dot:
        region = self.content_region
        x = float(event.pointer_screen_x - region.x)
        y = float(event.pointer_screen_y - region.y)
        if x.is_integer() and y.is_integer():
            # Most terminals report only the cell, not where in it: take the cell's middle.
            x += 0.5
            y += 0.5
        dots_x = max(1, region.width * CELL_DOTS_X)
        dots_y = max(1, region.height * CELL_DOTS_Y)
        # Clamped, so a drag that leaves the pad runs along its edge instead of breaking off.
        return (
            min(max(math.floor(x * CELL_DOTS_X), 0), dots_x - 1),
            min(max(math.floor(y * CELL_DOTS_Y), 0), dots_y - 1),
        )

    def _room_left(self) -> int:
        drawn = sum(len(stroke) for stroke in self.strokes)
        return MAX_DOTS - drawn - len(self._drawing or ())

    async def _on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or self._room_left() <= 0:
            return
        event.stop()
        self._drawing = [self._dot_at(event)]
        self.capture_mouse()
        self.refresh()

    async def _on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drawing is None:
            return
        dot = self._dot_at(event)
        if dot != self._drawing[-1] and self._room_left() > 0:
            self._drawing.append(dot)
            self.refresh()

    async def _on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drawing is not None:
            event.stop()
            self._finish_stroke()

    async def _on_mouse_release(self, event: events.MouseRelease) -> None:
        # The capture can end without a MouseUp (the app took it away): keep what was drawn.
        if self._drawing is not None:
            self._finish_stroke()

    def _finish_stroke(self) -> None:
        stroke = tuple(self._drawing or ())
        self._drawing = None
        self.release_mouse()
        self.refresh()
        if stroke:
            self.post_message(self.StrokeDrawn(self, stroke))

    def render(self) -> Content:
        """Draws the strokes (and the one in progress), or the hint while there is none."""
        width, height = self.content_size
        strokes = self.strokes
        if self._drawing:
            strokes = (*strokes, tuple(self._drawing))
        if not strokes:
            hint = self.get_visual_style("signature-canvas--hint")
            lines = [""] * height
            if lines:
                lines[(height - 1) // 2] = self._hint
            return Content("\n").join(
                Content.styled(line, hint).center(width, ellipsis=True) for line in lines
            )
        ink = self.get_visual_style("signature-canvas--ink")
        return Content("\n").join(
            Content.styled(line, ink) for line in render_braille(strokes, width, height)
        )


class SignaturePad(Widget):
    """The parent's electronic signature: drawn on the pad, or the full name typed below it.

    The signature is one or the other: drawing a stroke empties the typed name and typing a name
    wipes the drawing, so what is kept is exactly what the parent sees. The 清除 ("Clear") button
    empties both. Whether a typed name is acceptable (it must equal the parent's name) is for
    ``kiosk.domain.draft`` to say, not this widget.
    """

    DEFAULT_CSS = """
    SignaturePad {
        width: 1fr;
        height: auto;
        & > Horizontal {
            height: auto;
        }
        & #signature-name {
            width: 1fr;
        }
        & #signature-clear {
            margin-left: 1;
        }
    }
    """

    @dataclass
    class Changed(Message):
        """Posted when the signature changes (a stroke drawn, a name typed, or cleared).

        Can be handled using `on_signature_pad_changed` in a subclass of `SignaturePad` or in a
        parent widget in the DOM.
        """

        signature_pad: SignaturePad
        """The `SignaturePad` that changed."""

        strokes: Strokes
        """The drawn strokes (empty when the name was typed or nothing is signed)."""

        typed_name: str
        """The typed name (empty when drawn or nothing is signed)."""

        @property
        def control(self) -> SignaturePad:
            """Alias for self.signature_pad."""
            return self.signature_pad

    def __init__(
        self,
        translator: Translator,
        *,
        strokes: Strokes = (),
        typed_name: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the signature pad.

        Args:
            translator: Gives the words of the hint, the name field and the Clear button.
            strokes: A drawn signature to show (e.g. coming back to the Review screen).
            typed_name: A typed name to show instead; ignored when ``strokes`` are given.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._strokes: Strokes = strokes
        self._typed_name = "" if strokes else typed_name
        self._hint = translator.gettext(SIGN_HERE)
        self._placeholder = translator.gettext(TYPE_YOUR_NAME)
        self._clear_label = translator.gettext(CLEAR)
        # Made in compose: Textual widgets holding a value want a running app to be built in.
        self._canvas: SignatureCanvas | None = None
        self._name_input: Input | None = None

    def compose(self) -> ComposeResult:
        """The canvas, and below it the name field and the Clear button."""
        self._canvas = SignatureCanvas(self._hint, id="signature-canvas")
        self._canvas.strokes = self._strokes
        self._name_input = Input(
            self._typed_name, placeholder=self._placeholder, id="signature-name"
        )
        yield self._canvas
        with Horizontal():
            yield self._name_input
            yield Button(self._clear_label, id="signature-clear")

    @property
    def strokes(self) -> Strokes:
        """The drawn strokes; setting them (e.g. to restore a signature) empties the typed name."""
        return self._strokes

    @strokes.setter
    def strokes(self, strokes: Strokes) -> None:
        self._apply(strokes, "" if strokes else self._typed_name)

    @property
    def typed_name(self) -> str:
        """The typed full name, as typed; setting one that is not blank wipes the drawing."""
        return self._typed_name

    @typed_name.setter
    def typed_name(self, typed_name: str) -> None:
        # Only a name with letters in it replaces a drawing; a stray space must not wipe it.
        self._apply(() if typed_name.strip() else self._strokes, typed_name)

    @property
    def is_empty(self) -> bool:
        """Whether nothing is signed: no stroke and no typed name (spaces don't count)."""
        return not self._strokes and not self._typed_name.strip()

    def clear(self) -> None:
        """Wipes the drawing and the typed name."""
        self._apply((), "")

    def _apply(self, strokes: Strokes, typed_name: str) -> None:
        if (strokes, typed_name) == (self._strokes, self._typed_name):
            return
        self._strokes, self._typed_name = strokes, typed_name
        if self._canvas is not None:
            self._canvas.strokes = strokes
        if self._name_input is not None and self._name_input.value != typed_name:
            # Its Changed message comes back to _on_name_changed as a no-op.
            self._name_input.value = typed_name
        self.post_message(self.Changed(self, strokes, typed_name))

    @on(SignatureCanvas.StrokeDrawn)
    def _on_stroke_drawn(self, event: SignatureCanvas.StrokeDrawn) -> None:
        event.stop()
        self._apply((*self._strokes, event.stroke), "")

    @on(Input.Changed, "#signature-name")
    def _on_name_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.typed_name = event.value

    @on(Button.Pressed, "#signature-clear")
    def _on_clear_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.clear()
