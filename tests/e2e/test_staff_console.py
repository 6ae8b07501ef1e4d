"""The staff console against a registry running for real, with the demo data's staff logins.

Applications are submitted over HTTP as a kiosk would; then a teacher or the school admin works
through the console, in the kiosk (reached by its key chord) or alone on a desk (``StaffApp``).
What is checked is what staff and parents see, and what the registry stored and sent.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.app import CSS_FILES
from kiosk.client import RegistryClient
from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Relationship
from kiosk.domain.status import StudentStatus
from kiosk.domain.wire import (
    SignatureIn,
    SignatureKind,
    SubmissionIn,
    SubmissionParentIn,
    SubmissionStudentIn,
)
from kiosk.staff import StaffApp
from screens.progress import ProgressScreen
from screens.staff.health import KioskHealthScreen
from screens.staff.login import StaffLoginScreen
from screens.staff.queue import ReviewQueueScreen
from screens.staff.reject import RejectScreen
from screens.welcome import WelcomeScreen
from store.central import AuditEvent
from tests.e2e.live import (
    Kiosk,
    LiveRegistry,
    RosterStudent,
    kiosk_app,
    wait_for,
    wait_for_screen,
)
from tests.e2e.scenes import live_client, parent_session
from tests.e2e.walk import Walk

TEACHER: Final = ("353301.t1", "demo-953530")  # homeroom teacher of 資訊二忠 at 353301
ADMIN: Final = ("353301.admin", "demo-487440")  # the school's admin
OTHER_SCHOOL_ADMIN: Final = ("353601.admin", "demo-613755")


def _student(registry: LiveRegistry, school: str, class_name: str, skip: int = 0) -> RosterStudent:
    pupils = [
        s for s in registry.students() if s.school_code == school and s.class_name == class_name
    ]
    return pupils[skip]


async def _submit(registry: LiveRegistry, email: str, seed: int, student: RosterStudent) -> str:
    """A parent's application for ``student``, sent as the kiosk sends it; the parent's ID."""
    session, challenge = parent_session(registry, email)
    assert session.address == email
    parent_id = make_id(IdKind.CITIZEN, random.Random(seed)).value
    submission = SubmissionIn(
        application_id=uuid.uuid4(),
        receipt=f"KT1-20250901-{seed:04d}",
        challenge_id=challenge.challenge_id,
        consent_version=load_statement("zh_TW").version,
        submitted_at=datetime.now(UTC),
        students=[
            SubmissionStudentIn(
                relationship=Relationship.MOTHER,
                level=student.level,
                student_id=student.id_number,
                school_code=student.school_code,
            )
        ],
        parent=SubmissionParentIn(
            id=parent_id, name="林美惠", email=email, phone="0912345678", existing_account=False
        ),
        signature=SignatureIn(kind=SignatureKind.TYPED, typed_name="林美惠"),
    )
    async with live_client(registry) as client:
        await client.submit(submission)
    return parent_id


@pytest.fixture
def desk(registry: LiveRegistry) -> StaffApp:
    """The console alone, as ``kiosk staff`` runs it on a teacher's desk (no kiosk key)."""
    client = RegistryClient(registry.url, kiosk_id=None, key=None, timeout=10.0)
    app = StaffApp(client, Translator("zh_TW"), css_paths=[str(path) for path in CSS_FILES])
    app.animation_level = "none"
    return app


async def _sign_in(pilot: Pilot[Any], login: tuple[str, str]) -> ReviewQueueScreen:
    screen = await wait_for_screen(pilot, StaffLoginScreen)
    screen.query_one("#staff-username", Input).value = login[0]
    screen.query_one("#staff-password", Input).value = login[1]
    await pilot.click("#staff-sign-in")
    queue = await wait_for_screen(pilot, ReviewQueueScreen)
    await wait_for(pilot, lambda: not queue.is_busy and bool(queue.query("#queue")), "the queue")
    return queue


def _names(queue: ReviewQueueScreen) -> set[str]:
    return {row.student_name for row in queue.shown}


