"""The staff console when its staff token expires (the registry's clock moved past 8 hours):
the next call sends the staff member back to the login, saying why."""

from __future__ import annotations

from textual.widgets import Input, Static

from kiosk.app import CSS_FILES
from kiosk.client import RegistryClient
from kiosk.domain.i18n import Translator
from kiosk.staff import StaffApp
from screens.staff.login import StaffLoginScreen
from screens.staff.queue import ReviewQueueScreen
from tests.e2e.live import wait_for, wait_for_screen
from tests.registry.harness import STAFF_PASSWORD, Live


async def test_an_expired_staff_token_returns_to_the_login(live: Live) -> None:
    client = RegistryClient(live.base_url, kiosk_id=None, key=None, timeout=10.0)
    app = StaffApp(client, Translator("zh_TW"), css_paths=[str(p) for p in CSS_FILES])
    async with app.run_test(size=(100, 32)) as pilot:
        login = await wait_for_screen(pilot, StaffLoginScreen)
        login.query_one("#staff-username", Input).value = "t.lin"
        login.query_one("#staff-password", Input).value = STAFF_PASSWORD
        await pilot.click("#staff-sign-in")
        queue = await wait_for_screen(pilot, ReviewQueueScreen)
        await wait_for(pilot, lambda: not queue.is_busy, "the queue")

        live.clock.advance(hours=9)
        await pilot.click("#reload")
        again = await wait_for_screen(pilot, StaffLoginScreen)
        assert again is not login
        error = str(again.query_one("#staff-error", Static).render())
        assert error == "登入已逾時，請重新登入。"
        assert not [screen for screen in pilot.app.screen_stack if screen is queue]
