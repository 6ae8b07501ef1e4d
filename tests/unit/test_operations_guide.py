"""The operators' guide shows every setting as the code describes it.

docs/OPERATIONS.md holds the output of ``kiosk config-reference`` and ``registry
config-reference`` between markers; this test fails when a setting is added, removed or described
otherwise without the guide following. ``make docs`` (this module run with ``--write``) fills the
markers again.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from kiosk.cli import config_reference as kiosk_reference
from registry.cli.reference import reference as registry_reference

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md"


def _sections() -> dict[str, str]:
    return {"kiosk": kiosk_reference(), "registry": registry_reference()}


def filled(text: str) -> str:
    """``text`` with each ``<!-- config-reference:NAME -->`` block holding NAME's reference."""
    for name, reference in _sections().items():
        pattern = re.compile(
            rf"(<!-- config-reference:{name} -->\n).*?(<!-- /config-reference:{name} -->)", re.S
        )
        match = pattern.search(text)
        assert match is not None, f"docs/OPERATIONS.md has no {name} reference markers"
        text = (
            text[: match.start()]
            + match.group(1)
            + reference
            + match.group(2)
            + text[match.end() :]
        )
    return text


def test_the_guide_lists_every_setting_as_the_code_describes_it() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert text == filled(text), "docs/OPERATIONS.md is out of date: run `make docs`"


def test_every_setting_is_in_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for key in ("registry.url", "idle_seconds", "sync.retention_days", "limits.sms_max"):
        assert f"| `{key}` |" in text


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    GUIDE.write_text(filled(GUIDE.read_text(encoding="utf-8")), encoding="utf-8")
