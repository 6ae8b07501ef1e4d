"""Pictures of the progress page (step 5) in each state, at 100×32 and 80×24.

Driven with constructor data: the rows the flow would load, and a cancel, purge and reload that
answer as the registry would (the flow's own are tested against a real registry in
tests/ui/test_progress_page.py).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import StudentStatus
from kiosk.forms import DEFAULT_FAMILIES, Delivery, FontMissing
from kiosk.forms.fonts import NO_CJK_FONT
from screens.progress import DownloadForm, ProgressRow, ProgressScreen, ProgressView
from tests.e2e.scenes import chrome, host, settled
from tests.snapshots.conftest import SIZES, Snap
from tests.snapshots.test_qr_code import cells_to_pgm, snapshot_cells, zbar

#: The tutorial's page, verified with COOC123@gmail.com: the account's three children masked.
TUTORIAL = (
    ProgressRow("吳○寶", "", "", StudentStatus.APPROVED, binding_id=uuid.UUID(int=1), masked=True),
    ProgressRow("吳○寶", "", "", StudentStatus.APPROVED, binding_id=uuid.UUID(int=2), masked=True),
    ProgressRow("吳○寶", "", "", StudentStatus.APPROVED, binding_id=uuid.UUID(int=3), masked=True),
    ProgressRow(
        "陳曉明",
        "臺北市私立日曜學校",
        "資訊二忠",
        StudentStatus.PENDING,
        binding_id=uuid.UUID(int=4),
    ),
)
#: One of each status, with the long school name and a long reason.
EACH = (
    ProgressRow(
        "吳大寶",
        "臺北市立內湖高級工業職業學校",
        "機械二忠",
        StudentStatus.APPROVED,
        binding_id=uuid.UUID(int=1),
    ),
    ProgressRow(
        "王小明",
        "臺北市立內湖高級工業職業學校",
        "機械二忠",
        StudentStatus.PENDING,
        binding_id=uuid.UUID(int=2),
    ),
    ProgressRow(
        "林小華",
        "臺北市立日新國民小學",
        "三年一班",
        StudentStatus.REJECTED,
        "紙本同意書未繳回，且監護關係證明文件不完整，請補齊後再申請",
        binding_id=uuid.UUID(int=3),
    ),
    ProgressRow("陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.QUEUED),
)


async def _same(view: ProgressView) -> ProgressView:
    return view


def page(rows: tuple[ProgressRow, ...], **data: Any) -> ProgressScreen:
    """The page showing ``rows``; reload gives the same, cancel and purge drop what they would."""
    view = ProgressView(rows, stale=data.pop("stale", False))

    async def load() -> ProgressView:
        return view

    async def cancel(row: ProgressRow) -> ProgressView:
        return ProgressView(tuple(other for other in rows if other != row))

    async def purge() -> tuple[int | None, ProgressView]:
        kept = tuple(row for row in rows if row.status is StudentStatus.APPROVED)
        return len(rows) - len(kept), ProgressView(kept)

    data.setdefault("cancel", cancel)
    data.setdefault("purge", purge)
    return ProgressScreen(chrome(), view=view, load=load, can_add=True, **data)


async def press(pilot: Pilot[Any], selector: str) -> None:
    """Scrolls ``selector`` into view and presses it, as a parent's tap would."""
    button = pilot.app.screen.query_one(selector, Button)
    button.scroll_visible(animate=False)
    await pilot.pause()
    button.press()
    await pilot.pause()


def test_progress_tutorial_after_submitting(snap: Snap) -> None:
    """感謝您申請臺北市單一身分驗證親子帳號, 收件編號; the table: 吳○寶 ×3 認證 (green; school
    column —), 陳曉明 臺北市私立日曜學校　資訊二忠 申請 with a 取消 button; the masked note;
    新增綁定學生 left, 登出服務 right."""
    assert snap(host(page(TUTORIAL, receipt="KT1-20260901-0001")))


