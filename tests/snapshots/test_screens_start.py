"""Pictures of the kiosk starting, the Welcome screen and the F1 help, at 100×32 and 80×24."""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.app import KioskApp
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from screens.welcome import WelcomeScreen
from tests.e2e.scenes import chrome, demo_feed, host, settled
from tests.snapshots.conftest import Snap


def test_splash_while_starting(snap: Snap) -> None:
    """The first frame: the title bar and 「系統啟動中…」 in the middle, nothing else yet."""
    gate = threading.Event()

    def boot() -> object:
        gate.wait(2)
        raise RuntimeError("not needed for the picture")

    try:
        assert snap(KioskApp(boot, translator=Translator("zh_TW")))  # type: ignore[arg-type]
    finally:
        gate.set()


def test_start_failed(snap: Snap) -> None:
    """When the kiosk cannot start: 「服務機無法啟動，請洽學校辦公室。」 under the title."""

    def boot() -> object:
        raise FileNotFoundError("kiosk.key")

    app = KioskApp(boot, translator=Translator("zh_TW"))  # type: ignore[arg-type]

    async def failed(pilot: object) -> None:
        from textual.pilot import Pilot

        assert isinstance(pilot, Pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap(app, run_before=settled(failed))


def test_welcome(snap: Snap) -> None:
    """Welcome: header 臺北酷課雲 親子綁定 with ``1 驗證 > 2 學生 > 3 同意 > 4 家長`` all to come,
    the intro, two large buttons 親子綁定 (primary) and 查詢申請進度, the hint on checking
    progress, and the footer with 客服專線 (02)8798-6336 | LINE@ @032rjiko and F1 說明. No
    demo banner, no language switch."""
    assert snap(host(WelcomeScreen(chrome())))


def test_welcome_in_demo_mode(snap: Snap, tmp_path: Path) -> None:
    """In demo mode the orange banner under the header says the code will be shown there, and
    that Ctrl+Q quits the demo: 「示範模式（Ctrl+Q 結束）：驗證碼會顯示在此」."""
    assert snap(host(WelcomeScreen(chrome(demo_feed(tmp_path)))))


def test_demo_banner_shows_the_latest_code(snap: Snap, tmp_path: Path) -> None:
    """Once a code was sent, the banner shows it with the masked address:
    「示範模式（Ctrl+Q 結束）：寄至 co***@gmail.com 的驗證碼為 549497」."""
    feed = demo_feed(tmp_path, Contact(Channel.EMAIL, "cooc123@gmail.com"))
    assert snap(host(WelcomeScreen(chrome(feed))))


def test_help_on_f1(snap: Snap) -> None:
    """F1 opens the step's help over the screen: what 親子綁定 and 查詢申請進度 do, and 關閉."""
    assert snap(host(WelcomeScreen(chrome())), press=["f1"])
