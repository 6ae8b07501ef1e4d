"""Finding the fonts of the application form: a Traditional Chinese font, through fontconfig.

The form embeds its fonts (subset to the characters used), so it reads the same on a machine
without any CJK font; but the kiosk needs one to make it. By default it asks fontconfig
(``fc-match``) for Noto Sans CJK TC (Debian's ``fonts-noto-cjk``, installed by ``make fonts``),
then Noto Serif CJK TC; a font file can be configured instead. ``.ttc`` collections are fine: a
face is a file and the index of the face in it.

A character the chosen font lacks (a rare one in a name) is looked up again through fontconfig
(``fc-list :charset=…``, :func:`fallback_face`), and the face found is used as a fallback for
just the characters the others lack.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kiosk.domain.errors import N_
from kiosk.forms.errors import FontMissing

#: The families looked for, in order of preference.
DEFAULT_FAMILIES: Final = ("Noto Sans CJK TC", "Noto Serif CJK TC")
#: fontconfig's weights of a regular and a bold face (FC_WEIGHT_REGULAR, FC_WEIGHT_BOLD).
_REGULAR_WEIGHT: Final = 80
_BOLD_WEIGHT: Final = 200
#: How long one fontconfig query may take, in seconds (a cold cache is rebuilt first).
_FONTCONFIG_TIMEOUT: Final = 30.0
#: At most this many characters are looked up for fallbacks, however many are missing.
MAX_FALLBACK_LOOKUPS: Final = 20
# Characters with a meaning in a fontconfig pattern, escaped in family names.
_PATTERN_SPECIAL: Final = "\\-:,="

NO_CJK_FONT: Final = N_(
    "No font for Chinese text is installed (looked for {families}), so the application form "
    "cannot be made. Please install the fonts-noto-cjk package (make fonts), or configure the "
    "path of a font file."
)
FONT_UNUSABLE: Final = N_("The font file {path} cannot be used for application forms.")
FONT_FILE_MISSING: Final = N_(
    "The font file configured for application forms cannot be read: {path}"
)


@dataclass(frozen=True, slots=True)
class FontFile:
    """One face of a font file.

    Attributes:
        path: The ``.ttf``, ``.otf`` or ``.ttc`` file.
        index: The face's number in a ``.ttc`` collection (0 for a single font).
    """

    path: Path
    index: int = 0


@dataclass(frozen=True, slots=True)
class FormFonts:
    """The faces the form is set in.

    Attributes:
        regular: The text face.
        bold: The face of the title and headings (the regular one where no bold is found).
    """

    regular: FontFile
    bold: FontFile


def _escape(family: str) -> str:
    return "".join(f"\\{ch}" if ch in _PATTERN_SPECIAL else ch for ch in family)


def _fontconfig(*args: str) -> str | None:
    """What a fontconfig tool prints, or None where it is not installed or fails."""
    tool = shutil.which(args[0])
    if tool is None:
        return None
    try:
        done = subprocess.run(
            [tool, *args[1:]],
            capture_output=True,
            text=True,
            timeout=_FONTCONFIG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _match(family: str, *, bold: bool) -> FontFile | None:
    """The face fontconfig gives for ``family``, if it really is that family (fc-match always
    answers, with a substitute where the family is missing)."""
    pattern = _escape(family) + (":weight=bold" if bold else ":weight=regular")
    answer = _fontconfig("fc-match", "--format=%{file}\n%{index}\n%{family}\n%{weight}\n", pattern)
    if answer is None:
        return None
    lines = answer.split("\n")
    if len(lines) < 4:
        return None
    file, index, families, weight = lines[:4]
    if family not in (name.strip() for name in families.split(",")):
        return None
    if bold and not (weight.isdigit() and int(weight) >= _BOLD_WEIGHT):
        return None
    path = Path(file)
    if not path.is_file():
        return None
    return FontFile(path, int(index) if index.isdigit() else 0)


def find_fonts(
    path: Path | None = None,
    *,
    index: int = 0,
    families: Sequence[str] = DEFAULT_FAMILIES,
) -> FormFonts:
    """The faces to set the form in: the configured font file, else the first of ``families``
    that fontconfig has.

    Args:
        path: A configured font file (``.ttf``, ``.otf`` or ``.ttc``); used for the headings too.
        index: The face in ``path`` when it is a ``.ttc`` collection.
        families: The font families to look for through fontconfig, in order of preference.

    Raises:
        FontMissing: ``path`` cannot be read, or none of ``families`` is installed (or
            fontconfig is not), with words for staff.
    """
    if path is not None:
        try:
            readable = path.is_file() and path.stat().st_size > 0
        except OSError:
            readable = False
        if not readable:
            raise FontMissing(FONT_FILE_MISSING, path=str(path))
        face = FontFile(path, index)
        return FormFonts(regular=face, bold=face)
    for family in families:
        regular = _match(family, bold=False)
        if regular is not None:
            bold = _match(family, bold=True)
            return FormFonts(regular=regular, bold=bold if bold is not None else regular)
    raise FontMissing(NO_CJK_FONT, families=", ".join(families))


def _preference(family: str, weight: str, face: FontFile) -> tuple[int, int, int, str, int]:
    """Traditional Chinese shapes first (TC, then HK), a regular weight, not monospaced, then a
    stable order."""
    names = [name.strip() for name in family.split(",")]
    script = (
        0
        if any(n.endswith(" TC") for n in names)
        else 1
        if any(n.endswith(" HK") for n in names)
        else 2
    )
    boldness = abs((int(weight) if weight.isdigit() else _REGULAR_WEIGHT) - _REGULAR_WEIGHT)
    mono = 1 if any("Mono" in name for name in names) else 0
    return (script, boldness, mono, str(face.path), face.index)


def fallback_face(character: str, *, exclude: Iterable[FontFile] = ()) -> FontFile | None:
    """A face that has ``character``, for a character the form's font lacks.

    Asks fontconfig (``fc-list :charset=…``) for the faces that have it, preferring Traditional
    Chinese ones (TC, then HK), then a stable order.

    Args:
        character: One character.
        exclude: Faces already in use (they lack it).

    Returns:
        The face, or None where no installed font has the character (it will show as a blank).
    """
    skip = set(exclude)
    answer = _fontconfig(
        "fc-list",
        "--format=%{file}\t%{index}\t%{family}\t%{weight}\n",
        f":charset={ord(character):x}",
    )
    candidates: list[tuple[tuple[int, int, int, str, int], FontFile]] = []
    for line in (answer or "").splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or not parts[1].isdigit():
            continue
        face = FontFile(Path(parts[0]), int(parts[1]))
        if face not in skip:
            candidates.append((_preference(parts[2], parts[3], face), face))
    return min(candidates)[1] if candidates else None
