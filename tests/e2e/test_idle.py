"""Protecting the next parent: a kiosk left alone asks 「仍在使用嗎？」, then forgets the parent.

The kiosk talks to a registry running for real; the idle watch runs on a clock the test moves
(:class:`MovableClock`), and is asked by the test (``app.check_idleness()``) as the app's timer
would ask it once a second: nothing here sleeps for the idle time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.domain.wire import SubmissionIn, SubmissionOut
from screens.contact import ContactScreen
from screens.idle import StillThereScreen
from screens.parent import ParentScreen
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from screens.welcome import WelcomeScreen
from tests.e2e.live import Kiosk, LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.e2e.walk import Walk

#: The kiosk's idle time (the settings' default).
IDLE = 120.0


class MovableClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Lets ``seconds`` pass."""
        self.now += seconds


class GatedClient(RegistryClient):
    """The registry's own client, whose submissions wait until the test opens the gate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()
        self.waiting = False

    async def submit(self, submission: SubmissionIn) -> SubmissionOut:
        """Waits at the gate, then submits."""
        self.waiting = True
        await self.gate.wait()
        return await super().submit(submission)


@pytest.fixture
def clock() -> MovableClock:
    """The idle watch's clock."""
    return MovableClock()


@pytest.fixture
def idle_kiosk(registry: LiveRegistry, tmp_path: Path, clock: MovableClock) -> Iterator[Kiosk]:
    """A kiosk whose idle watch runs on ``clock``."""
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, monotonic=clock
    ) as made:
        yield made


async def tick(pilot: Pilot[Any], clock: MovableClock, seconds: float) -> None:
    """Lets ``seconds`` pass without input, and the app's timer ask the watch."""
    clock.advance(seconds)
    app: Any = pilot.app
    app.check_idleness()
    await pilot.pause()


def on_screen(pilot: Pilot[Any]) -> str:
    """Everything every screen of the app shows or holds: static text and field values."""
    parts: list[str] = []
    for screen in pilot.app.screen_stack:
        parts.extend(field.value for field in screen.query(Input))
        parts.extend(str(line.render()) for line in screen.query(Static))
    return "\n".join(parts)


async def test_the_countdown_appears_and_counts_down(
    idle_kiosk: Kiosk, registry: LiveRegistry, clock: MovableClock
) -> None:
    """Nothing after 119 s; at 120 s 「仍在使用嗎？」 with 20 s left, counting down."""
    async with idle_kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await tick(pilot, clock, IDLE - 1)
        assert isinstance(pilot.app.screen, ContactScreen)

        await tick(pilot, clock, 1)
        asking = await wait_for_screen(pilot, StillThereScreen)
        assert walk.text("#idle-question") == "仍在使用嗎？"
        assert "20秒後將清除" in walk.text("#idle-countdown")

        await tick(pilot, clock, 7)
        assert asking.seconds_left == 13
        assert "13秒後將清除" in walk.text("#idle-countdown")


async def test_a_key_during_the_countdown_keeps_the_session(
    idle_kiosk: Kiosk, registry: LiveRegistry, clock: MovableClock
) -> None:
    """A key during the countdown: the step comes back as it was, with what was typed, and the
    idle time starts again (the countdown needs another full 120 s)."""
    async with idle_kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.type("#email", "still.here@example.com")
        await tick(pilot, clock, IDLE + 5)
        await wait_for_screen(pilot, StillThereScreen)

        await pilot.press("space")
        contact = await wait_for_screen(pilot, ContactScreen)
        assert contact.query_one("#email", Input).value == "still.here@example.com"

        await tick(pilot, clock, IDLE - 1)
        assert pilot.app.screen is contact
        await tick(pilot, clock, 30)  # past the whole countdown: no key, so it is wiped now
        await wait_for_screen(pilot, WelcomeScreen)


async def test_the_button_keeps_the_session(
    idle_kiosk: Kiosk, registry: LiveRegistry, clock: MovableClock
) -> None:
    """「繼續使用」, tapped, keeps the session too."""
    async with idle_kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        contact = await walk.apply()
        await tick(pilot, clock, IDLE + 19)
        await wait_for_screen(pilot, StillThereScreen)
        await walk.click("#idle-go-on")
        await wait_for(pilot, lambda: pilot.app.screen is contact, "the contact step again")
        assert idle_kiosk.app.sessions_wiped == 0


