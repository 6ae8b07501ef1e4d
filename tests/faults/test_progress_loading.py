"""A slow registry at 查詢申請進度's answer: the progress page opens at once, loading.

The registry holds the bindings answer for 2 s (then hangs up): the page of the application just
submitted opens with 「申請進度載入中…」 (not the start-up splash behind the wizard), and fills in
with what this kiosk knows once the registry is given up on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from textual.widgets import Static

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.domain.status import StudentStatus
from screens.progress import ProgressScreen
from tests.e2e.live import LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.e2e.walk import Walk
from tests.sync.flaky_proxy import FlakyProxy


@pytest.fixture
def slow(registry: LiveRegistry) -> Iterator[FlakyProxy]:
    """A proxy that holds scripted requests 6 s, then hangs up (long enough that a loaded machine
    still finds the page loading: at 2 s one CI run found it already loaded)."""
    port = urlsplit(registry.url).port
    assert port is not None
    made = FlakyProxy(port, hold=6.0)
    made.start()
    try:
        yield made
    finally:
        made.stop()


async def test_a_slow_progress_answer_opens_the_page_loading(
    registry: LiveRegistry, slow: FlakyProxy, tmp_path: Path
) -> None:
    pupil = registry.students(Level.SENIOR_HIGH)[-1]
    parent_id = make_id(IdKind.CITIZEN, random.Random(1213)).value
    contact = "slow.progress@example.com"
    with kiosk_app(tmp_path / "kiosk", slow.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.apply()
            await walk.verify(Channel.EMAIL, contact)
            await walk.add_students(pupil)
            await walk.consent()
            await walk.new_parent(parent_id, "張家豪", contact, "0944444444")
            await walk.sign_by_hand()
            slow.script(("GET /v1/bindings", "hang"))
            await walk.submit()
            page = await wait_for_screen(pilot, ProgressScreen)
            assert page.first_loading
            assert str(page.query_one("#loading", Static).render()) == "申請進度載入中…"
            assert walk.text("#receipt").startswith("收件編號：KT1-")
            await wait_for(pilot, lambda: not page.first_loading, "the first load")
            # The registry given up on: what this kiosk knows (uploaded: 申請), marked stale.
            assert [(row.student, row.status) for row in page.rows] == [
                (pupil.name, StudentStatus.PENDING)
            ]
            assert page.query_one("#stale").display
