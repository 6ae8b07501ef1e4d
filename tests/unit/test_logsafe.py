"""What the kiosk logs of a failure names its type and place, never the values in its message."""

from __future__ import annotations

from kiosk.logsafe import describe_failure

TYPED = "parent A123456789 陳曉明 0928942045 annie.sun2@hy-tech.com.tw"


def _fails_with_personal_data(typed: str) -> None:
    raise ValueError(f"not valid: {typed}")  # as a validation error quotes its input


def test_a_failure_is_logged_without_its_message() -> None:
    try:
        _fails_with_personal_data(TYPED)
    except ValueError as error:
        logged = describe_failure(error)
    for value in ("A123456789", "陳曉明", "0928942045", "annie.sun2"):
        assert value not in logged
    assert logged.startswith("builtins.ValueError")
    assert "_fails_with_personal_data" in logged


def test_no_exception_says_so() -> None:
    assert describe_failure(None) == "no exception"