def test_progress_each_status_as_status_page(snap: Snap) -> None:
    """From 查詢申請進度: the heading 親子綁定申請進度 (no thanks, no receipt); 認證, 申請 (取消),
    不通過 with its long reason wrapped inside the status column, 待上傳; the long school name
    臺北市立內湖高級工業職業學校　機械二忠 wraps inside its column, the statuses stay aligned."""
    assert snap(host(page(EACH)))


def test_progress_saved_offline(snap: Snap) -> None:
    """The registry away at 送出資料: 「已儲存，網路恢復後自動上傳…」 under the receipt, the new
    students 待上傳 (grey, italic), no 取消 on them, and the note that this is what the kiosk
    knows."""
    rows = (
        ProgressRow("陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.QUEUED),
        ProgressRow("林小華", "臺北市立日新國民小學", "三年一班", StudentStatus.QUEUED),
    )
    assert snap(host(page(rows, stale=True, receipt="KT1-20260901-0002", uploaded=False)))


def test_progress_nothing_yet(snap: Snap) -> None:
    """Checking progress for a contact with no application: 「此信箱或手機目前尚無申請紀錄。」."""
    assert snap(host(page(())))


def test_progress_confirm_cancel(snap: Snap) -> None:
    """取消 on 陳曉明: the dialog 「確定要取消 陳曉明 的親子綁定申請嗎？…」 with 不，保留 (focused,
    left) and 確定取消 (red, right), over the dimmed page."""

    async def ask(pilot: Pilot[Any]) -> None:
        await press(pilot, "#cancel-3")

    assert snap(host(page(TUTORIAL, receipt="KT1-20260901-0001")), run_before=settled(ask))


def test_progress_after_cancel(snap: Snap) -> None:
    """確定取消: 「已取消 陳曉明 的申請。」 above the table, which no longer lists 陳曉明."""

    async def cancel(pilot: Pilot[Any]) -> None:
        await press(pilot, "#cancel-3")
        await press(pilot, "#confirm-yes")
        await pilot.pause(0.1)

    assert snap(host(page(TUTORIAL, receipt="KT1-20260901-0001")), run_before=settled(cancel))


def test_progress_confirm_purge(snap: Snap) -> None:
    """註銷全部紀錄: the dialog 「確定要移除所有申請中以及不通過之紀錄嗎？已認證的綁定會保留。
    …」."""

    async def ask(pilot: Pilot[Any]) -> None:
        await press(pilot, "#purge")

    assert snap(host(page(EACH)), run_before=settled(ask))


def test_progress_after_purge(snap: Snap) -> None:
    """確定註銷: 「已註銷 3 筆紀錄。」 and only 吳大寶 認證 left in the table."""

    async def purge(pilot: Pilot[Any]) -> None:
        await press(pilot, "#purge")
        await press(pilot, "#confirm-yes")
        await pilot.pause(0.1)
        pilot.app.screen.query_one("#body").scroll_home(animate=False)

    assert snap(host(page(EACH)), run_before=settled(purge))


def test_progress_stages(snap: Snap) -> None:
    """Scrolled down: 註銷全部紀錄, then 申請流程說明 with ✓ 1. 送出線上申請資料 and ✓ 3.
    帳號建立並以電子郵件通知 (green: the account's bindings are approved), ○ 2. 導師審核確認 and
    ○ 4. 登入系統 (陳曉明 is still under review), 「顯示打勾為已處理階段」, the account rule."""

    async def down(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#body").scroll_end(animate=False)
        await pilot.pause()

    assert snap(host(page(TUTORIAL, receipt="KT1-20260901-0001")), run_before=settled(down))


def test_progress_reload_fails(snap: Snap) -> None:
    """重新載入 when the session has expired: the reason beside the table's heading."""

    async def expired() -> ProgressView:
        raise DomainError(ErrorCode.SESSION_EXPIRED)

    screen = ProgressScreen(chrome(), view=ProgressView(EACH[:2]), load=expired)

    async def reload(pilot: Pilot[Any]) -> None:
        await pilot.click("#reload")
        await pilot.pause(0.1)

    assert snap(host(screen), run_before=settled(reload))


def _delivering(done: bool, words: str) -> DownloadForm:
    async def download() -> tuple[bool, str]:
        return done, words

    return download


async def _download(pilot: Pilot[Any]) -> None:
    await press(pilot, "#download")
    await pilot.pause(0.1)
    pilot.app.screen.query_one("#body").scroll_end(animate=False)


def test_progress_form_saved(snap: Snap) -> None:
    """下載留存 without a printer, scrolled down: 「完成線上申請後，下載留存申請書：」 with its
    button,
    and under it in green 「已儲存至 /var/lib/kiosk/forms/KT1-20260901-0001.pdf」."""
    saved = Delivery("saved", "/var/lib/kiosk/forms/KT1-20260901-0001.pdf")
    words = saved.words(chrome().translator)
    screen = page(TUTORIAL, receipt="KT1-20260901-0001", download=_delivering(True, words))
    assert snap(host(screen), run_before=settled(_download))


def test_progress_form_no_font(snap: Snap) -> None:
    """下載留存 where no CJK font is installed: in red, that the form cannot be made and how to
    install the fonts (make fonts) or configure a font file."""
    missing = FontMissing(NO_CJK_FONT, families=", ".join(DEFAULT_FAMILIES))
    words = missing.words(chrome().translator)
    screen = page(TUTORIAL, receipt="KT1-20260901-0001", download=_delivering(False, words))
    assert snap(host(screen), run_before=settled(_download))


#: A status link as the registry makes it: its base URL, /s/ and a 35-character token.
STATUS_URL = "https://cooc.tp.edu.tw/s/AAAAAAAAAAAAAAAAAAAABFEz1VxgPsnHGRU"


async def _link() -> str | None:
    return STATUS_URL


async def _qr(pilot: Pilot[Any]) -> None:
    await wait_for_link(pilot)
    await press(pilot, "#show-qr")
    await pilot.pause(0.1)


async def wait_for_link(pilot: Pilot[Any]) -> None:
    """Waits until the page has its link (the QR code's row shows)."""
    row = pilot.app.screen.query_one("#qr-row")
    for _ in range(100):
        if row.display:
            return
        await pilot.pause(0.05)
    raise AssertionError("the status link never came")


def test_progress_qr_offered(snap: Snap) -> None:
    """Scrolled down, once the registry gave the link: 「用手機查看申請進度（QR Code）：」 with 顯示
    QR Code."""

    async def down(pilot: Pilot[Any]) -> None:
        await wait_for_link(pilot)
        pilot.app.screen.query_one("#body").scroll_end(animate=False)
        await pilot.pause()

    screen = page(TUTORIAL, receipt="KT1-20260901-0001", status_link=_link)
    assert snap(host(screen), run_before=settled(down))


def test_progress_qr(snap: Snap) -> None:
    """顯示 QR Code: over the dimmed page, 「以手機掃描，隨時查看申請進度」, the code (41×21 cells,
    black on white with its quiet zone) and a compact 關閉 — whole at 80×24 too."""
    screen = page(TUTORIAL, receipt="KT1-20260901-0001", status_link=_link)
    assert snap(host(screen), run_before=settled(_qr))


@pytest.mark.parametrize("size", list(SIZES))
def test_the_progress_qr_decodes_back_to_the_link(size: str, tmp_path: Path) -> None:
    """What the terminal drew on the progress page's QR screen decodes back to the link."""
    svg = (
        Path(__file__).parent
        / "__snapshots__"
        / Path(__file__).stem
        / f"test_progress_qr[{size}].svg"
    )
    if not svg.exists():
        pytest.skip(f"{svg.name} is not made yet (run with --snapshot-update)")
    cells = snapshot_cells(svg.read_text(encoding="utf-8"))
    image = tmp_path / "screen.pgm"
    cells_to_pgm(cells, image)
    assert zbar(image) == STATUS_URL