async def _choose(pilot: Pilot[Any], queue: ReviewQueueScreen, student: str) -> None:
    index = [row.student_name for row in queue.shown].index(student)
    table: Any = queue.query_one("#queue")
    table.move_cursor(row=index)
    await pilot.pause()


async def test_a_teacher_approves_in_the_kiosk_and_the_parent_sees_approved_after_reload(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """The parent waits on the progress page (申請); a teacher opens the console with its key
    chord, signs in, approves: 「家長帳號已建立，並已寄送通知信」. Signed out and closed, the
    console leaves the parent's page as it was; 重新載入 shows 認證, and the account email is in
    the outbox."""
    email = "approve.me@example.com"
    student = _student(registry, "353301", "資訊二忠")
    await _submit(registry, email, 11, student)
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.check_progress()
        await walk.verify(Channel.EMAIL, email)
        progress = await wait_for_screen(pilot, ProgressScreen)
        assert [(r.student, r.status) for r in progress.rows] == [
            (student.name, StudentStatus.PENDING)
        ]

        await pilot.press("ctrl+f12")
        queue = await _sign_in(pilot, TEACHER)
        assert student.name in _names(queue)
        await _choose(pilot, queue, student.name)
        await walk.click("#approve")
        await wait_for(pilot, lambda: bool(walk.text("#queue-message")), "the approval")
        assert walk.text("#queue-message") == (
            f"{student.name}：已認證。家長帳號已建立，並已寄送通知信至 ap***@example.com。"
        )
        await wait_for(pilot, lambda: student.name not in _names(queue), "the queue reloaded")

        await walk.click("#sign-out")
        await wait_for_screen(pilot, StaffLoginScreen)
        await walk.click("#staff-close")
        await wait_for(pilot, lambda: pilot.app.screen is progress, "the parent's page")
        assert not [s for s in pilot.app.screen_stack if s.has_class("staff")]

        await walk.click("#reload")
        await wait_for(
            pilot,
            lambda: [r.status for r in progress.rows] == [StudentStatus.APPROVED],
            "認證 on the progress page",
        )
    kinds = [entry.kind for entry in registry.outbox.latest(50, to=email)]
    assert "account_created" in kinds


async def test_a_rejection_needs_a_visible_reason_and_the_parent_sees_it(
    desk: StaffApp, registry: LiveRegistry
) -> None:
    """On a teacher's desk: 不通過 with only invisible characters is refused in place (nothing
    sent); with a reason, the parent's bindings say 不通過 and that reason."""
    email = "reject.me@example.com"
    student = _student(registry, "353301", "資訊二忠", skip=1)
    await _submit(registry, email, 12, student)
    async with desk.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        queue = await _sign_in(pilot, TEACHER)
        await _choose(pilot, queue, student.name)
        await walk.click("#reject")
        dialog = await wait_for_screen(pilot, RejectScreen)
        dialog.query_one("#reject-reason", Input).value = "\u200b \u2060\ufeff"
        await walk.click("#reject-confirm")
        await pilot.pause()
        assert walk.text("#reject-error") == "請填寫原因（最多 200 字）。"
        assert pilot.app.screen is dialog

        dialog.query_one("#reject-reason", Input).value = "\u200b監護人證明未附"
        await walk.click("#reject-confirm")
        await wait_for_screen(pilot, ReviewQueueScreen)
        await wait_for(pilot, lambda: bool(walk.text("#queue-message")), "the rejection")
        assert walk.text("#queue-message") == f"{student.name}：不通過。家長會看到您填寫的原因。"

    session, _ = parent_session(registry, email)
    async with live_client(registry) as client:
        bindings = (await client.bindings(session)).bindings
    assert [(b.student_name, b.status, b.reason) for b in bindings] == [
        (student.name, "rejected", "監護人證明未附")
    ]


async def test_scope_a_teacher_sees_their_classes_an_admin_their_school_none_another(
    registry: LiveRegistry,
) -> None:
    """Pending at 353301 資訊二忠, at 353301 資訊二孝 and at 353601: the 資訊二忠 teacher sees the
    first only, the 353301 admin the first two, and 353601's admin only the third."""
    mine = _student(registry, "353301", "資訊二忠", skip=2)
    next_door = _student(registry, "353301", "資訊二孝")
    elsewhere = _student(registry, "353601", "三年一班")
    for seed, student in enumerate((mine, next_door, elsewhere), start=21):
        await _submit(registry, f"scope{seed}@example.com", seed, student)

    seen: dict[str, set[str]] = {}
    for login in (TEACHER, ADMIN, OTHER_SCHOOL_ADMIN):
        client = RegistryClient(registry.url, kiosk_id=None, key=None, timeout=10.0)
        app = StaffApp(client, Translator("zh_TW"), css_paths=[str(p) for p in CSS_FILES])
        async with app.run_test(size=(100, 32)) as pilot:
            queue = await _sign_in(pilot, login)
            seen[login[0]] = _names(queue) & {mine.name, next_door.name, elsewhere.name}
    assert seen == {
        TEACHER[0]: {mine.name},
        ADMIN[0]: {mine.name, next_door.name},
        OTHER_SCHOOL_ADMIN[0]: {elsewhere.name},
    }


async def test_the_console_closes_when_left_alone_and_leaves_nothing_behind(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    """Opened over Welcome and left signed in: after 60 s without input the console closes and
    Welcome is back, with no staff screen (nor name) left."""
    clock = [1000.0]
    with kiosk_app(
        tmp_path / "kiosk",
        registry.url,
        registry.kiosk_id,
        registry.key,
        monotonic=lambda: clock[0],
    ) as kiosk:
        await _left_alone(kiosk, clock)


async def _left_alone(kiosk: Kiosk, clock: list[float]) -> None:
    app: Any = kiosk.app
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        welcome = await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("ctrl+f12")
        await _sign_in(pilot, TEACHER)
        clock[0] += 59
        app.check_idleness()
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReviewQueueScreen)
        clock[0] += 1
        app.check_idleness()
        await wait_for(pilot, lambda: pilot.app.screen is welcome, "Welcome again")
        assert not [s for s in pilot.app.screen_stack if s.has_class("staff")]
        assert not app.staff_open


async def test_kiosk_health_and_sync_now(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """In the kiosk, 服務機狀態 shows nothing waiting and a registry not asked yet; 立即同步 runs
    a pass: the registry answered, 「同步完成：上傳 0 件…」; 返回 goes back to the queue."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("ctrl+f12")
        await _sign_in(pilot, ADMIN)
        await walk.click("#kiosk-health")
        health = await wait_for_screen(pilot, KioskHealthScreen)
        assert walk.text("#health-waiting") == "待上傳的申請：0 件"
        assert walk.text("#health-registry") == "服務主機：尚未連線"
        assert walk.text("#health-disk").startswith("磁碟剩餘空間：")

        await walk.click("#sync-now")
        await wait_for(pilot, lambda: bool(walk.text("#health-result")), "the sync pass")
        assert walk.text("#health-result") == "同步完成：上傳 0 件，狀態更新 0 筆。"
        assert walk.text("#health-registry") == "服務主機：連線正常"
        assert health.view.last_contact_at is not None

        assert ("kiosk.sync_now", f"kiosk:{registry.kiosk_id}") in _kiosk_events(registry)

        await walk.click("#health-back")
        await wait_for_screen(pilot, ReviewQueueScreen)


def _kiosk_events(registry: LiveRegistry) -> list[tuple[str, str | None]]:
    with registry.sessions() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.subject).where(AuditEvent.action.like("kiosk.%"))
        ).all()
    return [(action, subject) for action, subject in rows]


async def test_leaving_kiosk_mode_quits_the_kiosk_and_is_audited(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """離開服務機模式 (in the kiosk only) quits the locked-down app; the registry's audit log
    has kiosk.leave by that staff member, naming this kiosk."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("ctrl+f12")
        await _sign_in(pilot, TEACHER)
        await walk.click("#leave-kiosk")
        await wait_for(pilot, lambda: not kiosk.app.is_running, "the kiosk to quit")
    assert ("kiosk.leave", f"kiosk:{registry.kiosk_id}") in _kiosk_events(registry)
