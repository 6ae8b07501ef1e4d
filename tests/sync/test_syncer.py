"""The sync worker's rules, run in this process against the registry on 127.0.0.1.

Clocks are injected (the registry's and the kiosk's move together, by hand), so backoff and the
retention period are tested without waiting: refusals become 不通過 with their code and are never
sent again; failures are put off with capped, jittered backoff kept in the database (a restart
keeps to it); decisions, rejections and cancellations come back through the changes feed; decided
applications are reduced to their receipt after the retention period; the worker runs when woken.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import update

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import ErrorCode
from kiosk.domain.status import ApplicationStatus, StudentStatus
from kiosk.flow import to_submission
from kiosk.settings import SyncSettings
from kiosk.sync import Outcome, Syncer, SyncWorker, backoff
from store.central import Student
from store.engine import make_engine, make_session_factory, sqlite_url
from store.local import LocalStore
from store.migrate import upgrade
from store.sealing import Sealer
from tests.registry.conftest import Clock, Database, Live, RosterStudent, Template
from tests.sync.harness import CONTACT_EMAIL, Parent, draft_for, parents


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Template) -> Database:
    """The registry on SQLite only: the kiosk's logic is the subject here, not its database."""
    path = tmp_path / "registry.db"
    shutil.copyfile(sqlite_template.location, path)
    return Database(sqlite_url(path), sqlite_template.roster, "sqlite")


SETTINGS = SyncSettings(backoff_initial_seconds=30, backoff_max_seconds=900, retention_days=7)


@dataclass
class Kiosk:
    """The kiosk's side in this process: its store (a SQLite file) and its registry client."""

    path: Path
    clock: Clock
    live: Live
    store: LocalStore
    client: RegistryClient
    challenge: str

    def syncer(self, **settings: float) -> Syncer:
        """A sync run with the test's clock (and seeded jitter)."""
        return Syncer(
            self.store.outbox,
            self.client,
            settings=msgspec.structs.replace(SETTINGS, **settings),
            clock=self.clock,
            rng=random.Random(7),
        )

    def save(self, parent: Parent, *students: RosterStudent) -> uuid.UUID:
        """Saves an application as 「送出資料」 does, without uploading it."""
        contact = Contact(Channel.EMAIL, CONTACT_EMAIL)
        draft = draft_for(contact, self.challenge, parent, *students)
        now = self.clock()

        def payload(receipt: str) -> bytes:
            return to_submission(draft, receipt=receipt, now=now).model_dump_json().encode()

        self.store.applications.save_submission(draft, payload, now=now)
        return draft.application_id

    def statuses(self, application_id: uuid.UUID) -> list[tuple[StudentStatus, str | None]]:
        """Each student's status and reason, as the progress page would show them."""
        stored = self.store.applications.get(application_id)
        assert stored is not None
        return [(student.status, student.reason) for student in stored.students]


def open_store(path: Path) -> LocalStore:
    """The kiosk's store on ``path`` (migrated), as a kiosk (re)starting opens it."""
    engine = make_engine(sqlite_url(path / "kiosk.db"))
    upgrade(engine, "local")
    return LocalStore(
        make_session_factory(engine),
        Sealer.from_key_file(path / "seal.key"),
        kiosk_code="T2",
    )


@pytest.fixture
async def kiosk(live: Live, tmp_path: Path) -> AsyncIterator[Kiosk]:
    """A kiosk enrolled with the live registry, sharing its clock."""
    _token, challenge = live.parent_session(CONTACT_EMAIL)
    client = RegistryClient(
        live.base_url,
        kiosk_id=live.kiosk.kiosk_id,
        key=live.kiosk.key,
        now=lambda: live.clock().timestamp(),
    )
    try:
        yield Kiosk(tmp_path, live.clock, live, open_store(tmp_path), client, challenge)
    finally:
        await client.aclose()


@pytest.fixture
def people() -> Iterator[Parent]:
    """Parents, one after another."""
    return iter(parents(20, seed=11))


def _decide(live: Live, binding: uuid.UUID, verb: str, reason: str | None = None) -> None:
    admin = live.staff_token(live.roster.admin)
    body = {"reason": reason} if reason else None
    answer = live.staff("POST", f"/v1/staff/bindings/{binding}/{verb}", admin, json=body)
    assert answer.status_code == 200, answer.text