async def test_silence_wipes_the_session_and_leaves_nothing_of_the_parent(
    idle_kiosk: Kiosk,
    registry: LiveRegistry,
    clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A parent walks away on the parent step: after the countdown Welcome returns, and no
    screen, no field, no draft and no log line holds their email, ID, name or child."""
    caplog.set_level(logging.DEBUG)
    student = registry.students(Level.JUNIOR_HIGH)[0]
    parent_id = make_id(IdKind.CITIZEN, random.Random(31)).value
    email = "walked.away@example.com"
    async with idle_kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, email)
        await walk.add_students(student)
        await walk.consent()
        await walk.parent_id(parent_id)
        await walk.type("#name", "離開的家長")
        parent = await wait_for_screen(pilot, ParentScreen)
        wizard: Any = idle_kiosk.app.wizard
        draft = wizard._application.draft
        assert draft.students
        assert draft.contact is not None
        secrets = [email, parent_id, "離開的家長", student.name, student.id_number]
        assert any(secret in on_screen(pilot) for secret in secrets)

        await tick(pilot, clock, IDLE)
        await wait_for_screen(pilot, StillThereScreen)
        await tick(pilot, clock, 20)
        welcome = await wait_for_screen(pilot, WelcomeScreen)

        await wait_for(pilot, lambda: draft.contact is None, "the draft to be wiped")
        assert draft.students == []
        assert draft.parent is None
        assert draft.challenge_id is None
        assert idle_kiosk.app.wizard is not wizard
        assert idle_kiosk.app.sessions_wiped == 1
        assert [type(screen).__name__ for screen in pilot.app.screen_stack][1:] == ["WelcomeScreen"]
        assert not parent.is_attached
        assert welcome.is_attached
        shown = on_screen(pilot)
        assert not [secret for secret in secrets if secret in shown]
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert not [secret for secret in secrets if secret in logged]
        assert "session was wiped" in logged

        # The next parent starts from nothing.
        contact = await walk.apply()
        assert contact.query_one("#email", Input).value == ""


async def test_nothing_is_asked_on_the_welcome_screen(
    idle_kiosk: Kiosk, registry: LiveRegistry, clock: MovableClock
) -> None:
    """Welcome holds nobody's data: it stays, however long the kiosk waits."""
    async with idle_kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        welcome = await walk.welcome()
        await tick(pilot, clock, IDLE * 10)
        assert pilot.app.screen is welcome
        assert idle_kiosk.app.sessions_wiped == 0


async def test_a_busy_submit_is_not_cut_off(
    registry: LiveRegistry, tmp_path: Path, clock: MovableClock
) -> None:
    """送出資料 is still on its way to the registry when the idle time is up, many times over:
    no countdown, no wipe; once it lands the parent sees the progress page, and the application
    is at the registry once."""
    client = GatedClient(registry.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0)
    student = registry.students(Level.ELEMENTARY)[-1]
    parent_id = make_id(IdKind.CITIZEN, random.Random(32)).value
    with kiosk_app(
        tmp_path / "kiosk",
        registry.url,
        registry.kiosk_id,
        registry.key,
        monotonic=clock,
        client=client,
    ) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.apply()
            await walk.verify(Channel.EMAIL, "busy.submit@example.com")
            await walk.add_students(student)
            await walk.consent()
            await walk.new_parent(parent_id, "忙碌家長", "busy.submit@example.com", "0912000111")
            review = await wait_for_screen(pilot, ReviewScreen)
            await walk.sign_by_hand()
            await walk.submit()
            await wait_for(pilot, lambda: client.waiting, "the submission to reach the gate")

            for _ in range(3):
                await tick(pilot, clock, IDLE + 20)
                assert pilot.app.screen is review
                assert review.is_busy
            assert kiosk.app.sessions_wiped == 0

            client.gate.set()
            await wait_for_screen(pilot, ProgressScreen)
            # The busy time counted as use: the countdown needs a full idle time from here.
            await tick(pilot, clock, IDLE - 1)
            assert isinstance(pilot.app.screen, ProgressScreen)
        assert kiosk.app.sessions_wiped == 0
    assert registry.bindings_of_parent(parent_id) == 1
