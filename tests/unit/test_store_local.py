"""The kiosk's local store: a submitted application is kept whole, once, sealed, and followed."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import IdKind, make_id, parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.domain.status import ApplicationStatus, BindingStatus, StudentStatus
from kiosk.domain.wire import BindingOut
from store import migrate
from store.engine import make_engine, make_session_factory, sqlite_url
from store.local import (
    Application,
    AuditEvent,
    LocalStore,
    OutboxEntry,
)
from store.sealing import Sealer, SealError

#: 10:00 in Taipei on the first school day of the demo year.
MORNING = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
EMAIL = Contact(Channel.EMAIL, "annie.sun2@hy-tech.com.tw")
PHONE = Contact(Channel.SMS, "+886928942045")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where the kiosk's SQLite file lives in this test."""
    return tmp_path / "kiosk.db"


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, sqlite_path: Path) -> Iterator[Engine]:
    """The kiosk's database, migrated to head: a SQLite file, or PostgreSQL."""
    url = (
        sqlite_url(sqlite_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )
    migrate.upgrade(url, "local")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_path: Path) -> Iterator[Engine]:
    """The kiosk's database as it runs on a kiosk: a SQLite file, migrated to head."""
    url = sqlite_url(sqlite_path)
    migrate.upgrade(url, "local")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sealer() -> Sealer:
    """This kiosk's sealer."""
    return Sealer(Sealer.generate_key())


def _store(engine: Engine, sealer: Sealer) -> LocalStore:
    return LocalStore(make_session_factory(engine), sealer, kiosk_code="T01")


@pytest.fixture
def store(engine: Engine, sealer: Sealer) -> LocalStore:
    """The repository on either backend."""
    return _store(engine, sealer)


def make_draft(
    rng: random.Random | None = None, *, students: int = 2, contact: Contact = EMAIL
) -> Draft:
    """A complete application: the tutorial's 陳曉明 first, then generated students."""
    rng = rng or random.Random(7)
    draft = Draft()
    draft.set_contact(contact, challenge_id=str(uuid.UUID(int=rng.getrandbits(128))))
    for index in range(students):
        draft.add_student(
            StudentEntry(
                relationship=(
                    RelationshipChoice(Relationship.FATHER)
                    if index % 2 == 0
                    else RelationshipChoice(Relationship.OTHER, "姑丈")
                ),
                level=Level.SENIOR_HIGH,
                student_id=parse_id("A123456789") if index == 0 else make_id(IdKind.CITIZEN, rng),
                school_code="353301",
                school_name="臺北市私立日曜學校",
                name="陳曉明" if index == 0 else f"陳{index}明",
                class_name="資訊二忠",
            )
        )
    draft.accept_consent("2026-08")
    draft.set_parent(
        ParentDetails.new("YA94109161", "王曉明", "annie.sun2@hy-tech.com.tw", "0928942045")
    )
    draft.sign(Signature(strokes=(((1, 1), (2, 3), (4, 4)),)))
    return draft


def body_of(draft: Draft) -> Callable[[str], bytes]:
    """A stand-in for the flow's Submission body: personal data and the receipt."""

    def build(receipt: str) -> bytes:
        parent = draft.parent
        assert parent is not None
        return json.dumps(
            {
                "application_id": str(draft.application_id),
                "receipt": receipt,
                "parent": {"id": str(parent.parent_id), "name": parent.name},
                "email": str(parent.email),
                "phone": parent.phone.e164 if parent.phone else None,
                "students": [str(student.student_id) for student in draft.students],
            },
            ensure_ascii=False,
        ).encode()

    return build


def _count(engine: Engine, model: type[Application | OutboxEntry | AuditEvent]) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def _binding(
    application_id: uuid.UUID, position: int = 0, status: BindingStatus = BindingStatus.PENDING
) -> BindingOut:
    return BindingOut(
        binding_id=uuid.uuid4(),
        application_id=application_id,
        position=position,
        student_name="陳曉明",
        class_name="資訊二忠",
        school_name="臺北市私立日曜學校",
        relationship=Relationship.FATHER,
        status=status,
        updated_at=MORNING,
    )


# --- saving ---------------------------------------------------------------------------------


def test_a_saved_application_reads_back_whole(store: LocalStore) -> None:
    draft = make_draft()

    receipt = store.save_submission(draft, body_of(draft), now=MORNING)

    stored = store.get(draft.application_id)
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
        store.save_submission(draft, body_of(draft), now=MORNING + timedelta(minutes=minute))
        for minute, draft in enumerate(make_draft(random.Random(seed)) for seed in range(3))
    ]
    # 00:30 on 2 September in Taipei is still 1 September in UTC.
    after_midnight = datetime(2026, 9, 1, 16, 30, tzinfo=UTC)
    next_day = make_draft(random.Random(99))

    assert first_day == ["KT01-20260901-0001", "KT01-20260901-0002", "KT01-20260901-0003"]
    assert (
        store.save_submission(next_day, body_of(next_day), now=after_midnight)
        == "KT01-20260902-0001"
    )


