"""The QR code a parent scans off the progress page: what the terminal draws decodes back to the
URL, both from the widget's text rows and from its snapshot rendered as a picture (so a phone
camera can read it), and a URL of up to 62 characters always fits 41 cells by 21 rows.

Decoding uses zbarimg (Debian's zbar-tools); a test that needs it is skipped with the reason where
it is missing (``make fonts`` installs it). The snapshot is decoded from the cells its SVG records
(characters, foreground and background), drawn as a terminal draws half blocks. Looking at the SVG
through ``rsvg-convert`` shows the code, but is no test of it: librsvg 2.54 drops the no-break
spaces that start each text run (so the left quiet zone vanishes in its picture), ignores
``textLength``, and its fallback for the missing Fira Code leaves hairlines between rows.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.pilot import Pilot

from screens.widgets import QrCode, QrTooLarge
from screens.widgets.qr_code import MAX_SIZE, MAX_URL_LENGTH, QUIET_ZONE, qr_matrix, qr_rows
from tests.snapshots.conftest import SIZES, Snap, WidgetHost

#: A status link as long as the limit allows: the registry's base URL and a signed token.
URL = "https://bind.cooc.tp.edu.tw/s/eyJ2IjoxLCJhIjoiMDFKQ1Q4UmRlbW8Q"
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / Path(__file__).stem

# The cell grid of Textual's snapshot SVGs, in SVG units: cell width, line height, first line's top.
_CELL = 12.2
_LINE = 24.4
_TOP = 1.5

#: The modules each character draws: (upper dark, lower dark).
_MODULES = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


def tool(name: str, package: str) -> str:
    """The path of a command-line tool, or skip the test saying what to install."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package}; `make fonts` installs it)")
    return path


def zbar(image: Path) -> str:
    """What zbarimg reads in ``image`` (empty when it finds no code)."""
    done = subprocess.run(
        [tool("zbarimg", "zbar-tools"), "--raw", "-q", str(image)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout.strip()


def rows_to_pgm(rows: list[str], path: Path, *, scale: int = 4) -> None:
    """Draws text rows of half blocks as a greyscale image, each module ``scale`` pixels square."""
    pixels = bytearray()
    for row in rows:
        for half in (0, 1):
            line = b"".join((b"\x00" if _MODULES[ch][half] else b"\xff") * scale for ch in row)
            pixels += line * scale
    width, height = len(rows[0]) * scale, len(rows) * 2 * scale
    path.write_bytes(b"P5 %d %d 255\n" % (width, height) + bytes(pixels))


def test_the_url_fits_41_cells_by_21_rows_with_its_quiet_zone() -> None:
    assert len(URL) == MAX_URL_LENGTH
    matrix = qr_matrix(URL)
    assert len(matrix) == MAX_SIZE == 41
    assert all(len(row) == 41 for row in matrix)
    quiet = [
        matrix[y][x]
        for y in range(41)
        for x in range(41)
        if min(x, y) < QUIET_ZONE or max(x, y) >= 41 - QUIET_ZONE
    ]
    assert not any(quiet), "the quiet zone is light"
    rows = qr_rows(URL)
    assert (len(rows), {len(row) for row in rows}) == (21, {41})
    assert set("".join(rows)) <= set(_MODULES)


def test_the_rows_decode_back_to_the_url(tmp_path: Path) -> None:
    image = tmp_path / "qr.pgm"
    rows_to_pgm(qr_rows(URL), image)
    assert zbar(image) == URL


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=62))
def test_any_url_of_up_to_62_characters_fits(url: str) -> None:
    assert len(qr_matrix(url)) <= MAX_SIZE


def test_a_longer_url_is_refused() -> None:
    longer = URL + "x"
    with pytest.raises(QrTooLarge):
        qr_rows(longer)
    with pytest.raises(QrTooLarge):
        QrCode(longer)
    widget = QrCode(URL)
    with pytest.raises(QrTooLarge):
        widget.url = longer
    assert widget.url == URL


