"""Which release of the project is installed (both ends' ``--version``)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The distribution both ``kiosk`` and ``registry`` come in.
DISTRIBUTION = "coolclass-binding-kiosk"


def release() -> str:
    """The installed version, or ``(not installed)`` when run from a bare checkout."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "(not installed)"
