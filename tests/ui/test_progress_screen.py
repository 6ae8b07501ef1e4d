"""The progress page's own behaviour, with constructor data: the offline notice goes once the
upload is done, the stages tick as they happen, and 不，保留 changes nothing."""

from __future__ import annotations

import uuid

from kiosk.domain.status import StudentStatus
from screens.confirm import ConfirmScreen
from screens.progress import ProgressRow, ProgressScreen, ProgressView
from screens.progress_stages import stages_done
from tests.e2e.live import wait_for, wait_for_screen
from tests.e2e.scenes import chrome, host

QUEUED = ProgressRow("陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.QUEUED)
PENDING = ProgressRow(
    "陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.PENDING, binding_id=uuid.UUID(int=1)
)


async def test_the_offline_notice_goes_once_uploaded() -> None:
    """Saved offline: 「已儲存，網路恢復後自動上傳」 shows; a reload after the upload shows the
    student 申請 and the notice is gone."""

    async def uploaded() -> ProgressView:
        return ProgressView((PENDING,))

    screen = ProgressScreen(
        chrome(),
        view=ProgressView((QUEUED,), stale=True),
        load=uploaded,
        receipt="KT1-20260901-0002",
        uploaded=False,
    )
    app = host(screen)
    async with app.run_test(size=(100, 32)) as pilot:
        page = await wait_for_screen(pilot, ProgressScreen)
        assert page.query_one("#saved-offline").display
        await pilot.click("#reload")
        await wait_for(pilot, lambda: page.rows == (PENDING,), "the reload")
        await pilot.pause()
        assert not page.query_one("#saved-offline").display
        assert not page.query_one("#stale").display


async def test_keeping_a_binding_changes_nothing() -> None:
    """取消, then 不，保留 (or Escape): nothing is cancelled."""
    cancelled: list[ProgressRow] = []

    async def cancel(row: ProgressRow) -> ProgressView:
        cancelled.append(row)
        return ProgressView(())

    async def load() -> ProgressView:
        return ProgressView((PENDING,))

    screen = ProgressScreen(chrome(), view=ProgressView((PENDING,)), load=load, cancel=cancel)
    async with host(screen).run_test(size=(100, 32)) as pilot:
        page = await wait_for_screen(pilot, ProgressScreen)
        for leave in ("#confirm-keep", "escape"):
            page.query_one("#cancel-0").scroll_visible(animate=False)
            await pilot.pause()
            await pilot.click("#cancel-0")
            await wait_for_screen(pilot, ConfirmScreen)
            if leave.startswith("#"):
                await pilot.click(leave)
            else:
                await pilot.press(leave)
            await wait_for_screen(pilot, ProgressScreen)
    assert cancelled == []


def test_the_stages_tick_as_they_happen() -> None:
    """送出 once at the registry; 導師審核 once a teacher decided; 帳號建立 once any binding of the
    parent is approved; 登入 once the registry saw the account sign in (and then the account
    was made, whatever rows this contact sees)."""
    queued, pending = StudentStatus.QUEUED, StudentStatus.PENDING
    approved, rejected = StudentStatus.APPROVED, StudentStatus.REJECTED
    assert stages_done([queued]) == (False, False, False, False)
    assert stages_done([pending]) == (True, False, False, False)
    assert stages_done([pending], [approved]) == (True, False, True, False)
    assert stages_done([rejected]) == (True, True, False, False)
    assert stages_done([approved, pending]) == (True, True, True, False)
    assert stages_done([approved], logged_in=True) == (True, True, True, True)
    assert stages_done([pending], logged_in=True) == (True, False, True, True)
