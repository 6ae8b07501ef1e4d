"""The rolling backup: refreshed after each save, never at the cost of the save itself."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.domain.contact import Channel, Contact
from kiosk.flow import to_submission
from store.engine import make_engine, make_session_factory, sqlite_url
from store.local import LocalStore
from store.local.integrity import BACKUP_NAME, backup
from store.migrate import upgrade
from store.sealing import Sealer
from tests.faults.people import pupil
from tests.sync.harness import draft_for, parents

CONTACT = Contact(Channel.EMAIL, "backup@example.com")


def _store(folder: Path, backup_dir: Path) -> LocalStore:
    database = folder / "kiosk.db"
    engine = make_engine(sqlite_url(database))
    upgrade(engine, "local")
    return LocalStore(
        make_session_factory(engine),
        Sealer(Sealer.generate_key()),
        kiosk_code="T1",
        saved=lambda: backup(database, backup_dir),
    )


def _save(store: LocalStore, seed: int) -> str:
    draft = draft_for(
        CONTACT, str(uuid.uuid4()), parents(1, seed=seed)[0], pupil(seed + 100, "李小華")
    )
    now = datetime.now(UTC)

    def payload(receipt: str) -> bytes:
        return to_submission(draft, receipt=receipt, now=now).model_dump_json().encode()

    return store.applications.save_submission(draft, payload, now=now)


def _receipts(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT receipt FROM applications")]


def test_each_save_refreshes_the_backup_in_the_second_place(tmp_path: Path) -> None:
    store = _store(tmp_path, tmp_path / "elsewhere")
    first = _save(store, 1)
    assert _receipts(tmp_path / "elsewhere" / BACKUP_NAME) == [first]
    second = _save(store, 2)
    assert sorted(_receipts(tmp_path / "elsewhere" / BACKUP_NAME)) == sorted([first, second])
    store.close()


def test_a_backup_that_cannot_be_written_does_not_cost_the_save(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    store = _store(tmp_path, blocked)
    receipt = _save(store, 3)
    assert [a.receipt for a in store.applications.applications_for_contact(CONTACT)] == [receipt]
    assert "the backup after a save failed: FileExistsError" in caplog.text
    assert "李小華" not in caplog.text
    store.close()
