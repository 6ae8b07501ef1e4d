"""Pictures of the wizard's reusable widgets in each state a parent sees them in."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from kiosk.domain.i18n import Translator
from screens.widgets import CodeInput, SignaturePad, StepIndicator
from tests.snapshots.conftest import Snap, WidgetHost

#: A signature-like zigzag, in cells of the pad's drawing area (the pilot clicks whole cells).
_SCRIBBLE = ((3, 4), (6, 1), (8, 4), (11, 1), (13, 4), (17, 2), (22, 3), (28, 1), (34, 4))


def test_step_indicator_first_step(snap: Snap) -> None:
    """Step 1: ``[1]`` bracketed on the accent colour, 2 3 4 dimmed, the ``>`` connectors dimmed."""
    assert snap(WidgetHost(StepIndicator(1)))


def test_step_indicator_third_step(snap: Snap) -> None:
    """Step 3: ``✓1 >✓2 >`` in bold (ticked), ``[3]`` bracketed on the accent colour, 4 dim."""
    assert snap(WidgetHost(StepIndicator(3)))


def test_step_indicator_all_done(snap: Snap) -> None:
    """Step 5 (the Progress page): ``✓1 >✓2 >✓3 >✓4``, nothing bracketed."""
    assert snap(WidgetHost(StepIndicator(5)))


def test_code_input_empty(snap: Snap) -> None:
    """Six empty boxes in one row; the first is framed in the accent colour with the cursor."""
    assert snap(WidgetHost(CodeInput()))


def test_code_input_half_filled(snap: Snap) -> None:
    """549 in the first three boxes (typed with full-width digits); the cursor in the fourth."""
    assert snap(WidgetHost(CodeInput()), press=["５", "４", "９"])


def test_code_input_complete(snap: Snap) -> None:
    """549497 across all six boxes (pasted as "５４９ ４９７"); no box holds the cursor."""

    async def paste(pilot: Pilot[Any]) -> None:
        pilot.app.query_one(CodeInput).paste("５４９ ４９７")
        await pilot.pause()

    assert snap(WidgetHost(CodeInput()), run_before=paste)


def test_signature_pad_empty(snap: Snap) -> None:
    """An empty framed pad with the dim hint 請用滑鼠或手指在此簽署全名 in its middle; below
    it the name field (focused, placeholder 或在此輸入您的全名) and the 清除 button."""
    assert snap(WidgetHost(SignaturePad(Translator())))


def test_signature_pad_drawn(snap: Snap) -> None:
    """A continuous zigzag of braille dots across the left half of the pad (no gaps between the
    pointer's reports), no hint; the name field empty."""

    async def draw(pilot: Pilot[Any]) -> None:
        canvas = "#signature-canvas"
        # The pilot's offsets count from the widget's corner, border included.
        first, *rest = [(x + 1, y + 1) for x, y in _SCRIBBLE]
        await pilot.mouse_down(canvas, offset=first)
        for point in rest:
            await pilot.hover(canvas, offset=point)
        await pilot.mouse_up(canvas, offset=rest[-1])

    assert snap(WidgetHost(SignaturePad(Translator())), run_before=draw)


def test_signature_pad_typed_name(snap: Snap) -> None:
    """The pad empty with its hint; the name field focused and holding 王曉明 with the cursor
    after it; the 清除 button beside it."""
    assert snap(WidgetHost(SignaturePad(Translator())), press=["王", "曉", "明"])