def test_qr_code(snap: Snap) -> None:
    """The code of a 62-character status link, 41 cells by 21 rows of black half blocks on pure
    white (white quiet zone of 2 rows above and below, 4 columns either side), at the top left
    after the host's margin; the rest of the screen in the dark theme."""
    assert snap(WidgetHost(QrCode(URL)))


def test_qr_code_in_a_light_theme(snap: Snap) -> None:
    """The same code in the same pure black and white, unchanged by the light theme around it."""

    def light(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"

    assert snap(WidgetHost(QrCode(URL)), run_before=light)


def snapshot_cells(svg: str) -> dict[tuple[int, int], tuple[str, str, str]]:
    """The terminal cells a Textual snapshot SVG records: ``(column, row) → (character,
    foreground, background)``, from its background rectangles and its text runs."""
    fills = dict(re.findall(r"\.(terminal-r\d+) \{ fill: (#[0-9a-fA-F]{6})", svg))
    cells: dict[tuple[int, int], tuple[str, str, str]] = {}
    for fill, x_text, y_text, width_text in re.findall(
        r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
        r'height="[\d.]+" shape-rendering="crispEdges"/>',
        svg,
    ):
        x, y, width = float(x_text), float(y_text), float(width_text)
        row = round((y - _TOP) / _LINE)
        first = round(x / _CELL)
        for column in range(first, first + round(width / _CELL)):
            cells[(column, row)] = (" ", fill, fill)
    for style, x, row_text, body in re.findall(
        r'<text class="(terminal-r\d+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
        r'clip-path="url\(#terminal-line-(\d+)\)">([^<]*)</text>',
        svg,
    ):
        row, first = int(row_text), round(float(x) / _CELL)
        for offset, character in enumerate(html.unescape(body)):
            background = cells.get((first + offset, row), (" ", "#000000", "#000000"))[2]
            cells[(first + offset, row)] = (character, fills[style], background)
    return cells


def cells_to_pgm(cells: dict[tuple[int, int], tuple[str, str, str]], path: Path) -> None:
    """Draws terminal cells as a terminal does, half blocks filling exactly half a cell: each
    cell 4 pixels wide and 8 high, in the grey of its colours."""
    columns = max(column for column, _ in cells) + 1
    rows = max(row for _, row in cells) + 1
    pixels = bytearray()
    for row in range(rows):
        for half in (0, 1):
            line = bytearray()
            for column in range(columns):
                character, foreground, background = cells.get(
                    (column, row), (" ", "#000000", "#000000")
                )
                inked = _MODULES.get(character.replace("\xa0", " "), (False, False))[half]
                line += bytes([_grey(foreground if inked else background)]) * 4
            pixels += bytes(line) * 4
    path.write_bytes(b"P5 %d %d 255\n" % (columns * 4, rows * 8) + bytes(pixels))


def _grey(colour: str) -> int:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return round(0.299 * red + 0.587 * green + 0.114 * blue)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("test", ["test_qr_code", "test_qr_code_in_a_light_theme"])
def test_the_snapshot_decodes_back_to_the_url(test: str, size: str, tmp_path: Path) -> None:
    """What the terminal drew (the snapshot's cells: characters and their colours) decodes back
    to the URL, and the code's cells are pure black on pure white whatever the theme."""
    svg = SNAPSHOTS / f"{test}[{size}].svg"
    if not svg.exists():
        pytest.skip(f"{svg.name} is not made yet (run with --snapshot-update)")
    cells = snapshot_cells(svg.read_text(encoding="utf-8"))
    inked = {(fg, bg) for character, fg, bg in cells.values() if character in "▀▄█"}
    assert inked == {("#000000", "#ffffff")}
    image = tmp_path / "screen.pgm"
    cells_to_pgm(cells, image)
    assert zbar(image) == URL
