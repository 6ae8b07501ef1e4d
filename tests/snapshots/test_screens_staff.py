"""Pictures of the staff console's screens, at 100×32 and 80×24: login, the review queue (a
teacher's, a kiosk's with 協助家長申請 and 離開服務機模式, a row verified in person, 重印申請書 on a
desk, filtered, empty), the 不通過 reason and the kiosk's health. The 臨櫃核對身分 screen is in
test_screens_in_person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.domain.documents import IdDocument
from kiosk.domain.i18n import Translator
from kiosk.domain.masking import mask_email, mask_id, mask_phone
from kiosk.domain.people import Relationship
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import StaffBindingOut, StaffSessionOut
from screens.staff.health import HealthView, KioskHealthScreen
from screens.staff.login import StaffLoginScreen
from screens.staff.queue import ReviewQueueScreen
from screens.staff.reject import RejectScreen
from tests.e2e.scenes import host, settled
from tests.snapshots.conftest import FROZEN_NOW, Snap

WORDS = Translator("zh_TW")


def _row(
    number: int,
    student: str,
    class_name: str,
    parent: str,
    relationship: Relationship,
    *,
    other: str | None = None,
    paper: bool = False,
    in_person: bool = False,
) -> StaffBindingOut:
    parent_id = ("A223456781", "F128456795", "YA94109161")[number % 3]
    return StaffBindingOut(
        binding_id=uuid.UUID(int=number),
        application_id=uuid.UUID(int=100 + number),
        receipt=f"KT1-20250901-{number:04d}",
        student_name=student,
        masked_student_id=mask_id("A123456789"),
        class_name=class_name,
        school_code="353301",
        school_name="臺北市私立日曜學校",
        parent_name=parent,
        masked_parent_id=mask_id(parent_id),
        masked_parent_email=mask_email(f"parent{number}@example.com"),
        masked_parent_phone=mask_phone("0912345678"),
        relationship=relationship,
        relationship_other=other,
        status=BindingStatus.PENDING,
        submitted_at=FROZEN_NOW - timedelta(days=number),
        paper_form_received_at=FROZEN_NOW - timedelta(hours=2) if paper else None,
        in_person_document=IdDocument.NATIONAL_ID if in_person else None,
        in_person_by="李宇宏" if in_person else None,
    )


ROWS = (
    _row(1, "陳曉明", "資訊二忠", "林美惠", Relationship.MOTHER, paper=True),
    _row(2, "王小華", "資訊二忠", "王大同", Relationship.FATHER),
    _row(3, "李安安", "資訊二孝", "李阿嬤", Relationship.OTHER, other="姑姑"),
)
IN_PERSON_ROWS = (
    *ROWS,
    _row(4, "張小明", "資訊二孝", "張志明", Relationship.FATHER, in_person=True),
)


class _Unused:
    """The registry is not asked in these pictures (the rows are given)."""

    async def bindings(self, status: BindingStatus) -> list[StaffBindingOut]:
        raise AssertionError("not asked")

    async def approve(self, binding_id: uuid.UUID) -> StaffBindingOut:
        raise AssertionError("not asked")

    async def reject(self, binding_id: uuid.UUID, reason: str) -> StaffBindingOut:
        raise AssertionError("not asked")

    async def paper_form_received(self, binding_id: uuid.UUID) -> StaffBindingOut:
        raise AssertionError("not asked")


async def _no_login(username: str, password: str) -> StaffSessionOut:
    raise AssertionError("not asked")


def _queue(rows: Sequence[StaffBindingOut], *, in_kiosk: bool = False) -> ReviewQueueScreen:
    return ReviewQueueScreen(
        WORDS, who="楊冠宜", review=_Unused(), rows=rows, can_leave_kiosk=in_kiosk
    )


def test_staff_login(snap: Snap) -> None:
    """An orange header 「教職員主控台 · 親子綁定」 (not the parent's blue one, no steps, no
    support line); 教職員登入, who may use it, 帳號 (focused) and 密碼 fields; 關閉 left, 登入
    right."""
    assert snap(host(StaffLoginScreen(WORDS, login=_no_login)))


def test_staff_login_missing(snap: Snap) -> None:
    """登入 with nothing typed: 「請輸入帳號及密碼。」 in red under the buttons, nothing sent."""

    async def sign_in(pilot: Pilot[Any]) -> None:
        await pilot.click("#staff-sign-in")
        await pilot.pause()

    assert snap(host(StaffLoginScreen(WORDS, login=_no_login)), run_before=settled(sign_in))


def test_review_queue(snap: Snap) -> None:
    """The teacher 楊冠宜 (right of the header): filters 申請 / 全部班級 / 學生姓名, a table of
    three pending rows that fits 80 columns without scrolling sideways (學生, 班級, 稱謂 with
    其他（姑姑）, 家長, 紙本同意書 已收 09-01 or 未收, 狀態 申請), 「共 3 筆，顯示 3 筆。」, under
    it the chosen row's 收件編號, 送出日期 and the masked 身分證, email and phone (wrapped at 80
    columns), and 認證, 不通過, 紙本同意書已收, 重印申請書 · 重新載入, 登出 (no kiosk actions
    on a desk)."""
    assert snap(host(_queue(ROWS)))


def test_review_queue_in_the_kiosk(snap: Snap) -> None:
    """In the kiosk a second row of actions: 服務機狀態, 協助家長申請 and 離開服務機模式 (the
    only way out in production)."""
    assert snap(host(_queue(ROWS, in_kiosk=True)))


def test_review_queue_verified_in_person(snap: Snap) -> None:
    """A fourth row 張小明 whose parent 張志明（臨櫃核對） was verified in person, chosen: the
    detail under the table says 「由 李宇宏 臨櫃核對身分（國民身分證），未使用驗證碼」 beside the
    receipt and the masked ID, email and phone."""

    async def choose(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#queue").move_cursor(row=3)  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap(host(_queue(IN_PERSON_ROWS, in_kiosk=True)), run_before=settled(choose))


def test_review_queue_reprint_on_a_desk(snap: Snap) -> None:
    """重印申請書 on a teacher's desk (no application data there): the button says why in red,
    「申請書只能在收件的服務機上重印：這台電腦沒有申請資料。」."""

    async def reprint(pilot: Pilot[Any]) -> None:
        await pilot.click("#reprint")
        await pilot.pause()

    assert snap(host(_queue(ROWS)), run_before=settled(reprint))


def test_review_queue_searched(snap: Snap) -> None:
    """「曉明」 typed in 學生姓名: only 陳曉明's row; 「共 3 筆，顯示 1 筆。」."""

    async def search(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#filter-name", Input).value = "曉明"
        await pilot.pause()

    assert snap(host(_queue(ROWS)), run_before=search)


def test_review_queue_empty(snap: Snap) -> None:
    """Nothing in scope: the table's header only, and 「沒有符合的申請。」."""
    assert snap(host(_queue(())))


def test_reject_reason(snap: Snap) -> None:
    """不通過 over the queue: 「不通過：王小華」, what the parent will read, an empty focused
    reason field, 取消 left and a red 不通過 right, in a red-bordered dialog."""

    async def ask(pilot: Pilot[Any]) -> None:
        await pilot.app.push_screen(RejectScreen(WORDS, student="王小華"))
        await pilot.pause()

    assert snap(host(_queue(ROWS)), run_before=ask)


def test_reject_reason_blank(snap: Snap) -> None:
    """Only invisible characters typed: 「請填寫原因（最多 200 字）。」 in red under the field."""

    async def blank(pilot: Pilot[Any]) -> None:
        await pilot.app.push_screen(RejectScreen(WORDS, student="王小華"))
        await pilot.pause()
        pilot.app.screen.query_one("#reject-reason", Input).value = "\u200b\u2060"
        await pilot.click("#reject-confirm")
        await pilot.pause()

    assert snap(host(_queue(ROWS)), run_before=settled(blank))


async def _never_synced() -> HealthView:
    raise AssertionError("not asked")


def test_kiosk_health_registry_away(snap: Snap) -> None:
    """服務機狀態 while the registry is away: 「待上傳的申請：2 件」, waiting since 2025-09-01
    08:40, 「待上傳的教職員操作紀錄：1 筆」 (an action kept while away), 「服務主機：自
    2025-09-01 08:55 起無法連線（registry.unreachable）」, last answer 08:30, disk free 12.5 GiB;
    返回 left, 立即同步 right."""
    view = HealthView(
        staff_events_waiting=1,
        waiting=2,
        oldest_waiting_since=FROZEN_NOW - timedelta(minutes=20),
        last_contact_at=FROZEN_NOW - timedelta(minutes=30),
        last_failure_at=FROZEN_NOW - timedelta(minutes=5),
        last_error="registry.unreachable",
        disk_free_bytes=int(12.5 * 2**30),
    )
    assert snap(host(KioskHealthScreen(WORDS, who="李宇宏", view=view, sync_now=_never_synced)))


def test_kiosk_health_after_sync_now(snap: Snap) -> None:
    """After 立即同步: nothing waiting (—), 「服務主機：連線正常」, last answer 09:00, and in
    green 「同步完成：上傳 2 件，狀態更新 1 筆。」."""
    view = HealthView(
        waiting=0,
        oldest_waiting_since=None,
        last_contact_at=FROZEN_NOW,
        last_failure_at=FROZEN_NOW - timedelta(minutes=5),
        last_error=None,
        disk_free_bytes=int(12.5 * 2**30),
        uploaded=2,
        changes=1,
    )
    assert snap(host(KioskHealthScreen(WORDS, who="李宇宏", view=view, sync_now=_never_synced)))


def test_kiosk_health_with_a_local_fault_and_a_skewed_clock(snap: Snap) -> None:
    """服務機狀態 after the kiosk's own disk filled and with its clock 10 minutes behind: under
    the disk line, in red, 「本機儲存於 2025-09-01 08:50 發生問題：磁碟空間已滿。…」 and
    「本機時鐘與服務主機相差 +600 秒，請校正時間。」."""
    view = HealthView(
        waiting=1,
        oldest_waiting_since=FROZEN_NOW - timedelta(minutes=20),
        last_contact_at=FROZEN_NOW - timedelta(minutes=1),
        last_failure_at=None,
        last_error=None,
        disk_free_bytes=0,
        local_fault="disk_full",
        local_fault_at=FROZEN_NOW - timedelta(minutes=10),
        clock_skew_s=600.0,
    )
    assert snap(host(KioskHealthScreen(WORDS, who="李宇宏", view=view, sync_now=_never_synced)))
