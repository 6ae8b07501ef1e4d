"""Summaries of py-spy's collapsed stacks (``py-spy record -f raw``): where the time goes."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Final

_FRAME: Final = re.compile(r"^(?P<function>.*?) \((?P<file>[^:]*)(?::\d+)?\)$")
#: The project's own packages (their inclusive time is what we can change).
OURS: Final = ("registry/", "store/", "kiosk/")


def _name(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    file = match["file"]
    for marker in ("site-packages/", "python3.11/", "/wt-15/", "/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{match['function']} ({file})"


def summarise(path: Path, top: int = 12) -> dict[str, object]:
    """The top entries of a profile: by own time, and the project's functions by total time.

    Returns:
        ``samples``, ``self`` (name, share) and ``ours_total`` (name, share), shares of all
        samples.
    """
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = [_name(frame) for frame in stack.split(";")]
        own[frames[-1]] += count
        for name in set(frames):
            if any(f"({package}" in name for package in OURS):
                total[name] += count
    share = max(samples, 1)
    return {
        "samples": samples,
        "self": [(name, round(n / share, 3)) for name, n in own.most_common(top)],
        "ours_total": [(name, round(n / share, 3)) for name, n in total.most_common(top)],
    }
