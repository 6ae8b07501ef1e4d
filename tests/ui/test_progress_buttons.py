"""Every action of the progress page is a button a finger can hit (3 rows at least), in both
languages at 100×32 and 80×24, and the status table's columns stay aligned with the taller
取消 rows."""

from __future__ import annotations

import pytest
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button

from kiosk.domain.i18n import Translator
from screens.base import Chrome
from screens.progress import ApplicationCopy, ProgressScreen, ProgressView
from tests.e2e.scenes import host
from tests.snapshots.test_screens_progress import EACH, TUTORIAL


async def _same(view: ProgressView) -> ProgressView:
    return view


async def _download() -> tuple[bool, str]:
    return True, "saved"


async def _link() -> str | None:
    return "https://example.org/s/abc"


def _page(language: str, *, submitted: bool) -> ProgressScreen:
    """Just after 送出資料 (下載留存 and the QR code of that application), or from 查詢申請進度
    (the kiosk's copies, each with both)."""
    view = ProgressView(EACH + TUTORIAL)

    async def load() -> ProgressView:
        return view

    async def purge() -> tuple[int | None, ProgressView]:
        return 0, view

    copy = ApplicationCopy("KT1-20260901-0001", _download, _link)
    return ProgressScreen(
        Chrome(Translator(language)),
        view=view,
        load=load,
        cancel=lambda _row: _same(view),
        purge=purge,
        receipt="KT1-20260901-0002" if submitted else None,
        can_add=True,
        download=_download if submitted else None,
        status_link=_link if submitted else None,
        copies=() if submitted else (copy,),
    )


@pytest.mark.parametrize("submitted", [True, False])
@pytest.mark.parametrize("language", ["zh_TW", "en"])
@pytest.mark.parametrize("size", [(100, 32), (80, 24)])
async def test_every_progress_action_is_three_rows_and_the_columns_stay_aligned(
    language: str, size: tuple[int, int], submitted: bool
) -> None:
    app = host(_page(language, submitted=submitted))
    shown = "show-qr" if submitted else "show-qr-0"
    async with app.run_test(size=size) as pilot:
        for _ in range(50):
            await pilot.pause()
            qr = app.screen.query(f"#{shown}")
            if qr and qr.first().visible and qr.first().outer_size.height:
                break
        screen = app.screen
        # Shown ones, the footer's compact language switch aside (the whole app's chrome).
        buttons = [
            button
            for button in screen.query(Button)
            if button.id != "language"
            and all(node.display for node in button.ancestors_with_self if isinstance(node, Widget))
        ]
        ids = {button.id for button in buttons}
        actions = {"download", "show-qr"} if submitted else {"download-0", "show-qr-0"}
        assert {"reload", "purge", "log-out", "add-student", *actions} <= ids
        assert {"cancel-1", "cancel-7"} <= ids  # the two rows under review
        small = [f"#{b.id}: {b.outer_size.height}" for b in buttons if b.outer_size.height < 3]
        assert small == []
        # Each column starts at the same place and is as wide in every row, 取消 or not.
        rows = list(screen.query(".status-row").results(Horizontal))
        assert len(rows) == 1 + len(EACH) + len(TUTORIAL)
        for column in (".cell-student", ".cell-school", ".cell-status", ".cell-cancel"):
            placed = {
                (cell.virtual_region.x, cell.outer_size.width)
                for row in rows
                for cell in row.query(column)
            }
            assert len(placed) == 1, (column, placed)
        # Nothing is cut: the cancel buttons show their whole word.
        cancel = screen.query_one("#cancel-1", Button)
        assert cancel.content_size.width >= len(str(cancel.label))
