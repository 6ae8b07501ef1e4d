"""The registry stored the application, but its answer never reached the kiosk.

The connection is cut mid-answer (or the answer comes as gzip that is not): the kiosk keeps the
application saved (待上傳 for all it knows), and the progress page lists the student once, as the
registry has it (申請), not twice. The next sync run replays the push, is answered with the
stored result, and the kiosk records it: nothing waits, the registry holds one application.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.domain.status import StudentStatus
from kiosk.sync import Syncer
from tests.e2e.live import LiveRegistry, kiosk_app
from tests.e2e.walk import Walk
from tests.sync.flaky_proxy import FlakyProxy


@pytest.fixture
def proxy(registry: LiveRegistry) -> Iterator[FlakyProxy]:
    """A calm proxy in front of the registry (faults only as scripted)."""
    port = urlsplit(registry.url).port
    assert port is not None
    made = FlakyProxy(port)
    made.start()
    try:
        yield made
    finally:
        made.stop()


@pytest.mark.parametrize("fate", ["lost", "gzip"])
async def test_a_lost_answer_lists_the_student_once_and_the_next_run_records_it(
    fate: str, registry: LiveRegistry, proxy: FlakyProxy, tmp_path: Path
) -> None:
    pupil = registry.students(Level.JUNIOR_HIGH)[0]
    parent_id = make_id(IdKind.CITIZEN, random.Random(hash(fate) % 1000)).value
    contact = f"{fate}.answer@example.com"
    with kiosk_app(tmp_path / "kiosk", proxy.url, registry.kiosk_id, registry.key) as kiosk:
        before = registry.applications()
        # As the app's sync worker does from its start: this module's kiosks share one id, each
        # with a new database, and resume past the receipts the registry holds.
        async with RegistryClient(
            registry.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0
        ) as client:
            await Syncer(kiosk.store.outbox, client, settings=kiosk.settings.sync).run_once()
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.apply()
            await walk.verify(Channel.EMAIL, contact)
            await walk.add_students(pupil)
            await walk.consent()
            await walk.new_parent(parent_id, "黃志明", contact, "0933333333")
            await walk.sign_by_hand()
            proxy.script(("POST /v1/applications", fate))
            progress = await walk.submitted()
            assert proxy.scripted == 0
            # Saved here, stored there: one row, as the registry has it.
            assert [(row.student, row.status) for row in progress.rows] == [
                (pupil.name, StudentStatus.PENDING)
            ]
            assert walk.text("#receipt").startswith("收件編號：KT1-")
        assert registry.applications() == before + 1
        outbox = kiosk.store.outbox
        assert outbox.sync_health(datetime.now(UTC)).waiting == 1

        # The fault cleared: the next run replays the push and records the stored answer.
        async with RegistryClient(
            proxy.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0
        ) as client:
            syncer = Syncer(outbox, client, settings=kiosk.settings.sync)
            report = await syncer.run_once(everything=True)
        assert [push.outcome.value for push in report.pushes] == ["uploaded"]
        assert outbox.sync_health(datetime.now(UTC)).waiting == 0
        assert registry.applications() == before + 1
        assert registry.bindings_of_parent(parent_id) == 1