async def test_uploads_then_pulls_decisions_and_cancellations_in_order(
    kiosk: Kiosk, people: Iterator[Parent]
) -> None:
    pupils = kiosk.live.roster.at("353301")
    first = kiosk.save(next(people), pupils[0], pupils[1], pupils[2])
    report = await kiosk.syncer().run_once()
    assert [push.outcome for push in report.pushes] == [Outcome.UPLOADED]
    assert kiosk.statuses(first) == [(StudentStatus.PENDING, None)] * 3
    stored = kiosk.store.applications.get(first)
    assert stored is not None
    bindings = [student.binding_id for student in stored.students]
    assert all(bindings)

    # The teacher decides two; the parent cancels the third at the registry.
    _decide(kiosk.live, bindings[0], "approve")  # type: ignore[arg-type]
    _decide(kiosk.live, bindings[1], "reject", "非本班學生")  # type: ignore[arg-type]
    token, _challenge = kiosk.live.parent_session(CONTACT_EMAIL)
    cancelled = kiosk.live.http.delete(
        f"/v1/bindings/{bindings[2]}", headers=kiosk.live.kiosk.headers(token)
    )
    assert cancelled.status_code == 204
    kiosk.clock.advance(minutes=1)

    report = await kiosk.syncer().run_once()
    assert [(c.position, c.after, c.removed) for c in report.changes] == [
        (0, StudentStatus.APPROVED, False),
        (1, StudentStatus.REJECTED, False),
        (2, StudentStatus.PENDING, True),
    ]
    assert kiosk.statuses(first) == [
        (StudentStatus.APPROVED, None),
        (StudentStatus.REJECTED, "非本班學生"),
        (StudentStatus.PENDING, None),
    ]
    stored = kiosk.store.applications.get(first)
    assert stored is not None
    # Nothing waits for a decision any more: the application is decided.
    assert stored.status is ApplicationStatus.DECIDED
    assert [student.removed for student in stored.students] == [False, False, True]
    # The cursor is kept: the next run (a restart, even) applies nothing again.
    restarted = Kiosk(
        kiosk.path, kiosk.clock, kiosk.live, open_store(kiosk.path), kiosk.client, kiosk.challenge
    )
    assert restarted.store.outbox.changes_cursor() == kiosk.store.outbox.changes_cursor() > 0
    assert (await restarted.syncer().run_once()).changes == ()


async def test_a_refusal_during_sync_shows_not_approved_with_its_reason_and_is_not_sent_again(
    kiosk: Kiosk, people: Iterator[Parent]
) -> None:
    live = kiosk.live
    pupils = live.roster.at("353301")
    owner, second = next(people), next(people)
    # Another parent's application already holds this email at the registry.
    answer = live.submit(
        live.submission(kiosk.challenge, [pupils[5]], parent_id=owner.id_number, email=second.email)
    )
    assert answer.status_code == 201
    taken = kiosk.save(second, pupils[0])
    # A pupil who left the school after the parent applied.
    third = next(people)
    left = kiosk.save(third, pupils[1])
    with live.sessions.begin() as session:
        session.execute(
            update(Student).where(Student.id_number == pupils[1].id_number).values(enrolled=False)
        )

    report = await kiosk.syncer().run_once()
    assert {push.application_id: (push.outcome, push.code) for push in report.pushes} == {
        taken: (Outcome.REFUSED, ErrorCode.PARENT_EMAIL_TAKEN),
        left: (Outcome.REFUSED, ErrorCode.STUDENT_LEFT_SCHOOL),
    }
    assert kiosk.statuses(taken) == [(StudentStatus.REJECTED, "parent.email_taken")]
    assert kiosk.statuses(left) == [(StudentStatus.REJECTED, "student.left_school")]
    assert kiosk.store.outbox.sync_health(kiosk.clock()).waiting == 0
    # Never sent again, not even by a run that tries everything.
    assert (await kiosk.syncer().run_once(everything=True)).pushes == ()


