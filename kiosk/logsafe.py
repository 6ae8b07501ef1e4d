"""Failures written to the kiosk's log without personal data.

An exception's message may quote what a parent typed (a pydantic or SQL error repeats values), so
the log gets only the exception's type and where it happened.
"""

from __future__ import annotations

import traceback


def describe_failure(error: BaseException | None) -> str:
    """The type of ``error`` and its frames, never its message."""
    if error is None:
        return "no exception"
    kind = f"{type(error).__module__}.{type(error).__qualname__}"
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{kind}\n{frames}".rstrip()
