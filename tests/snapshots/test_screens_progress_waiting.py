"""Pictures of the progress page's newer states, at 100×32 and 80×24: a cancel and a purge kept
on the kiosk while the registry is away (取消待上傳, 註銷待上傳), 登入系統 ticked, and from
查詢申請進度 the forms and QR codes of the parent's applications kept on this kiosk.

Driven with constructor data, as tests/snapshots/test_screens_progress.py; the flow's own
behaviour is tested against a real registry in tests/ui/test_progress_offline.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.domain.status import StudentStatus
from kiosk.forms import Delivery
from screens.progress import ApplicationCopy, ProgressRow, ProgressScreen, ProgressView, Waiting
from tests.e2e.scenes import chrome, host, settled
from tests.snapshots.conftest import SIZES, Snap
from tests.snapshots.test_qr_code import cells_to_pgm, snapshot_cells, zbar
from tests.snapshots.test_screens_progress import EACH, STATUS_URL, TUTORIAL, page, press


def _stale(rows: tuple[ProgressRow, ...]) -> ProgressView:
    return ProgressView(rows, stale=True)


def test_progress_cancel_waits_offline(snap: Snap) -> None:
    """取消 on 陳曉明 while the registry is away: above the table 「目前無法連線至服務主機：
    「陳曉明」的取消申請已保存在本機，網路恢復後將自動上傳。」; 陳曉明's status reads 取消待上傳
    and it has no 取消 button any more; the note that this is what the kiosk knows."""

    async def kept(row: ProgressRow) -> ProgressView:
        rows = tuple(
            dataclasses.replace(other, waiting=Waiting.CANCEL) if other == row else other
            for other in TUTORIAL
        )
        return _stale(rows)

    async def cancel(pilot: Pilot[Any]) -> None:
        await press(pilot, "#cancel-3")
        await press(pilot, "#confirm-yes")
        await pilot.pause(0.1)
        pilot.app.screen.query_one("#body").scroll_home(animate=False)

    screen = page(TUTORIAL, receipt="KT1-20260901-0001", cancel=kept)
    assert snap(host(screen), run_before=settled(cancel))


def test_progress_purge_waits_offline(snap: Snap) -> None:
    """註銷全部紀錄 while the registry is away: 「目前無法連線至服務主機：註銷全部紀錄已保存在
    本機，網路恢復後將自動上傳。」; 王小明, 林小華 and 陳曉明 read 註銷待上傳 (no 取消), 吳大寶
    stays 認證."""

    async def kept() -> tuple[int | None, ProgressView]:
        rows = tuple(
            row
            if row.status is StudentStatus.APPROVED
            else dataclasses.replace(row, waiting=Waiting.PURGE)
            for row in EACH
        )
        return None, _stale(rows)

    async def purge(pilot: Pilot[Any]) -> None:
        await press(pilot, "#purge")
        await press(pilot, "#confirm-yes")
        await pilot.pause(0.1)
        pilot.app.screen.query_one("#body").scroll_home(animate=False)

    assert snap(host(page(EACH, purge=kept)), run_before=settled(purge))


def test_progress_stages_logged_in(snap: Snap) -> None:
    """Scrolled down, the parent's account has been used to sign in: all four stages of
    申請流程說明 ticked (✓ 4. 登入系統 too)."""
    rows = (dataclasses.replace(TUTORIAL[3], status=StudentStatus.APPROVED), *TUTORIAL[:3])
    view = ProgressView(rows, logged_in=True)

    async def load() -> ProgressView:
        return view

    async def down(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#stages").scroll_visible(animate=False)
        await pilot.pause()

    screen = ProgressScreen(chrome(), view=view, load=load, can_add=True)
    assert snap(host(screen), run_before=settled(down))


async def _saved() -> tuple[bool, str]:
    saved = Delivery("saved", "/var/lib/kiosk/forms/KT1-20260901-0001.pdf")
    return True, saved.words(chrome().translator)


async def _link() -> str | None:
    return STATUS_URL


async def _not_yet() -> str | None:
    return None  # not uploaded yet: no status page to link to


#: From 查詢申請進度: two applications kept on this kiosk, the newer one not uploaded yet.
COPIES = (
    ApplicationCopy("KT1-20260902-0003", _saved, _not_yet),
    ApplicationCopy("KT1-20260901-0001", _saved, _link),
)


def checked() -> ProgressScreen:
    """The page reached from 查詢申請進度, with the applications kept on this kiosk."""
    return page(TUTORIAL, copies=COPIES)


async def wait_for_copy_link(pilot: Pilot[Any]) -> None:
    """Waits until the second application's QR button shows."""
    button = pilot.app.screen.query_one("#show-qr-1")
    for _ in range(100):
        if button.visible:
            return
        await pilot.pause(0.05)
    raise AssertionError("the status link never came")


def test_progress_copies_from_check(snap: Snap) -> None:
    """From 查詢申請進度, scrolled down: 「您在本機的申請：下載留存申請書，或以 QR Code 查看申請
    進度」, then per application 收件編號 with 下載留存 — and 顯示 QR Code only for the one the
    registry has (KT1-20260901-0001)."""

    async def down(pilot: Pilot[Any]) -> None:
        await wait_for_copy_link(pilot)
        pilot.app.screen.query_one("#body").scroll_end(animate=False)
        await pilot.pause()

    assert snap(host(checked()), run_before=settled(down))


def test_progress_copy_form_saved(snap: Snap) -> None:
    """下載留存 of the first kept application, scrolled down: in green under the list
    「已儲存至 /var/lib/kiosk/forms/KT1-20260901-0001.pdf」."""

    async def download(pilot: Pilot[Any]) -> None:
        await wait_for_copy_link(pilot)
        await press(pilot, "#download-0")
        await pilot.pause(0.1)
        pilot.app.screen.query_one("#body").scroll_end(animate=False)

    assert snap(host(checked()), run_before=settled(download))


def test_progress_copy_qr(snap: Snap) -> None:
    """顯示 QR Code of a kept application: the same QR screen as after 送出資料, its link's
    code whole at 80×24 too."""

    async def qr(pilot: Pilot[Any]) -> None:
        await wait_for_copy_link(pilot)
        await press(pilot, "#show-qr-1")
        await pilot.pause(0.1)

    assert snap(host(checked()), run_before=settled(qr))


@pytest.mark.parametrize("size", list(SIZES))
def test_the_copy_qr_decodes_back_to_the_link(size: str, tmp_path: Path) -> None:
    """What the terminal drew for a kept application's QR code decodes back to its link."""
    svg = (
        Path(__file__).parent
        / "__snapshots__"
        / Path(__file__).stem
        / f"test_progress_copy_qr[{size}].svg"
    )
    if not svg.exists():
        pytest.skip(f"{svg.name} is not made yet (run with --snapshot-update)")
    image = tmp_path / "screen.pgm"
    cells_to_pgm(snapshot_cells(svg.read_text(encoding="utf-8")), image)
    assert zbar(image) == STATUS_URL


def test_progress_copy_renumbered(snap: Snap) -> None:
    """From 查詢申請進度, scrolled down: an application renumbered after the parent left (its
    number was another's at the registry) says under its 收件編號 KT1-20260902-0004 「申請書上的
    收件編號 KT1-20260902-0003 已更正為 KT1-20260902-0004，仍是同一份申請。」."""
    renumbered = (
        ApplicationCopy("KT1-20260902-0004", _saved, _link, former_receipt="KT1-20260902-0003"),
    )

    async def down(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#body").scroll_end(animate=False)
        await pilot.pause()

    assert snap(host(page(TUTORIAL, copies=renumbered)), run_before=settled(down))
