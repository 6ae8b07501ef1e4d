"""The kiosk's start: the Welcome screen is live before the store and the client are built; a tap
that comes first is kept; a fault found while they are built still refuses the kiosk."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

import kiosk.app
from kiosk.app import make_app
from kiosk.keys import create_key
from kiosk.settings import KioskSettings
from screens.contact import ContactScreen
from screens.welcome import WelcomeScreen
from tests.e2e.live import wait_for, wait_for_screen


def _settings(folder: Path) -> KioskSettings:
    config = folder / "kiosk.toml"
    config.write_text(
        f'data_dir = "{folder}"\n[registry]\nurl = "http://127.0.0.1:9"\nkiosk_id = "k-start"\n',
        encoding="utf-8",
    )
    return KioskSettings.load(config)


async def test_a_tap_before_the_services_are_built_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    create_key(settings.key_path)
    gate = threading.Event()
    build = kiosk.app.build_services

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return build(*args, **kwargs)

    monkeypatch.setattr(kiosk.app, "build_services", held)
    app = make_app(settings, background_sync=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        assert app.services is None
        await pilot.click("#apply")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ContactScreen)
        gate.set()
        await wait_for_screen(pilot, ContactScreen)
        services: Any = app.services  # built now (mypy holds it to its None above)
        await services.client.aclose()


async def test_a_fault_found_behind_the_welcome_screen_refuses_the_kiosk(tmp_path: Path) -> None:
    """A kiosk key of the right mode that holds no key passes the checks before the Welcome
    screen; building the client finds it, and the kiosk refuses as at any start fault."""
    settings = _settings(tmp_path)
    settings.key_path.write_text("not a key\n", encoding="utf-8")
    settings.key_path.chmod(0o600)
    app = make_app(settings, background_sync=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.boot_error is not None, "the refusal")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        message = str(app.query_one("#splash-message", Static).render())
        assert message == "服務機無法啟動，請洽學校辦公室。"
        assert app.wizard is None
