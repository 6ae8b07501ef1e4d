"""The next parent's first step is built while the Welcome waits, so a tap shows it at once —
and it holds nothing of the parent before.

A real registry (uvicorn on 127.0.0.1, demo data) serves this module; each test has a kiosk of
its own built by the app factory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button, Input

from kiosk.app import KioskApp
from kiosk.domain.contact import Channel
from screens.contact import ContactScreen
from tests.e2e.live import Kiosk, LiveRegistry, running_registry, wait_for
from tests.e2e.walk import Walk


@pytest.fixture(scope="module")
def registry(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def built_ahead(app: App[Any]) -> list[ContactScreen]:
    """The contact screen composed behind the one on show, not on the screen stack (if any)."""
    assert isinstance(app, KioskApp)
    held = app.ahead.held if app.ahead is not None else None
    if held is None or held in app.screen_stack or not held.query("#email"):
        return []
    assert isinstance(held, ContactScreen)
    return [held]


@pytest.mark.parametrize("choice", ["#apply", "#check-progress"])
async def test_the_first_step_is_built_behind_the_welcome_and_a_tap_shows_it(
    kiosk: Kiosk, registry: LiveRegistry, choice: str
) -> None:
    """While the Welcome waits, the contact step is composed behind it (not shown); either
    choice shows that very screen, empty, its address field focused."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.welcome()
        await wait_for(pilot, lambda: len(built_ahead(pilot.app)) == 1, "the first step built")
        (ready,) = built_ahead(pilot.app)
        contact = await (walk.apply() if choice == "#apply" else walk.check_progress())
        assert contact is ready
        assert contact.query_one("#email", Input).value == ""
        assert pilot.app.focused is contact.query_one("#email", Input)
        assert str(contact.query_one("#get-code", Button).label) == "取得驗證碼"


async def test_the_next_parent_gets_a_new_first_step_with_nothing_of_the_last(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """A parent types an address and goes back to the Welcome: the screen they typed on goes,
    a new one is built for the next parent, and it shows an empty field."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        first = await walk.apply()
        await walk.click("#channel-sms")
        await walk.type("#phone", "0955 111 222")
        await walk.click("#back")
        await walk.welcome()
        await wait_for(pilot, lambda: len(built_ahead(pilot.app)) == 1, "the next first step")
        assert not first.is_attached
        (ready,) = built_ahead(pilot.app)
        assert ready is not first
        contact = await walk.apply()
        assert contact is ready
        assert contact.channel is Channel.EMAIL
        assert contact.query_one("#phone", Input).value == ""
        assert contact.query_one("#email", Input).value == ""


async def test_a_parent_who_chose_english_on_the_welcome_gets_the_first_step_in_english(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """The step built in Chinese is not shown to a parent who switched to English on the
    Welcome: theirs is built in English. The Chinese one waits, untouched, for the next parent
    (who starts in Chinese)."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.welcome()
        await wait_for(pilot, lambda: len(built_ahead(pilot.app)) == 1, "the first step built")
        (chinese,) = built_ahead(pilot.app)
        await walk.click("#language")
        english = await walk.apply()
        assert english is not chinese
        assert str(english.query_one("#get-code", Button).label) == "Get verification code"
        await walk.type("#email", "cooc123@gmail.com")
        assert built_ahead(pilot.app) == [chinese]

        await walk.click("#back")
        contact = await walk.apply()
        assert contact is chinese
        assert str(contact.query_one("#get-code", Button).label) == "取得驗證碼"
        assert contact.query_one("#email", Input).value == ""
        assert not english.is_attached


async def test_the_step_drawn_ahead_looks_as_one_built_at_the_tap(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """The step laid out and drawn behind the Welcome shows exactly what a step built at the
    tap shows — and so it does when the terminal was resized while it waited."""
    app = kiosk.app
    assert isinstance(app, KioskApp)
    async with app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.welcome()
        await wait_for(pilot, lambda: app.settled, "the first step drawn behind the Welcome")
        drawn = await walk.apply()
        await pilot.pause()
        shown_drawn = app.export_screenshot()

        await walk.click("#back")
        await walk.welcome()
        await wait_for(pilot, lambda: app.settled, "the next first step drawn")
        assert app.ahead is not None
        app.ahead.discard()  # none waiting: the tap builds the step then
        built = await walk.apply()
        assert built is not drawn
        await pilot.pause()
        assert app.export_screenshot() == shown_drawn

        await walk.click("#back")
        await walk.welcome()
        await wait_for(pilot, lambda: app.settled, "the next first step drawn")
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        resized = await walk.apply()
        await pilot.pause()
        shown_resized = app.export_screenshot()
        assert resized.size == (90, 30)
        await walk.click("#back")
        await walk.welcome()
        await wait_for(pilot, lambda: app.settled, "the next first step drawn")
        app.ahead.discard()
        await walk.apply()
        await pilot.pause()
        assert app.export_screenshot() == shown_resized
