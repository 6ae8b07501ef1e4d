"""Run by bench.startup in a fresh interpreter: the time from a tap to the next screen drawn,
for the kiosk's Welcome → 申請 step and for a bare screen push, headless, several times each.

``python _transition.py CONFIG RUNS`` prints one JSON object: ``bare_s`` and ``kiosk_s`` lists.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Button, Label


class _Next(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Label("下一步")


class _Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Button("開始", id="go")

    def on_button_pressed(self) -> None:
        self.push_screen(_Next())


async def _tap(app: App[Any], selector: str, first: type[Screen[Any]] | None) -> float:
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(2000):
            # The kiosk settled: its Welcome shown and everything behind it built (the next
            # parent's first step too), as it stands when a parent walks up.
            if first is None or (isinstance(app.screen, first) and getattr(app, "settled", False)):
                break
            await asyncio.sleep(0.005)
        await pilot.pause()
        before = app.screen
        started = time.perf_counter()
        await pilot.click(selector)
        while app.screen is before:  # noqa: ASYNC110 - polled each loop turn, as a frame
            await asyncio.sleep(0)
        await pilot.pause()  # the new screen's first refresh
        return time.perf_counter() - started


async def _main(config: str, runs: int) -> dict[str, list[float]]:
    from kiosk.app import make_app
    from kiosk.settings import KioskSettings
    from screens.welcome import WelcomeScreen

    settings = KioskSettings.load(__import__("pathlib").Path(config))
    bare: list[float] = []
    kiosk: list[float] = []
    for _ in range(runs):
        bare.append(await _tap(_Bare(), "#go", None))
        app = make_app(settings, background_sync=False)
        kiosk.append(await _tap(app, "#apply", WelcomeScreen))
    return {"bare_s": bare, "kiosk_s": kiosk}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_main(sys.argv[1], int(sys.argv[2])))))
