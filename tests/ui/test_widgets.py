"""The wizard's widgets driven as a parent drives them: keys, pastes, taps and drags."""

from __future__ import annotations

from itertools import pairwise

from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Button, Input

from kiosk.domain.i18n import Translator
from screens.widgets import CodeInput, SignatureCanvas, SignaturePad, StepIndicator, Strokes
from screens.widgets.signature_pad import MAX_DOTS, line_dots, render_braille


class Host(App[None]):
    """Shows a name field, the widgets under test and a button, and records their messages."""

    def __init__(self, *widgets: CodeInput | SignaturePad | StepIndicator) -> None:
        super().__init__()
        self._widgets = widgets
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Input(id="before")
        yield from self._widgets
        yield Button("OK", id="after")

    def on_code_input_changed(self, message: CodeInput.Changed) -> None:
        self.messages.append(message)

    def on_code_input_completed(self, message: CodeInput.Completed) -> None:
        self.messages.append(message)

    def on_code_input_submitted(self, message: CodeInput.Submitted) -> None:
        self.messages.append(message)

    def on_signature_pad_changed(self, message: SignaturePad.Changed) -> None:
        self.messages.append(message)

    def changed_values(self) -> list[str]:
        """The values of the CodeInput.Changed messages, in order."""
        return [m.value for m in self.messages if isinstance(m, CodeInput.Changed)]

    def completed_values(self) -> list[str]:
        """The values of the CodeInput.Completed messages, in order."""
        return [m.value for m in self.messages if isinstance(m, CodeInput.Completed)]

    def signatures(self) -> list[SignaturePad.Changed]:
        """The SignaturePad.Changed messages, in order."""
        return [m for m in self.messages if isinstance(m, SignaturePad.Changed)]


# --- CodeInput --------------------------------------------------------------------------------


async def test_typing_fills_the_boxes_one_after_another() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("5", "4", "9")
        assert code.value == "549"
        assert code.cursor_position == 3
        assert app.changed_values() == ["5", "54", "549"]
        assert app.completed_values() == []


async def test_enter_in_the_boxes_is_posted_with_the_digits() -> None:
    """Six digits and Enter in one burst: the screen hears Enter even before it moved focus."""
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press(*"549497", "enter")
        submitted = [m.value for m in app.messages if isinstance(m, CodeInput.Submitted)]
        assert submitted == ["549497"]


async def test_full_width_digits_typed_become_ascii() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("５", "４", "９")
        assert code.value == "549"


async def test_letters_are_ignored_and_do_not_reach_the_screen() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("a", "5", "x", "-", "4")
        assert code.value == "54"
        assert app.focused is code


async def test_the_sixth_digit_completes_the_code() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press(*"54949")
        assert app.completed_values() == []
        await pilot.press("7")
        assert code.value == "549497"
        assert code.is_complete
        assert app.completed_values() == ["549497"]
        await pilot.press("1")  # a seventh digit has no box
        assert code.value == "549497"
        assert app.completed_values() == ["549497"]


async def test_backspace_clears_the_last_digit_and_moves_back() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press(*"549497")
        await pilot.press("backspace")
        assert (code.value, code.cursor_position) == ("54949", 5)
        await pilot.press("backspace", "backspace")
        assert (code.value, code.cursor_position) == ("549", 3)
        await pilot.press(*"123")
        assert code.value == "549123"
        assert app.completed_values() == ["549497", "549123"]


async def test_backspace_in_the_first_box_does_nothing() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("backspace")
        assert (code.value, code.cursor_position) == ("", 0)
        assert app.changed_values() == []


async def test_left_and_right_move_and_a_digit_overwrites_its_box() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press(*"549497")
        await pilot.press("left", "left")
        assert code.cursor_position == 4
        await pilot.press("0")
        assert (code.value, code.cursor_position) == ("549407", 5)
        await pilot.press("home", "1", "end")
        assert (code.value, code.cursor_position) == ("149407", 6)
        await pilot.press("right")
        assert code.cursor_position == 6


async def test_right_stops_at_the_first_empty_box() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("5", "left", "right", "right", "right")
        assert code.cursor_position == 1


async def test_pasting_a_whole_code_fills_every_box() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("1", "left")  # wherever the cursor is, a whole code replaces all
        app.post_message(events.Paste("５４９ ４９７"))
        await pilot.pause()
        assert code.value == "549497"
        assert code.cursor_position == 6
        assert app.completed_values() == ["549497"]


async def test_pasting_strips_hyphens_and_words() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        app.post_message(events.Paste("驗證碼：549-497"))
        await pilot.pause()
        assert code.value == "549497"


async def test_pasting_part_of_a_code_writes_it_at_the_cursor() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        code.focus()
        await pilot.press("5")
        app.post_message(events.Paste("4 9"))
        await pilot.pause()
        assert (code.value, code.cursor_position) == ("549", 3)


