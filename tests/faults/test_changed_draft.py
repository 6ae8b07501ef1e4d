"""A correction made after an error reaches the registry instead of the first version, once.

The disk fills after the local save: the registry has stored the application, but the kiosk
cannot record its answer, and the parent sees an error. The parent goes back (返回修改), changes
email and phone, signs again and presses 送出資料 once the disk has room again: the first version
is withdrawn (here and at the registry), the corrected one is saved under a new id and uploaded,
the success page gives its own receipt, and the progress page lists the student once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.domain.status import StudentStatus
from screens.parent import ParentScreen
from screens.review import ReviewScreen
from store import central
from store.engine import make_session_factory
from store.local.applications import WITHDRAWN
from store.local.faults import FaultKind, FaultWatch
from store.local.tables import Application, OutboxEntry
from tests.e2e.live import Kiosk, LiveRegistry, wait_for_screen
from tests.e2e.walk import Walk
from tests.faults.disk import DiskFull

CONTACT = "chen.ya@example.com"


async def test_a_draft_changed_after_a_disk_full_error_replaces_the_version_at_the_registry(
    kiosk: Kiosk, registry: LiveRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    pupil = registry.students(Level.ELEMENTARY)[0]
    parent_id = make_id(IdKind.CITIZEN, random.Random(1201)).value
    faults = FaultWatch()  # as the app factory attaches it to the kiosk's engine
    faults.attach(kiosk.engine)
    disk = DiskFull(kiosk.engine, verbs=("UPDATE",))
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, CONTACT)
        await walk.add_students(pupil)
        await walk.consent()
        await walk.new_parent(parent_id, "陳雅婷", "old.mail@example.com", "0911111111")
        await walk.sign_by_hand()
        disk.full = True
        await walk.submit()
        first_error = await walk.error("#form-error")
        assert isinstance(walk.screen, ReviewScreen)  # the parent stays, told something is wrong
        assert disk.failed >= 1
        disk.full = False

        await walk.click("#back")
        await wait_for_screen(pilot, ParentScreen)
        await walk.type("#email", "new.mail@example.com")
        await walk.type("#phone", "0922222222")
        await walk.click("#next")
        await wait_for_screen(pilot, ReviewScreen)
        await walk.sign_by_hand()
        progress = await walk.submitted()

        receipt = walk.text("#receipt").removeprefix("收件編號：")
        assert receipt.endswith("-0002")  # its own number: 0001 was the withdrawn version's
        assert [(row.student, row.status) for row in progress.rows] == [
            (pupil.name, StudentStatus.PENDING)
        ]
        assert not progress.query("#saved-offline")
    disk.close()
    # The parent was told it is the kiosk's problem, not the registry's; the log names the
    # fault by kind, and nothing the parent typed.
    assert first_error == "本機發生問題，請洽學校辦公室。"
    assert "local database fault: disk_full" in caplog.text
    assert all(word not in caplog.text for word in (parent_id, "old.mail", "陳雅婷"))
    assert faults.last is not None
    assert faults.last.kind is FaultKind.DISK_FULL

    # The registry: both versions arrived, only the corrected one stands, with the new details.
    with registry.sessions() as session:
        rows = session.execute(
            select(
                central.Application.receipt,
                central.Application.parent_email,
                central.Binding.removed_at,
            )
            .join(central.Binding, central.Binding.application_id == central.Application.id)
            .where(central.Binding.parent_id_number == parent_id)
            .order_by(central.Application.receipt)
        ).all()
    assert [(r.receipt[-4:], r.parent_email, r.removed_at is None) for r in rows] == [
        ("0001", "old.mail@example.com", False),
        ("0002", "new.mail@example.com", True),
    ]

    # The kiosk: the first version withdrawn (never sent again), the corrected one uploaded.
    with make_session_factory(kiosk.engine)() as session:
        kept = session.execute(
            select(Application.receipt, Application.pushed_at, OutboxEntry.last_error)
            .join(OutboxEntry)
            .order_by(Application.receipt)
        ).all()
    assert [(r.receipt, r.pushed_at is not None, r.last_error) for r in kept] == [
        (kept[0].receipt, False, WITHDRAWN),
        (receipt, True, None),
    ]
    assert kiosk.store.outbox.sync_health(datetime.now(UTC)).waiting == 0
