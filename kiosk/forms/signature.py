"""The parent's electronic signature on the form: its strokes as vector lines, or the typed name."""

from __future__ import annotations

from typing import Final

from fpdf import FPDF
from fpdf.enums import Align, StrokeCapStyle, StrokeJoinStyle

from kiosk.domain.draft import Signature

_SIGNATURE_PADDING: Final = 3.0
#: The largest a pad dot is drawn (a tiny scribble is not blown up to fill the box).
_MAX_MM_PER_DOT: Final = 1.2
_INK_WIDTH: Final = 0.6


def draw_signature(
    pdf: FPDF, signature: Signature, x: float, y: float, width: float, height: float
) -> None:
    """Draws a signature inside a box: its strokes as lines, or the typed name.

    The strokes (in pad dots, x right and y down; a dot is as wide as it is high) are scaled
    together, keeping their shape, to fit the box less a small padding, and centred in it; a
    small scribble is not enlarged beyond 1.2 mm a dot. A stroke of one dot is a round dot. A
    typed name is set in the current font family, as large as fits (at most 20 pt). The box
    itself is not drawn.

    Args:
        pdf: The document, on the page to draw on, with a font set.
        signature: What the parent gave.
        x: The box's left edge, in the document's unit (mm).
        y: The box's top edge.
        width: The box's width.
        height: The box's height.
    """
    inner_w = max(width - 2 * _SIGNATURE_PADDING, 1.0)
    inner_h = max(height - 2 * _SIGNATURE_PADDING, 1.0)
    if not signature.drawn:
        name = (signature.typed_name or "").strip()
        if not name:
            return
        size = 20.0
        with pdf.local_context(font_size_pt=size, text_color=0):
            while size > 6 and pdf.get_string_width(name) > inner_w:
                size -= 1
                pdf.set_font_size(size)
            pdf.set_xy(x, y)
            pdf.cell(width, height, name, align=Align.C)
        return
    points = [point for stroke in signature.strokes for point in stroke]
    left = min(px for px, _ in points)
    top = min(py for _, py in points)
    span_x = max(px for px, _ in points) - left
    span_y = max(py for _, py in points) - top
    scale = min(
        inner_w / span_x if span_x else _MAX_MM_PER_DOT,
        inner_h / span_y if span_y else _MAX_MM_PER_DOT,
        _MAX_MM_PER_DOT,
    )
    origin_x = x + (width - span_x * scale) / 2
    origin_y = y + (height - span_y * scale) / 2
    with pdf.local_context(
        line_width=_INK_WIDTH,
        draw_color=0,
        fill_color=0,
        stroke_cap_style=StrokeCapStyle.ROUND,
        stroke_join_style=StrokeJoinStyle.ROUND,
    ):
        for stroke in signature.strokes:
            placed = [
                (origin_x + (px - left) * scale, origin_y + (py - top) * scale) for px, py in stroke
            ]
            if len(set(placed)) > 1:
                pdf.polyline(placed)
            elif placed:
                pdf.circle(placed[0][0], placed[0][1], _INK_WIDTH / 2, style="F")