def test_saving_the_same_application_twice_keeps_one(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()

    first = store.save_submission(draft, body_of(draft), now=MORNING)
    again = store.save_submission(draft, body_of(draft), now=MORNING + timedelta(seconds=5))

    assert again == first
    assert _count(engine, Application) == 1
    assert _count(engine, OutboxEntry) == 1


def test_a_failure_mid_way_leaves_nothing(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()

    def broken(receipt: str) -> bytes:
        raise RuntimeError("power cut while building the body")

    with pytest.raises(RuntimeError):
        store.save_submission(draft, broken, now=MORNING)

    assert store.get(draft.application_id) is None
    assert [_count(engine, model) for model in (Application, OutboxEntry, AuditEvent)] == [0, 0, 0]
    assert store.due_outbox(MORNING, 10) == []
    # The receipt number was not used up either.
    assert store.save_submission(draft, body_of(draft), now=MORNING) == "KT01-20260901-0001"


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
    store = _store(engine, _FailingSealer(fail_at))
    draft = make_draft()

    with pytest.raises(OSError, match="entropy"):
        store.save_submission(draft, body_of(draft), now=MORNING)

    assert [_count(engine, model) for model in (Application, OutboxEntry, AuditEvent)] == [0, 0, 0]


def test_an_incomplete_draft_is_refused(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()
    draft.signature = None

    with pytest.raises(DomainError) as refused:
        store.save_submission(draft, body_of(draft), now=MORNING)

    assert refused.value.code is ErrorCode.DRAFT_SIGNATURE_REQUIRED
    assert _count(engine, Application) == 0


def test_savers_at_once_get_distinct_sequential_receipts(store: LocalStore) -> None:
    drafts = [make_draft(random.Random(seed), students=1) for seed in range(24)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(
            pool.map(
                lambda draft: store.save_submission(draft, body_of(draft), now=MORNING), drafts
            )
        )

    assert sorted(receipts) == [f"KT01-20260901-{n:04d}" for n in range(1, 25)]


def test_one_application_saved_at_once_from_two_threads_is_kept_once(
    store: LocalStore, engine: Engine
) -> None:
    draft = make_draft()

    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = set(
            pool.map(lambda _: store.save_submission(draft, body_of(draft), now=MORNING), range(8))
        )

    assert receipts == {"KT01-20260901-0001"}
    assert (_count(engine, Application), _count(engine, OutboxEntry)) == (1, 1)


# --- privacy at rest ------------------------------------------------------------------------


def test_the_database_files_hold_no_plaintext_personal_data(
    sqlite_engine: Engine, sealer: Sealer, sqlite_path: Path
) -> None:
    store = _store(sqlite_engine, sealer)
    draft = make_draft(contact=PHONE)
    store.save_submission(draft, body_of(draft), now=MORNING)
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
        store.save_submission(draft, body_of(draft), now=MORNING)
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
        store.get(second.application_id)


def test_another_kiosk_key_cannot_read_the_applications(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)

    with pytest.raises(SealError):
        _store(engine, Sealer(Sealer.generate_key())).get(draft.application_id)


# --- finding applications again -------------------------------------------------------------


def test_a_parents_applications_are_found_by_the_verified_contact(store: LocalStore) -> None:
    older, newer = make_draft(random.Random(1)), make_draft(random.Random(2))
    other = make_draft(random.Random(3), contact=PHONE)
    store.save_submission(older, body_of(older), now=MORNING)
    store.save_submission(newer, body_of(newer), now=MORNING + timedelta(hours=1))
    store.save_submission(other, body_of(other), now=MORNING + timedelta(hours=2))

    found = store.applications_for_contact(EMAIL)

    assert [stored.application_id for stored in found] == [
        newer.application_id,
        older.application_id,
    ]
    assert [s.application_id for s in store.applications_for_contact(PHONE)] == [
        other.application_id
    ]
    assert store.applications_for_contact(Contact(Channel.EMAIL, "someone@else.tw")) == []


def test_an_unknown_application_is_none(store: LocalStore) -> None:
    assert store.get(uuid.uuid4()) is None


# --- the outbox and the statuses ------------------------------------------------------------


def test_the_outbox_gives_due_entries_with_their_exact_body(store: LocalStore) -> None:
    drafts = [make_draft(random.Random(seed)) for seed in range(3)]
    for minute, draft in enumerate(drafts):
        store.save_submission(draft, body_of(draft), now=MORNING + timedelta(minutes=minute))

    due = store.due_outbox(MORNING + timedelta(minutes=1), limit=10)

    assert [item.application_id for item in due] == [d.application_id for d in drafts[:2]]
    assert json.loads(due[0].payload)["receipt"] == "KT01-20260901-0001"
    assert due[0].payload == body_of(drafts[0])("KT01-20260901-0001")
    assert [item.application_id for item in store.due_outbox(MORNING, limit=1)] == [
        drafts[0].application_id
    ]
    assert len(store.due_outbox(MORNING + timedelta(hours=1), limit=2)) == 2


def test_a_failed_push_is_counted_and_put_off(store: LocalStore) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)
    later = MORNING + timedelta(seconds=30)

    store.mark_attempt_failed(draft.application_id, ErrorCode.REGISTRY_UNREACHABLE, later)

    assert store.due_outbox(later - timedelta(seconds=1), limit=10) == []
    (item,) = store.due_outbox(later, limit=10)
    assert (item.attempts, item.last_error) == (1, "registry.unreachable")


def test_a_pushed_application_leaves_the_outbox_and_follows_the_review(
    store: LocalStore,
) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)
    pushed_at = MORNING + timedelta(minutes=1)
    bindings = [_binding(draft.application_id, i) for i, _ in enumerate(draft.students)]

    store.mark_pushed(draft.application_id, bindings, now=pushed_at)
    store.mark_pushed(draft.application_id, bindings, now=pushed_at + timedelta(minutes=1))

    stored = store.get(draft.application_id)
    assert stored is not None
    assert store.due_outbox(MORNING + timedelta(days=1), limit=10) == []
    assert (stored.status, stored.pushed_at) == (ApplicationStatus.PENDING, pushed_at)
    assert [s.binding_id for s in stored.students] == [b.binding_id for b in bindings]
    assert {s.status for s in stored.students} == {StudentStatus.PENDING}

    decided_at = MORNING + timedelta(days=1)
    assert store.apply_status(bindings[0].binding_id, BindingStatus.APPROVED, None, now=decided_at)
    mid = store.get(draft.application_id)
    assert mid is not None
    assert (mid.status, mid.decided_at) == (ApplicationStatus.PENDING, None)
    assert store.apply_status(
        bindings[1].binding_id, BindingStatus.REJECTED, "班級不符", now=decided_at
    )

    final = store.get(draft.application_id)
    assert final is not None
    assert (final.status, final.decided_at) == (ApplicationStatus.DECIDED, decided_at)
    assert [(s.status, s.reason) for s in final.students] == [
        (StudentStatus.APPROVED, None),
        (StudentStatus.REJECTED, "班級不符"),
    ]


def test_a_replay_without_a_cancelled_binding_marks_that_student_removed(
    store: LocalStore,
) -> None:
    """The kiosk died after the registry stored the application; the parent then cancelled
    one student there. The replay answers one binding fewer: the push is still acknowledged."""
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)

    store.mark_pushed(draft.application_id, [_binding(draft.application_id, 1)], now=MORNING)

    stored = store.get(draft.application_id)
    assert stored is not None
    assert store.due_outbox(MORNING + timedelta(days=1), limit=10) == []
    assert [s.removed for s in stored.students] == [True, False]


def test_a_status_for_an_unknown_binding_is_ignored(store: LocalStore) -> None:
    assert not store.apply_status(uuid.uuid4(), BindingStatus.APPROVED, None, now=MORNING)


def test_an_answer_that_does_not_fit_the_application_is_refused(store: LocalStore) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)

    for wrong in (
        [_binding(draft.application_id, 0), _binding(draft.application_id, 0)],  # one place twice
        [_binding(draft.application_id, len(draft.students))],  # a student it never had
        [_binding(uuid.uuid4(), i) for i, _ in enumerate(draft.students)],  # another's
    ):
        with pytest.raises(DomainError) as refused:
            store.mark_pushed(draft.application_id, wrong, now=MORNING)
        assert refused.value.code is ErrorCode.REGISTRY_ERROR
    assert len(store.due_outbox(MORNING, limit=10)) == 1


