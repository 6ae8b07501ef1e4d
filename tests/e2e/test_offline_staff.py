"""Staff actions taken while the registry is out of reach are kept on the kiosk and uploaded
like applications (issue 10, item 5's last sentence), against a registry running for real.

The kiosk's connection to the registry is cut (the client's transport refuses to connect, as a
pulled cable does) after the staff member signed in; 立即同步 then cannot be audited at once, so
the kiosk keeps it; with the registry back, the next sync pass uploads it, and ``registry
audit`` lists it once (a second pass sends nothing more), at the time it happened, with the
staff member and the kiosk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.client import RegistryClient
from screens.staff.health import KioskHealthScreen
from screens.welcome import WelcomeScreen
from store.engine import sqlite_url
from tests.e2e.live import Kiosk, LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.e2e.test_staff_console import ADMIN, _sign_in
from tests.e2e.walk import Walk


class Cable(httpx.AsyncBaseTransport):
    """The network between kiosk and registry: plugged in, or not."""

    def __init__(self) -> None:
        self.plugged = True
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.plugged:
            raise httpx.ConnectError("connection refused", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
def cable() -> Cable:
    return Cable()


@pytest.fixture
def kiosk(registry: LiveRegistry, tmp_path: Path, cable: Cable) -> Iterator[Kiosk]:
    client = RegistryClient(
        registry.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0, transport=cable
    )
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, client=client
    ) as made:
        yield made


def _audit(registry: LiveRegistry, *args: str) -> list[dict[str, Any]]:
    database = sqlite_url(registry.data_dir / "registry.db")
    done = subprocess.run(
        [sys.executable, "-m", "registry", "audit", "--database", database, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


async def test_sync_now_offline_is_kept_then_audited_once(
    kiosk: Kiosk, registry: LiveRegistry, cable: Cable
) -> None:
    before = len(_audit(registry, "--action", "kiosk.sync_now"))
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("ctrl+f12")
        await _sign_in(pilot, ADMIN)
        await walk.click("#kiosk-health")
        health = await wait_for_screen(pilot, KioskHealthScreen)

        cable.plugged = False
        await walk.click("#sync-now")
        await wait_for(pilot, lambda: bool(walk.text("#health-result")), "the sync pass")
        await wait_for(pilot, lambda: not health.is_busy, "the pass to end")
        await wait_for(pilot, lambda: kiosk.store.staff_events.count() == 1, "the event kept")
        assert walk.text("#health-staff-events") == "待上傳的教職員操作紀錄：1 筆"
        assert len(_audit(registry, "--action", "kiosk.sync_now")) == before

        # The registry is back: 立即同步 twice; the first pass uploads what was kept.
        cable.plugged = True
        for _ in range(2):
            health.query_one("#health-result").update("")  # type: ignore[attr-defined]
            await walk.click("#sync-now")
            await wait_for(pilot, lambda: bool(walk.text("#health-result")), "the sync pass")
            await wait_for(pilot, lambda: not health.is_busy, "the pass to end")
        assert not walk.shown("#health-staff-events")
    assert kiosk.store.staff_events.count() == 0
    rows = _audit(registry, "--action", "kiosk.sync_now", "--staff", ADMIN[0])[before:]
    late = [row for row in rows if row["detail"].get("offline")]
    assert len(late) == 1
    assert (late[0]["kiosk"], late[0]["school"]) == (registry.kiosk_id, "353301")
    assert len(rows) == 3  # the kept one once, and the two made online
