"""Registry down for 200 submissions, then up: all 200 arrive, exactly once; and the kiosk's
database file (with its -wal) never holds an ID, name, phone or email in the clear.

The registry runs as a real process; the kiosk saves each application as 「送出資料」 does (one
local transaction, then one try to upload, which finds nobody) and ``kiosk sync`` runs as a
process of its own once the registry is back. Nothing waits out the backoff: the registry
answering the changes feed is what brings the put-off uploads forward.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.status import StudentStatus
from store.central import Application
from tests.registry.conftest import Template
from tests.sync.harness import (
    CONTACT_EMAIL,
    KioskSide,
    RegistryProcess,
    draft_for,
    enrolled_kiosk,
    parents,
    personal_strings,
    plaintext_in,
    registry_process,
)

SUBMISSIONS = 200


@pytest.mark.slow
def test_two_hundred_saved_while_the_registry_is_down_arrive_once_when_it_is_back(
    tmp_path: Path, sqlite_template: Template
) -> None:
    with registry_process(tmp_path, sqlite_template.location) as registry:
        kiosk = enrolled_kiosk(tmp_path / "kiosk", registry)
        students = sqlite_template.roster.students
        contact = Contact(Channel.EMAIL, CONTACT_EMAIL)

        async def apply_while_down() -> list[tuple[uuid.UUID, str, bool]]:
            challenge = await kiosk.verify(registry)
            registry.stop()
            made = []
            for index, parent in enumerate(parents(SUBMISSIONS)):
                draft = draft_for(contact, challenge, parent, students[index % len(students)])
                receipt, uploaded = await kiosk.submit(draft)
                made.append((draft.application_id, receipt, uploaded))
            await kiosk.services.client.aclose()
            return made

        made = asyncio.run(apply_while_down())
        ids = [application_id for application_id, _receipt, _uploaded in made]
        receipts = [receipt for _id, receipt, _uploaded in made]
        # Every parent was given a receipt number at once, and nothing reached the registry.
        assert [uploaded for *_rest, uploaded in made] == [False] * SUBMISSIONS
        assert len(set(receipts)) == SUBMISSIONS
        assert kiosk.waiting() == SUBMISSIONS
        # 200 applications at rest: the database and its write-ahead log hold none of it.
        database = [kiosk.folder / "kiosk.db", kiosk.folder / "kiosk.db-wal"]
        assert database[1].stat().st_size > 0
        secrets = personal_strings(parents(SUBMISSIONS), students)
        assert plaintext_in(database, secrets) == set()

        # A run while it is still away uploads nothing and says so.
        away = kiosk.sync()
        assert away.returncode == 1, away.stderr
        assert kiosk.waiting() == SUBMISSIONS

        registry.start()
        back = kiosk.sync()
        assert back.returncode == 0, back.stdout + back.stderr
        _assert_all_arrived_once(registry, kiosk, ids, receipts)
        # Another run finds nothing to do, and changes nothing at the registry.
        again = kiosk.sync()
        assert again.returncode == 0
        _assert_all_arrived_once(registry, kiosk, ids, receipts)
        # Nor after the uploads; nor the kiosk's log, nor what ``kiosk sync`` printed.
        assert plaintext_in([*database, kiosk.folder / "kiosk.log"], secrets) == set()
        assert not [text for text in secrets if text in back.stdout + again.stdout]
        # What moved, as a table in the kiosk's words, by receipt number (200 rows summed up).
        assert "收件編號" in back.stdout
        assert "已上傳" in back.stdout
        assert "…另有 160 筆" in back.stdout
        assert "已上傳 200 件" in back.stdout


def _assert_all_arrived_once(
    registry: RegistryProcess, kiosk: KioskSide, ids: list[uuid.UUID], receipts: list[str]
) -> None:
    assert registry.applications(ids) == {application_id: 1 for application_id in ids}
    assert registry.count(Application) == len(ids)
    # The registry told each parent once that their application arrived: no replay was taken
    # for a new application.
    assert sorted(registry.receipts_told()) == sorted(receipts)
    assert kiosk.waiting() == 0
    for application_id in ids:
        stored = kiosk.services.store.applications.get(application_id)
        assert stored is not None
        assert stored.pushed_at is not None
        assert [s.status for s in stored.students] == [StudentStatus.PENDING]
        assert all(s.binding_id is not None for s in stored.students)