def test_pushing_an_unknown_application_is_refused(store: LocalStore) -> None:
    with pytest.raises(DomainError) as refused:
        store.mark_pushed(uuid.uuid4(), [], now=MORNING)

    assert refused.value.code is ErrorCode.APPLICATION_NOT_FOUND


def test_every_save_and_push_lands_in_the_audit_log(store: LocalStore, engine: Engine) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)
    store.mark_pushed(
        draft.application_id,
        [_binding(draft.application_id, i) for i, _ in enumerate(draft.students)],
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


def test_a_refused_application_is_never_sent_again_and_shows_why(store: LocalStore) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)

    store.mark_refused(draft.application_id, ErrorCode.PARENT_EMAIL_TAKEN, now=MORNING)

    stored = store.get(draft.application_id)
    assert stored is not None
    assert store.due_outbox(MORNING + timedelta(days=30), limit=10) == []
    assert (stored.status, stored.decided_at, stored.pushed_at) == (
        ApplicationStatus.DECIDED,
        MORNING,
        None,
    )
    assert {(s.status, s.reason) for s in stored.students} == {
        (StudentStatus.REJECTED, "parent.email_taken")
    }


def test_the_saved_body_is_given_back_until_the_registry_acknowledges_it(
    store: LocalStore,
) -> None:
    draft = make_draft()
    store.save_submission(draft, body_of(draft), now=MORNING)
    saved = store.unsent_payload(draft.application_id)
    assert saved is not None
    assert json.loads(saved)["application_id"] == str(draft.application_id)

    store.mark_pushed(
        draft.application_id,
        [_binding(draft.application_id, i) for i, _ in enumerate(draft.students)],
        now=MORNING,
    )

    assert store.unsent_payload(draft.application_id) is None
    assert store.unsent_payload(uuid.uuid4()) is None
