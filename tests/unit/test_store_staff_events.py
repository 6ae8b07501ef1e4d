"""The kiosk's kept staff actions (store/local/staff_events.py), on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from store.local.staff_events import StaffEventStore
from store.sealing import Sealer
from tests.unit.local_store import open_store

AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
TOKEN = "eyJhbGciOiJFZERTQSJ9.staff-token-for-the-test.signature"


def _events(engine: Engine, sealer: Sealer) -> StaffEventStore:
    return open_store(engine, sealer).staff_events


def test_kept_in_order_and_the_token_never_in_the_clear(
    sqlite_engine: Engine, sealer: Sealer, sqlite_path: Path
) -> None:
    events = _events(sqlite_engine, sealer)
    first = events.keep("kiosk.sync_now", at=AT, staff_token=TOKEN)
    second = events.keep("kiosk.leave", at=AT.replace(minute=5), staff_token=TOKEN)
    waiting = events.waiting()
    assert [(e.event_id, e.action, e.at, e.staff_token) for e in waiting] == [
        (first, "kiosk.sync_now", AT, TOKEN),
        (second, "kiosk.leave", AT.replace(minute=5), TOKEN),
    ]
    sqlite_engine.dispose()
    assert b"staff-token-for-the-test" not in sqlite_path.read_bytes()


def test_uploaded_ones_go_refused_ones_stay_but_are_not_sent_again(
    sqlite_engine: Engine, sealer: Sealer
) -> None:
    events = _events(sqlite_engine, sealer)
    sent = events.keep("kiosk.sync_now", at=AT, staff_token=TOKEN)
    refused = events.keep("kiosk.leave", at=AT, staff_token=TOKEN)
    later = events.keep("kiosk.leave", at=AT, staff_token=TOKEN)
    events.uploaded(sent)
    events.failed(refused, refused="auth.invalid")
    events.failed(later, refused=None)  # the registry went away: tried again next time
    assert [e.event_id for e in events.waiting()] == [later]
    assert events.count() == 1
