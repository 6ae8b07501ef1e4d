"""Run by bench.startup in a fresh interpreter under a pty: reports when the first frame is drawn.

``python _first_frame.py bare``: a one-label Textual app. ``python _first_frame.py kiosk CONFIG``:
the real ``kiosk run --config CONFIG`` path. The launch time comes in ``BENCH_T0`` (``time.time()``
just before the parent started this process); the report — seconds to the first frame, to the
usable Welcome screen (kiosk only: on screen with its buttons live), CPU seconds, the peak memory
then (and, for the kiosk, once everything behind the Welcome is built: ``settled_*``), and which
heavy modules were already imported at the first frame — is written as one JSON line to the file
named by ``BENCH_OUT``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

HEAVY = ("httpx", "sqlalchemy", "pydantic", "pydantic_settings", "jwt", "cryptography", "alembic")
report: dict[str, Any] = {}


def _since_launch() -> float:
    return time.time() - float(os.environ["BENCH_T0"])


def _peak_mb() -> float:
    # The peak resident set of this process image (getrusage's would carry the parent's
    # across exec).
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _write_and_exit() -> None:
    report["cpu_s"] = time.process_time()
    report.setdefault("maxrss_mb", _peak_mb())
    with open(os.environ["BENCH_OUT"], "a", encoding="utf-8") as out:
        out.write(json.dumps(report) + "\n")
    # No orderly shutdown: only the moments above are measured.
    os._exit(0)


def _first_frame() -> None:
    report["first_frame_s"] = _since_launch()
    report["cpu_first_frame_s"] = time.process_time()
    report["heavy_at_first_frame"] = sorted(name for name in HEAVY if name in sys.modules)


def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("親子綁定")

        def on_mount(self) -> None:
            self.call_after_refresh(self._drawn)

        def _drawn(self) -> None:
            _first_frame()
            _write_and_exit()

    Bare().run()


def kiosk(config: str) -> None:
    from kiosk import app as kiosk_app

    mount = kiosk_app.KioskApp.on_mount

    def on_mount(self: kiosk_app.KioskApp) -> None:
        mount(self)
        self.call_after_refresh(_first_frame)

        def usable() -> bool:
            # The Welcome screen on screen, its 親子綁定 button live (a tap would be taken).
            # (The module may be half imported, by the start-up thread.)
            screen = getattr(sys.modules.get("screens.welcome"), "WelcomeScreen", None)
            if screen is None or not isinstance(self.screen, screen):
                return False
            buttons = self.screen.query("#apply")  # empty until composed
            return bool(buttons) and not buttons.first().disabled

        def welcome_shown() -> None:
            if "welcome_s" not in report and usable():
                self.call_after_refresh(drawn)
                report["welcome_s"] = -1.0  # drawn at the next refresh
            elif report.get("welcome_s", -1.0) > 0 and self.settled:
                # Everything built behind the Welcome (store, client, screens, the next
                # parent's first step): the kiosk as it stays, idle — its memory then is its
                # working memory.
                report["settled_s"] = _since_launch()
                report["settled_maxrss_mb"] = _peak_mb()
                _write_and_exit()

        def drawn() -> None:
            report["welcome_s"] = _since_launch()
            report["maxrss_mb"] = _peak_mb()

        self.set_interval(0.005, welcome_shown)

    kiosk_app.KioskApp.on_mount = on_mount  # type: ignore[method-assign]
    from kiosk.cli import main

    main(["run", "--config", config])


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        kiosk(sys.argv[2])
