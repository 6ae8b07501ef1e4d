"""The kiosk's local store: a submitted application is kept whole, once, sealed, and found again."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import ApplicationStatus, StudentStatus
from store.engine import make_session_factory
from store.local import LocalStore
from store.local.tables import Application, AuditEvent, OutboxEntry
from store.sealing import Sealer, SealError
from tests.unit.local_store import (
    EMAIL,
    MORNING,
    PHONE,
    binding,
    body_of,
    count_rows,
    make_draft,
    open_store,
)

# --- saving ---------------------------------------------------------------------------------


def test_a_saved_application_reads_back_whole(store: LocalStore) -> None:
    draft = make_draft()

    receipt = store.applications.save_submission(draft, body_of(draft), now=MORNING)

    stored = store.applications.get(draft.application_id)
    assert stored is not None
    assert receipt == "KT01-20260901-0001"
    assert stored.receipt == receipt
    assert stored.status is ApplicationStatus.QUEUED
    assert stored.submitted_at == MORNING
    assert (stored.contact, stored.challenge_id) == (draft.contact, draft.challenge_id)
    assert (stored.parent, stored.signature) == (draft.parent, draft.signature)
    assert stored.consent_version == "2026-08"
    assert [student.entry for student in stored.students] == draft.students
    assert {student.status for student in stored.students} == {StudentStatus.QUEUED}
    assert stored.pushed_at is None


def test_receipts_run_per_taipei_day(store: LocalStore) -> None:
    first_day = [
        store.applications.save_submission(
            draft, body_of(draft), now=MORNING + timedelta(minutes=minute)
        )
        for minute, draft in enumerate(make_draft(random.Random(seed)) for seed in range(3))
    ]
    # 00:30 on 2 September in Taipei is still 1 September in UTC.
    after_midnight = datetime(2026, 9, 1, 16, 30, tzinfo=UTC)
    next_day = make_draft(random.Random(99))

    assert first_day == ["KT01-20260901-0001", "KT01-20260901-0002", "KT01-20260901-0003"]
    assert (
        store.applications.save_submission(next_day, body_of(next_day), now=after_midnight)
        == "KT01-20260902-0001"
    )


def test_saving_the_same_application_twice_keeps_one(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()

    first = store.applications.save_submission(draft, body_of(draft), now=MORNING)
    again = store.applications.save_submission(
        draft, body_of(draft), now=MORNING + timedelta(seconds=5)
    )

    assert again == first
    assert count_rows(engine, Application) == 1
    assert count_rows(engine, OutboxEntry) == 1


def test_a_failure_mid_way_leaves_nothing(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()

    def broken(receipt: str) -> bytes:
        raise RuntimeError("power cut while building the body")

    with pytest.raises(RuntimeError):
        store.applications.save_submission(draft, broken, now=MORNING)

    assert store.applications.get(draft.application_id) is None
    assert [count_rows(engine, model) for model in (Application, OutboxEntry, AuditEvent)] == [
        0,
        0,
        0,
    ]
    assert store.outbox.due(MORNING, 10) == []
    # The receipt number was not used up either.
    assert (
        store.applications.save_submission(draft, body_of(draft), now=MORNING)
        == "KT01-20260901-0001"
    )


class _FailingSealer(Sealer):
    """Fails on the n-th seal: somewhere between the application row and the outbox row."""

    def __init__(self, fail_at: int) -> None:
        super().__init__(Sealer.generate_key())
        self.calls = 0
        self.fail_at = fail_at

    def seal(self, plain: bytes, *, context: bytes) -> bytes:
        self.calls += 1
        if self.calls == self.fail_at:
            raise OSError("entropy source gone")
        return super().seal(plain, context=context)


@pytest.mark.parametrize("fail_at", [2, 4])  # a student's blob; the outbox body
def test_a_failure_after_some_rows_were_built_leaves_nothing(engine: Engine, fail_at: int) -> None:
    store = open_store(engine, _FailingSealer(fail_at))
    draft = make_draft()

    with pytest.raises(OSError, match="entropy"):
        store.applications.save_submission(draft, body_of(draft), now=MORNING)

    assert [count_rows(engine, model) for model in (Application, OutboxEntry, AuditEvent)] == [
        0,
        0,
        0,
    ]


def test_an_incomplete_draft_is_refused(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()
    draft.signature = None

    with pytest.raises(DomainError) as refused:
        store.applications.save_submission(draft, body_of(draft), now=MORNING)

    assert refused.value.code is ErrorCode.DRAFT_SIGNATURE_REQUIRED
    assert count_rows(engine, Application) == 0


def test_savers_at_once_get_distinct_sequential_receipts(store: LocalStore) -> None:
    drafts = [make_draft(random.Random(seed), students=1) for seed in range(24)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(
            pool.map(
                lambda draft: store.applications.save_submission(
                    draft, body_of(draft), now=MORNING
                ),
                drafts,
            )
        )

    assert sorted(receipts) == [f"KT01-20260901-{n:04d}" for n in range(1, 25)]


def test_one_application_saved_at_once_from_two_threads_is_kept_once(
    store: LocalStore, engine: Engine
) -> None:
    draft = make_draft()

    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = set(
            pool.map(
                lambda _: store.applications.save_submission(draft, body_of(draft), now=MORNING),
                range(8),
            )
        )

    assert receipts == {"KT01-20260901-0001"}
    assert (count_rows(engine, Application), count_rows(engine, OutboxEntry)) == (1, 1)


# --- privacy at rest ------------------------------------------------------------------------


def test_the_database_files_hold_no_plaintext_personal_data(
    sqlite_engine: Engine, sealer: Sealer, sqlite_path: Path
) -> None:
    store = open_store(sqlite_engine, sealer)
    draft = make_draft(contact=PHONE)
    store.applications.save_submission(draft, body_of(draft), now=MORNING)
    secrets = [
        "A123456789",  # the student's ID
        "YA94109161",  # the parent's ID
        "陳曉明",
        "王曉明",
        "資訊二忠",
        "姑丈",
        "0928942045",
        "928942045",
        "annie.sun2",
        "hy-tech",
    ]
    secrets += [str(student.student_id) for student in draft.students]

    files = [sqlite_path, sqlite_path.with_name("kiosk.db-wal")]
    contents = b"".join(path.read_bytes() for path in files if path.exists())
    assert sqlite_path.with_name("kiosk.db-wal").exists()  # read while the kiosk is running
    sqlite_engine.dispose()  # and once more after a checkpoint folded the WAL into the file
    contents += sqlite_path.read_bytes()

    for secret in secrets:
        for encoded in (secret.encode(), secret.encode("utf-16-le")):
            assert encoded not in contents, secret
    assert "臺北市私立日曜學校".encode() in contents  # the check would have seen plain text


def test_a_sealed_blob_moved_to_another_row_does_not_open(
    store: LocalStore, engine: Engine
) -> None:
    first, second = make_draft(random.Random(1)), make_draft(random.Random(2))
    for draft in (first, second):
        store.applications.save_submission(draft, body_of(draft), now=MORNING)
    with engine.begin() as connection:
        blob = connection.execute(
            select(Application.sealed).where(Application.id == str(first.application_id))
        ).scalar_one()
        connection.execute(
            update(Application)
            .where(Application.id == str(second.application_id))
            .values(sealed=blob)
        )

    with pytest.raises(SealError):
        store.applications.get(second.application_id)


def test_another_kiosk_key_cannot_read_the_applications(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)

    with pytest.raises(SealError):
        open_store(engine, Sealer(Sealer.generate_key())).applications.get(draft.application_id)


# --- finding applications again -------------------------------------------------------------


def test_a_parents_applications_are_found_by_the_verified_contact(store: LocalStore) -> None:
    older, newer = make_draft(random.Random(1)), make_draft(random.Random(2))
    other = make_draft(random.Random(3), contact=PHONE)
    store.applications.save_submission(older, body_of(older), now=MORNING)
    store.applications.save_submission(newer, body_of(newer), now=MORNING + timedelta(hours=1))
    store.applications.save_submission(other, body_of(other), now=MORNING + timedelta(hours=2))

    found = store.applications.applications_for_contact(EMAIL)

    assert [stored.application_id for stored in found] == [
        newer.application_id,
        older.application_id,
    ]
    assert [s.application_id for s in store.applications.applications_for_contact(PHONE)] == [
        other.application_id
    ]
    assert (
        store.applications.applications_for_contact(Contact(Channel.EMAIL, "someone@else.tw")) == []
    )


def test_an_unknown_application_is_none(store: LocalStore) -> None:
    assert store.applications.get(uuid.uuid4()) is None


def test_every_save_and_push_lands_in_the_audit_log(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)
    store.outbox.mark_pushed(
        draft.application_id,
        [binding(draft.application_id, i) for i, _ in enumerate(draft.students)],
        now=MORNING,
    )
    store.audit(at=MORNING, actor="staff:teacher1", action="form.reprinted", subject_id="x")

    with engine.connect() as connection:
        actions = connection.execute(
            select(AuditEvent.actor, AuditEvent.action).order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in actions] == [
        ("parent", "application.submitted"),
        ("kiosk", "application.pushed"),
        ("staff:teacher1", "form.reprinted"),
    ]


@pytest.mark.parametrize("code", ["", "t01", "TOO-LONG", "ABCDEFGHI"])
def test_a_kiosk_code_that_cannot_be_in_a_receipt_is_refused(
    sqlite_engine: Engine, sealer: Sealer, code: str
) -> None:
    with pytest.raises(ValueError, match="kiosk code"):
        LocalStore(make_session_factory(sqlite_engine), sealer, kiosk_code=code)