async def test_clear_empties_every_box() -> None:
    app = Host(code := CodeInput("549497"))
    async with app.run_test() as pilot:
        code.clear()
        await pilot.pause()
        assert (code.value, code.cursor_position) == ("", 0)
        assert app.changed_values() == [""]


async def test_tab_reaches_the_code_as_one_stop() -> None:
    app = Host(code := CodeInput())
    async with app.run_test() as pilot:
        assert app.focused is app.query_one("#before")
        await pilot.press("tab")
        assert app.focused is code
        await pilot.press("tab")
        assert app.focused is app.query_one("#after")
        await pilot.press("shift+tab")
        assert app.focused is code


async def test_tapping_a_box_moves_the_cursor_there() -> None:
    app = Host(code := CodeInput("549497"))
    async with app.run_test() as pilot:
        # Boxes are five cells wide with one between: the third box starts at cell 12.
        await pilot.click(code, offset=(13, 1))
        assert app.focused is code
        assert code.cursor_position == 2
        await pilot.press("0")
        assert code.value == "540497"


async def test_tapping_past_the_digits_puts_the_cursor_on_the_first_empty_box() -> None:
    app = Host(code := CodeInput("54"))
    async with app.run_test() as pilot:
        await pilot.click(code, offset=(31, 1))
        assert code.cursor_position == 2


# --- StepIndicator ----------------------------------------------------------------------------


async def test_step_indicator_ticks_done_steps_and_clamps() -> None:
    app = Host(steps := StepIndicator(3))
    async with app.run_test() as pilot:
        assert str(steps.render()) == "✓1 >✓2 >[3]> 4 "
        steps.step = 0
        await pilot.pause()
        assert str(steps.render()) == " 1 > 2 > 3 > 4 "
        steps.step = 99
        assert steps.step == 5
        assert str(steps.render()) == "✓1 >✓2 >✓3 >✓4 "
        assert steps.size.width == 15


async def test_step_indicator_names_each_step_in_the_same_width_whatever_the_step() -> None:
    names = ("驗證", "學生", "同意", "家長")
    app = Host(steps := StepIndicator(2, names=names))
    async with app.run_test() as pilot:
        assert str(steps.render()) == "✓1 驗證 >[2 學生]> 3 同意 > 4 家長 "
        width = steps.size.width
        for step in range(6):
            steps.step = step
            await pilot.pause()
            assert steps.size.width == width


# --- SignaturePad -----------------------------------------------------------------------------


def signed(pad: SignaturePad) -> tuple[Strokes, str]:
    """What the pad holds (a call, so that each assertion reads it afresh)."""
    return pad.strokes, pad.typed_name


def drawing(canvas: SignatureCanvas) -> bool:
    """Whether the pointer is down on the canvas (read afresh)."""
    return canvas.is_drawing


def dot(cell_x: int, cell_y: int) -> tuple[int, int]:
    """The dot a cell-only pointer report at a canvas offset (border included) stands for.

    The border is one cell; a report naming a whole cell is taken at its middle, dot
    (2x + 1, 4y + 2) of the content area.
    """
    return (2 * (cell_x - 1) + 1, 4 * (cell_y - 1) + 2)


async def test_dragging_draws_a_stroke_of_dots() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        await pilot.mouse_down(canvas, offset=(2, 1))
        await pilot.hover(canvas, offset=(6, 3))
        await pilot.hover(canvas, offset=(12, 2))
        assert drawing(canvas)
        assert signed(pad) == ((), "")  # a stroke counts once the pointer is lifted
        await pilot.mouse_up(canvas, offset=(12, 2))
        assert not drawing(canvas)
        assert signed(pad) == (((dot(2, 1), dot(6, 3), dot(12, 2)),), "")
        assert [m.strokes for m in app.signatures()] == [pad.strokes]
        assert not pad.is_empty


async def test_each_press_and_release_is_one_stroke() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        for row in (1, 3):
            await pilot.mouse_down(canvas, offset=(2, row))
            await pilot.hover(canvas, offset=(9, row))
            await pilot.mouse_up(canvas, offset=(9, row))
        assert pad.strokes == ((dot(2, 1), dot(9, 1)), (dot(2, 3), dot(9, 3)))
        assert len(app.signatures()) == 2


async def test_a_drag_that_leaves_the_pad_runs_along_its_edge() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        await pilot.mouse_down(canvas, offset=(4, 2))
        # Down onto the name field below: the pad still has the pointer (it captured it).
        await pilot.hover("#signature-name", offset=(8, 1))
        await pilot.mouse_up("#signature-name", offset=(8, 1))
        bottom_dot = canvas.content_size.height * 4 - 1
        ((first, last),) = pad.strokes
        assert first == dot(4, 2)
        assert last[1] == bottom_dot
        assert pad.typed_name == ""


