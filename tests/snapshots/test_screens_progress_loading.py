"""The progress page while its first answer is slow: it opens at once and says it loads."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot

from screens.progress import ProgressScreen, ProgressView
from tests.e2e.scenes import chrome, host, settled
from tests.snapshots.conftest import Snap


async def _nothing(_pilot: Pilot[Any]) -> None:
    return None


def test_progress_loading(snap: Snap) -> None:
    """The registry slow to answer: the page of the application just submitted (感謝您申請…,
    收件編號) opens at once, 重新載入 spins, and the table says 「申請進度載入中…」 — not the
    start-up splash."""
    never = asyncio.Event()

    async def slow() -> ProgressView:
        await never.wait()
        raise AssertionError("the picture is taken before")

    screen = ProgressScreen(
        chrome(), view=None, load=slow, first=slow(), receipt="KT1-20260901-0003"
    )
    assert snap(host(screen), run_before=settled(_nothing))
