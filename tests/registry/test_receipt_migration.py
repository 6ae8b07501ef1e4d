"""Upgrading a registry whose applications already repeat a kiosk's receipt number.

Revision 5e1f2a9c7b30 makes receipt numbers unique per kiosk. A database that holds duplicates
from before (a kiosk that lost its counter) must still upgrade, and lose no application: each
keeps the number its parent was given, every one after the first of a number is flagged
``receipt_duplicate`` and audited, and from then on a number is refused twice.

Seeded with plain SQL at the revision before, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, insert, select, text
from sqlalchemy.exc import IntegrityError

from store import migrate
from store.engine import make_engine, sqlite_url

BEFORE = "c41d7a0e9f63"
UNIQUE = "5e1f2a9c7b30"
T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "registry.db")
    url: str = request.getfixturevalue("pg_url")
    return url


def _bound(engine: Engine, value: uuid.UUID) -> object:
    """A UUID as a reflected column takes it (SQLite: CHAR(32) of hex digits)."""
    return value.hex if engine.dialect.name == "sqlite" else value


def _seed(engine: Engine, receipts: list[tuple[str, str]]) -> list[uuid.UUID]:
    """Applications (kiosk, receipt), one minute apart, in that order; their ids."""
    tables = MetaData()
    tables.reflect(engine)
    ids = [uuid.uuid4() for _ in receipts]
    with engine.begin() as connection:
        connection.execute(
            insert(tables.tables["schools"]).values(code="353301", name="日曜", level="high")
        )
        for kiosk in sorted({kiosk for kiosk, _receipt in receipts}):
            connection.execute(
                insert(tables.tables["kiosks"]).values(
                    id=kiosk, school_code="353301", created_at=T0
                )
            )
        for n, (application_id, (kiosk, receipt)) in enumerate(zip(ids, receipts, strict=True)):
            challenge = uuid.uuid4()
            at = T0 + timedelta(minutes=n)
            connection.execute(
                insert(tables.tables["code_challenges"]).values(
                    id=_bound(engine, challenge),
                    channel="email",
                    address=f"Parent{n}@Example.net",
                    code_hash="0" * 64,
                    created_at=at,
                    expires_at=at + timedelta(hours=1),
                )
            )
            connection.execute(
                insert(tables.tables["applications"]).values(
                    id=_bound(engine, application_id),
                    receipt=receipt,
                    kiosk_id=kiosk,
                    channel="email",
                    contact_address=f"Parent{n}@Example.net",
                    challenge_id=_bound(engine, challenge),
                    consent_version="2026-09",
                    submitted_at=at,
                    parent_id_number="A123456789",
                    parent_name="王曉明",
                    parent_email=f"Parent{n}@Example.net",
                    parent_phone="+886928942045",
                    existing_account=False,
                    signature_kind="typed",
                    signature={"kind": "typed", "typed_name": "王曉明"},
                    content_hash=f"{n:064d}",
                    created_at=at,
                    parent_email_key=f"parent{n}@example.net",
                )
            )
    return ids


DUPLICATED = [
    ("K1", "K1-20260901-0001"),
    ("K1", "K1-20260901-0002"),
    ("K1", "K1-20260901-0001"),  # the counter was lost: 0001 and 0002 given again
    ("K2", "K1-20260901-0001"),  # another kiosk's number space: no clash
    ("K1", "K1-20260901-0002"),
    ("K1", "K1-20260901-0001"),
]


def _at_before(db_url: str, receipts: list[tuple[str, str]]) -> tuple[Engine, list[uuid.UUID]]:
    migrate.upgrade(db_url, "central", BEFORE)
    engine = make_engine(db_url)
    return engine, _seed(engine, receipts)


def _check(engine: Engine, ids: list[uuid.UUID]) -> None:
    tables = MetaData()
    tables.reflect(engine)
    applications = tables.tables["applications"]
    audit = tables.tables["audit_events"]
    with engine.connect() as connection:
        rows = {
            uuid.UUID(str(row.id)): (row.kiosk_id, row.receipt, bool(row.receipt_duplicate))
            for row in connection.execute(select(applications))
        }
        events = connection.execute(
            select(audit.c.action, audit.c.subject, audit.c.detail).order_by(audit.c.id)
        ).all()
    # Every application is there, under the number it was given.
    assert rows == {
        ids[0]: ("K1", "K1-20260901-0001", False),
        ids[1]: ("K1", "K1-20260901-0002", False),
        ids[2]: ("K1", "K1-20260901-0001", True),
        ids[3]: ("K2", "K1-20260901-0001", False),
        ids[4]: ("K1", "K1-20260901-0002", True),
        ids[5]: ("K1", "K1-20260901-0001", True),
    }
    assert [(action, subject) for action, subject, _detail in events] == [
        ("application.receipt_duplicate", f"application:{ids[2]}"),
        ("application.receipt_duplicate", f"application:{ids[5]}"),
        ("application.receipt_duplicate", f"application:{ids[4]}"),
    ]
    assert events[0].detail == {
        "receipt": "K1-20260901-0001",
        "kiosk": "K1",
        "first": f"application:{ids[0]}",
    }
    # From now on a number is refused twice.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("UPDATE applications SET receipt = 'K1-20260901-0002' WHERE id = :id"),
            {"id": _bound(engine, ids[0])},
        )


def test_an_upgrade_keeps_every_application_of_a_repeated_receipt_and_flags_the_later(
    db_url: str,
) -> None:
    engine, ids = _at_before(db_url, DUPLICATED)
    try:
        migrate.upgrade(db_url, "central")
        _check(engine, ids)
        assert migrate.differences(db_url, "central") == []
    finally:
        engine.dispose()


def test_a_database_that_ran_the_first_unique_index_gets_the_flag_too(db_url: str) -> None:
    """5e1f2a9c7b30 as it first was: a plain unique index, no flag (and so no duplicates)."""
    engine, ids = _at_before(db_url, [("K1", "K1-20260901-0001"), ("K1", "K1-20260901-0002")])
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE UNIQUE INDEX uq_applications_kiosk_id_receipt "
                    "ON applications (kiosk_id, receipt)"
                )
            )
            connection.execute(
                text("UPDATE alembic_version_central SET version_num = :v"), {"v": UNIQUE}
            )
        migrate.upgrade(db_url, "central")
        assert migrate.differences(db_url, "central") == []
        with engine.connect() as connection:
            flags = connection.execute(text("SELECT receipt_duplicate FROM applications")).all()
        assert [bool(flag) for (flag,) in flags] == [False, False]
        assert len(ids) == 2
    finally:
        engine.dispose()