async def test_clear_wipes_the_drawing() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        await pilot.mouse_down(canvas, offset=(2, 2))
        await pilot.hover(canvas, offset=(9, 4))
        await pilot.mouse_up(canvas, offset=(9, 4))
        assert pad.strokes
        await pilot.click("#signature-clear")
        assert pad.strokes == ()
        assert pad.is_empty
        assert canvas.strokes == ()
        assert app.signatures()[-1].strokes == ()


async def test_a_typed_name_replaces_the_drawing_and_drawing_replaces_the_name() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        await pilot.mouse_down(canvas, offset=(2, 2))
        await pilot.mouse_up(canvas, offset=(2, 2))
        assert signed(pad) == (((dot(2, 2),),), "")
        await pilot.click("#signature-name")
        await pilot.press("王", "曉", "明")
        assert signed(pad) == ((), "王曉明")
        last = app.signatures()[-1]
        assert (last.strokes, last.typed_name) == ((), "王曉明")
        await pilot.mouse_down(canvas, offset=(3, 3))
        await pilot.mouse_up(canvas, offset=(3, 3))
        assert signed(pad) == (((dot(3, 3),),), "")
        assert pad.query_one("#signature-name", Input).value == ""


async def test_a_space_typed_does_not_wipe_the_drawing() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        await pilot.mouse_down(canvas, offset=(2, 2))
        await pilot.mouse_up(canvas, offset=(2, 2))
        await pilot.click("#signature-name")
        await pilot.press("space")
        assert pad.strokes == ((dot(2, 2),),)


async def test_clear_wipes_the_typed_name() -> None:
    app = Host(pad := SignaturePad(Translator(), typed_name="王曉明"))
    async with app.run_test() as pilot:
        assert pad.query_one("#signature-name", Input).value == "王曉明"
        await pilot.click("#signature-clear")
        assert (pad.typed_name, pad.query_one("#signature-name", Input).value) == ("", "")
        assert pad.is_empty


async def test_restored_strokes_are_shown_and_kept() -> None:
    signature = (((0, 0), (9, 7)),)
    app = Host(pad := SignaturePad(Translator(), strokes=signature))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        assert signed(pad) == (signature, "")
        assert "⠑" in str(canvas.render())  # the line's first cell: dots (0,0) and (1,1)
        pad.strokes = ()
        await pilot.pause()
        assert signed(pad) == ((), "")
        assert "⠑" not in str(canvas.render())
        pad.strokes = signature
        await pilot.pause()
        assert "⠑" in str(canvas.render())
        assert [m.strokes for m in app.signatures()] == [(), signature]


async def test_the_words_come_from_the_translator() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test():
        assert str(pad.query_one("#signature-clear", Button).label) == "清除"
        assert pad.query_one("#signature-name", Input).placeholder == "或在此輸入您的全名"


async def test_a_signature_is_bounded() -> None:
    app = Host(pad := SignaturePad(Translator()))
    async with app.run_test() as pilot:
        canvas = pad.query_one(SignatureCanvas)
        width = canvas.content_size.width
        almost_full = tuple((x % (2 * width), 0) for x in range(MAX_DOTS - 1))
        pad.strokes = (almost_full,)
        await pilot.mouse_down(canvas, offset=(2, 2))
        await pilot.hover(canvas, offset=(3, 3))
        await pilot.hover(canvas, offset=(4, 4))
        await pilot.mouse_up(canvas, offset=(4, 4))
        assert sum(len(stroke) for stroke in pad.strokes) == MAX_DOTS
        await pilot.mouse_down(canvas, offset=(5, 2))
        await pilot.mouse_up(canvas, offset=(5, 2))
        assert len(pad.strokes) == 2


# --- drawing dots -----------------------------------------------------------------------------


def test_a_line_between_distant_dots_has_no_gaps() -> None:
    dots = list(line_dots((0, 0), (13, -5)))
    assert dots[0] == (0, 0)
    assert dots[-1] == (13, -5)
    for (x1, y1), (x2, y2) in pairwise(dots):
        assert max(abs(x2 - x1), abs(y2 - y1)) == 1
    assert len(dots) == 14


def test_a_fast_stroke_is_drawn_continuous() -> None:
    # Two pointer reports twenty dots apart still make an unbroken row of full cells.
    (line,) = render_braille((((0, 0), (19, 0)),), width=10, height=1)
    assert line == "⠉" * 10


def test_dots_outside_the_area_are_left_out() -> None:
    assert render_braille((((-5, -5), (100, 100)),), width=2, height=1) == ["⠑⢄"]
