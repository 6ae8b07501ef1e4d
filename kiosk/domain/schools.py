"""Finding a school by part of its name, as a parent types it.

Taipei lists about 140 elementary and 60 junior high schools, so the school step narrows the list
to the names holding what was typed. Both sides are folded the same way first: NFKC (full-width
letters and digits, compatibility ideographs), case, and 台 → 臺 (the official names write 臺北;
most people type 台北).
"""

from __future__ import annotations

import unicodedata
from typing import Final

# Variant characters people type for the one an official name uses.
_VARIANTS: Final = str.maketrans({"台": "臺"})


def normalize_search_text(text: str) -> str:
    """Folds a school name or a search for one so that the two compare as a person expects.

    Args:
        text: A school's name, or what a parent typed to find it.

    Returns:
        ``text`` in NFKC, case-folded, with 台 written 臺 and runs of whitespace made one space
        (trimmed at both ends).
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_VARIANTS)
    return " ".join(folded.split())


def school_name_matches(search: str, name: str) -> bool:
    """Whether the school ``name`` is one a parent typing ``search`` may mean.

    Args:
        search: What was typed (empty or blank matches every school).
        name: A school's name.

    Returns:
        True when the folded ``search`` is part of the folded ``name``.
    """
    return normalize_search_text(search) in normalize_search_text(name)