async def test_failures_are_put_off_with_capped_jittered_backoff_kept_across_a_restart(
    kiosk: Kiosk, people: Iterator[Parent]
) -> None:
    application = kiosk.save(next(people), kiosk.live.roster.at("353301")[0])
    # The registry's address leads nowhere: nothing listens on port 9 of 127.0.0.1.
    away = RegistryClient(
        "http://127.0.0.1:9", kiosk_id=kiosk.live.kiosk.kiosk_id, key=kiosk.live.kiosk.key
    )
    # One try per run (no waits between tries within it: this test is about the runs).
    once = msgspec.structs.replace(SETTINGS, attempts=1)
    offline = Syncer(
        kiosk.store.outbox, away, settings=once, clock=kiosk.clock, rng=random.Random(1)
    )
    try:
        # Asked first, the changes feed finds nobody: nothing is pushed at all.
        report = await offline.run_once()
        assert report.reachable is False
        assert report.error is ErrorCode.REGISTRY_UNREACHABLE
        assert report.pushes == ()
        health = kiosk.store.outbox.sync_health(kiosk.clock())
        assert (health.waiting, health.last_error) == (1, "registry.unreachable")

        # Pushed without asking: put off 15–30 s, then 30–60 s, ...
        delays = []
        for _attempt in range(8):
            due = [item for item in kiosk.store.outbox.due(kiosk.clock(), 10)]
            if not due:
                kiosk.clock.advance(seconds=901)
            [push] = (await offline.run_once(pull=False)).pushes
            assert (push.outcome, push.code) == (Outcome.DEFERRED, ErrorCode.REGISTRY_UNREACHABLE)
            assert push.next_attempt_at is not None
            delays.append((push.next_attempt_at - kiosk.clock()).total_seconds())
    finally:
        await away.aclose()
    ceilings = [30, 60, 120, 240, 480, 900, 900, 900]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), delays

    # A restart keeps to the schedule: not due before its time...
    restarted = open_store(kiosk.path)
    [item] = restarted.outbox.due(kiosk.clock() + timedelta(seconds=900), 10)
    assert item.application_id == application
    assert item.attempts == 8
    assert restarted.outbox.due(kiosk.clock(), 10) == []
    # ...but once the registry answers again, what waited only for it goes at once.
    report = await kiosk.syncer().run_once()
    assert report.reachable is True
    assert [push.outcome for push in report.pushes] == [Outcome.UPLOADED]


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    rng = random.Random(3)
    for attempts, ceiling in ((1, 30), (2, 60), (5, 480), (6, 900), (60, 900), (10**6, 900)):
        for _ in range(50):
            delay = backoff(attempts, SETTINGS, rng).total_seconds()
            assert ceiling / 2 <= delay <= ceiling


async def test_decided_applications_are_reduced_to_their_receipt_after_the_retention_period(
    kiosk: Kiosk, people: Iterator[Parent]
) -> None:
    pupils = kiosk.live.roster.at("353301")
    decided = kiosk.save(next(people), pupils[0])
    waiting = kiosk.save(next(people), pupils[1])
    await kiosk.syncer().run_once()
    stored = kiosk.store.applications.get(decided)
    assert stored is not None
    receipt = stored.receipt
    _decide(kiosk.live, stored.students[0].binding_id, "approve")  # type: ignore[arg-type]
    await kiosk.syncer().run_once()

    kiosk.clock.advance(days=7)
    assert (await kiosk.syncer().run_once()).reduced == ()
    kiosk.clock.advance(seconds=1)
    report = await kiosk.syncer().run_once()
    assert report.reduced == (receipt,)
    # Only the receipt stays: no personal part, no outbox entry; the undecided one is kept.
    assert kiosk.store.applications.get(decided) is None
    kept = kiosk.store.outbox.receipt(receipt)
    assert kept is not None
    assert kept.statuses == [
        {
            "level": pupils[0].level.value,
            "school_code": "353301",
            "status": "approved",
            "binding_id": str(stored.students[0].binding_id),
        }
    ]
    still = kiosk.store.applications.get(waiting)
    assert still is not None
    assert still.parent is not None


async def test_the_worker_runs_at_once_and_again_when_woken(
    kiosk: Kiosk, people: Iterator[Parent]
) -> None:
    worker = SyncWorker(kiosk.syncer(), interval=3600)
    running = asyncio.create_task(worker.run())
    try:
        await _until(lambda: worker.runs == 1)
        application = kiosk.save(next(people), kiosk.live.roster.at("353301")[0])
        worker.wake()
        await _until(lambda: worker.runs == 2)
        assert worker.last_report is not None
        assert [push.application_id for push in worker.last_report.pushes] == [application]
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


async def _until(condition: object, patience: float = 10.0) -> None:
    """Yields to the event loop until ``condition()`` holds (bounded)."""
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + patience
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the worker did not run"
        await asyncio.sleep(0.01)
