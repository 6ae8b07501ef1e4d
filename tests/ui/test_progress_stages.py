"""申請流程說明's last stage, 登入系統, against a real registry (uvicorn on 127.0.0.1, demo data):
not ticked while the parent's account has never been used to sign in, ticked after 重新載入 once
the parent signed in with it (the registry's own login endpoint, as the city's site would). The
demo's own parents signed in the day after their approval, so theirs is ticked from the start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.domain.contact import Channel
from kiosk.domain.wire import STAFF_SESSION_HEADER
from screens.progress import ProgressScreen
from screens.progress_stages import DONE_MARK, TODO_MARK
from tests.e2e.live import Kiosk, LiveRegistry, running_registry
from tests.e2e.walk import Walk
from tests.ui.test_progress_page import chen, parent_id, reload


@pytest.fixture
def registry(template: Path, tmp_path: Path) -> Iterator[LiveRegistry]:
    """A registry of the test's own: the test signs the tutorial's parent in."""
    with running_registry(tmp_path / "registry", template) as live:
        yield live


def stages(progress: ProgressScreen) -> list[str]:
    """The stages as shown, each with its mark."""
    return [str(stage.render()) for stage in progress.query(".stage")]


async def approve_all(registry: LiveRegistry) -> None:
    """The homeroom teacher of 資訊二忠 (the demo's 353301.t1) approves what waits."""
    async with httpx.AsyncClient(base_url=f"{registry.url}/v1") as http:
        login = await http.post(
            "/staff/login", json={"username": "353301.t1", "password": "demo-953530"}
        )
        assert login.status_code == 200, login.text
        staff = {STAFF_SESSION_HEADER: login.json()["session_token"]}
        waiting = await http.get("/staff/bindings", headers=staff)
        for binding in waiting.json()["bindings"]:
            done = await http.post(
                f"/staff/bindings/{binding['binding_id']}/approve", headers=staff
            )
            assert done.status_code == 200, done.text


async def test_log_in_ticks_once_the_account_signed_in(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """A new parent applies for 陳曉明; the teacher approves (the account is made): 帳號建立 ticked,
    登入系統 not; the parent signs in with the initial password: 重新載入 ticks 登入系統."""
    number, address = parent_id(77), "new.parent@example.com"
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, address)
        await walk.add_students(chen(registry))
        await walk.consent()
        await walk.new_parent(number, "張家豪", address, "0911222333")
        await walk.type("#signature-name", "張家豪")
        progress = await walk.submitted()
        assert stages(progress)[3] == f"{TODO_MARK} 4. 登入系統"

        await approve_all(registry)
        await reload(walk, progress)
        assert stages(progress)[2].startswith(DONE_MARK)  # the account is made
        assert stages(progress)[3] == f"{TODO_MARK} 4. 登入系統"

        async with httpx.AsyncClient(base_url=registry.url) as http:
            # The parent signs in with the initial password (the last six of the ID).
            answer = await http.post(
                "/v1/accounts/login", json={"email": address, "password": number[-6:]}
            )
        assert answer.status_code == 200, answer.text
        await reload(walk, progress)
        assert stages(progress)[3] == f"{DONE_MARK} 4. 登入系統"
