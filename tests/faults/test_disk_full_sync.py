"""The disk fills while applications wait: the sync worker names the fault and loses nothing.

With every write failing as on a full disk, a sync run stops with ``kiosk.fault`` (the log says
``disk_full``; kiosk health shows it) before anything is posted that could not be recorded; the
application stays waiting. Once there is room again, the next run uploads it, once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.people import Level
from kiosk.flow import to_submission
from kiosk.settings import SyncSettings
from kiosk.sync import Outcome, Syncer
from store.engine import make_engine, make_session_factory, sqlite_url
from store.local import LocalStore
from store.local.faults import FaultWatch
from store.migrate import upgrade
from store.sealing import Sealer
from tests.e2e.live import LiveRegistry
from tests.faults.disk import DiskFull
from tests.registry.conftest import RosterStudent
from tests.sync.harness import draft_for, parents

ADDRESS = "disk.full@example.com"


async def test_a_full_disk_stops_the_run_and_the_application_arrives_once_after(
    registry: LiveRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(sqlite_url(tmp_path / "kiosk.db"))
    upgrade(engine, "local")
    faults = FaultWatch()
    faults.attach(engine)
    store = LocalStore(
        make_session_factory(engine), Sealer(Sealer.generate_key()), kiosk_code="T1", faults=faults
    )
    pupil = next(s for s in registry.students(Level.ELEMENTARY) if s.school_code == "353601")
    async with RegistryClient(
        registry.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0
    ) as client:
        challenge = await client.request_code(Channel.EMAIL, ADDRESS)
        await client.verify_code(challenge.challenge_id, registry.code_for(Channel.EMAIL, ADDRESS))
        parent = parents(1, seed=41)[0]
        draft = draft_for(
            Contact(Channel.EMAIL, ADDRESS),
            str(challenge.challenge_id),
            parent,
            RosterStudent(pupil.id_number, pupil.name, "353601", pupil.class_name, pupil.level),
        )
        now = datetime.now(UTC)
        receipt = store.applications.save_submission(
            draft,
            lambda number: to_submission(draft, receipt=number, now=now).model_dump_json().encode(),
            now=now,
        )
        before = registry.applications()
        syncer = Syncer(store.outbox, client, settings=SyncSettings())

        disk = DiskFull(engine)
        disk.full = True
        with pytest.raises(DomainError) as stopped:
            await syncer.run_once()
        assert stopped.value.code is ErrorCode.KIOSK_FAULT
        assert registry.applications() == before  # nothing posted that could not be noted
        assert "local database fault: disk_full" in caplog.text
        assert parent.id_number not in caplog.text
        health = store.outbox.sync_health(datetime.now(UTC))  # reading still works
        assert (health.waiting, health.local_fault) == (1, "disk_full")

        disk.full = False
        report = await syncer.run_once()
        assert [(p.receipt, p.outcome) for p in report.pushes] == [(receipt, Outcome.UPLOADED)]
        assert registry.applications() == before + 1
        assert registry.bindings_of_parent(parent.id_number) == 1
        assert store.outbox.sync_health(datetime.now(UTC)).waiting == 0
    disk.close()
    engine.dispose()
