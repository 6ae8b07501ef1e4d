"""Damaged or missing local state is refused at start, never replaced; ``kiosk restore`` mends it.

Two applications are saved (each save refreshes the rolling backup). Then the kiosk's folder is
damaged as a reliability engineer would: the database truncated to 0 bytes, the WAL lost after a
SIGKILL (the main file alone, as it stood while the kiosk ran), one page in the middle
overwritten, or ``seal.key`` deleted. The kiosk refuses to start (the parent reads
「服務機無法啟動，請洽學校辦公室。」; ``kiosk sync`` says why in one line, no traceback) and makes
neither a new database nor a new key. ``kiosk restore`` (or the key put back) brings both
applications back.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Static

from kiosk.app import build_services, make_app
from kiosk.cli import main
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.status import StudentStatus
from kiosk.flow import to_submission
from kiosk.keys import create_key
from kiosk.settings import KioskSettings
from store.local.integrity import BACKUP_NAME, LocalFault, LocalStateError
from tests.e2e.live import wait_for
from tests.faults.people import pupil
from tests.sync.harness import draft_for, parents

CONTACT = Contact(Channel.EMAIL, "local.state@example.com")


def _config(folder: Path) -> Path:
    config = folder / "kiosk.toml"
    config.write_text(
        f'data_dir = "{folder / "data"}"\n'
        f'backup_dir = "{folder / "backup"}"\n'
        'receipt_code = "T1"\n'
        '[registry]\nurl = "http://127.0.0.1:9"\nkiosk_id = "k-local-state"\n',
        encoding="utf-8",
    )
    create_key(folder / "data" / "kiosk.key")
    return config


STAND_IN = "K0-00000000-0000"


def _save_two(settings: KioskSettings) -> list[str]:
    services = build_services(settings, background_sync=False)
    receipts: list[str] = []
    for index, parent in enumerate(parents(2, seed=1212)):
        draft = draft_for(CONTACT, str(uuid.uuid4()), parent, pupil(index, f"王小{index}"))
        now = datetime.now(UTC)
        # A stand-in receipt of the wire's own form, replaced by the one the store gives.
        body = to_submission(draft, receipt=STAND_IN, now=now).model_dump_json()

        def payload(receipt: str, body: str = body) -> bytes:
            return body.replace(STAND_IN, receipt).encode()

        receipts.append(services.store.applications.save_submission(draft, payload, now=now))
    services.store.close()
    return receipts


def _truncate(data: Path, _ran: Path) -> None:
    (data / "kiosk.db").write_bytes(b"")


def _wal_lost(data: Path, ran: Path) -> None:
    # The main file as it stood while the kiosk ran (its data still in the WAL), no WAL.
    shutil.copyfile(ran, data / "kiosk.db")
    for suffix in ("-wal", "-shm"):
        (data / f"kiosk.db{suffix}").unlink(missing_ok=True)


def _damaged_page(data: Path, _ran: Path) -> None:
    database = data / "kiosk.db"
    pages = database.stat().st_size // 4096
    with database.open("r+b") as file:
        file.seek((pages // 2) * 4096)
        file.write(b"\xa5" * 4096)


def _seal_key_lost(data: Path, _ran: Path) -> None:
    (data / "seal.key").unlink()


DAMAGE: dict[str, tuple[Callable[[Path, Path], None], LocalFault]] = {
    "truncated": (_truncate, LocalFault.DATABASE_LOST),
    "wal lost": (_wal_lost, LocalFault.DATABASE_LOST),
    "damaged page": (_damaged_page, LocalFault.DATABASE_DAMAGED),
    "seal.key lost": (_seal_key_lost, LocalFault.SEAL_KEY_MISSING),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
async def test_damaged_local_state_is_refused_and_restored(
    damage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    settings = KioskSettings.load(config)
    data = settings.data_dir
    # What the main file looks like while a kiosk runs with its data in the WAL.
    running = build_services(settings, background_sync=False)
    receipts = _save_two(settings)
    ran = tmp_path / "main-file-while-running.db"
    shutil.copyfile(data / "kiosk.db", ran)
    running.store.close()
    assert (tmp_path / "backup" / BACKUP_NAME).exists()
    seal_key = (data / "seal.key").read_bytes()

    spoil, fault = DAMAGE[damage]
    # Checkpointed as a stopped kiosk leaves it, then damaged.
    closed = build_services(settings, background_sync=False)
    closed.store.close()
    spoil(data, ran)
    before = sorted(path.name for path in data.iterdir())

    with pytest.raises(LocalStateError) as refused:
        build_services(settings, background_sync=False)
    assert refused.value.fault is fault
    # The parent: the kiosk does not start, and says to ask the office.
    app = make_app(settings, background_sync=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.boot_error is not None, "the refusal")
        assert str(app.query_one("#splash-message", Static).render()) == (
            "服務機無法啟動，請洽學校辦公室。"
        )
        assert app.wizard is None
    # Staff: one line saying why and what to do, no traceback; nothing replaced.
    assert main(["sync", "--config", str(config)]) == 1
    said = capsys.readouterr().err
    assert "Traceback" not in said
    assert said.startswith("kiosk: could not start: ")
    assert sorted(path.name for path in data.iterdir()) == before
    if fault is LocalFault.SEAL_KEY_MISSING:
        assert "Put the original key file back" in said
        (data / "seal.key").write_bytes(seal_key)
        (data / "seal.key").chmod(0o600)
    else:
        assert "kiosk restore" in said
        assert main(["restore", "--config", str(config)]) == 0
        assert "Restored" in capsys.readouterr().out
        assert any(".damaged-" in path.name for path in data.iterdir())

    # Mended: both applications are there, waiting to be uploaded; numbering goes on.
    mended = build_services(settings, background_sync=False)
    stored = mended.store.applications.applications_for_contact(CONTACT)
    assert sorted(application.receipt for application in stored) == sorted(receipts)
    assert all(s.status is StudentStatus.QUEUED for a in stored for s in a.students)
    assert mended.store.outbox.sync_health(datetime.now(UTC)).waiting == 2
    mended.store.close()
