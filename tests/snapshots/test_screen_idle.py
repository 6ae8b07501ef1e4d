"""Pictures of 「仍在使用嗎？」, the idle countdown, over a step, at 100×32 and 80×24."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.domain.i18n import Translator
from screens.contact import ContactScreen
from screens.idle import StillThereScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry
from tests.e2e.scenes import chrome, host, live_client
from tests.snapshots.conftest import Snap


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry the contact step would ask (nothing is asked in these pictures)."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def _over_the_contact_step(seconds_left: int) -> Any:
    async def ask(pilot: Pilot[Any]) -> None:
        await pilot.app.push_screen(StillThereScreen(Translator("zh_TW"), seconds_left))
        await pilot.pause()

    return ask


def test_still_there_countdown(snap: Snap, registry: LiveRegistry) -> None:
    """The contact step, with an email typed, dimmed under a centred dialog with a thick orange
    border: 「仍在使用嗎？」 in bold, 「為保護您的個人資料，20秒後將清除本次填寫的資料，並回到首頁
    供下一位家長使用。」 wrapped inside the dialog, and the focused primary button 「繼續使用」 at
    its right."""
    screen = ContactScreen(chrome(), client=live_client(registry), typed="COOC123@gmail.com")
    assert snap(host(screen), run_before=_over_the_contact_step(20))


def test_still_there_nearly_over(snap: Snap, registry: LiveRegistry) -> None:
    """The same dialog with 3 seconds left: 「…3秒後將清除…」."""
    screen = ContactScreen(chrome(), client=live_client(registry))
    assert snap(host(screen), run_before=_over_the_contact_step(3))
