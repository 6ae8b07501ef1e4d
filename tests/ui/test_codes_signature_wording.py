"""Small things a parent trips over: a code shown or focused after it died, a signature lost on
返回修改, and words wrapped where they must not break.

A real registry (uvicorn on 127.0.0.1, demo data) serves this module; the demo banner reads its
file outbox, as the demo kiosk does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.demo import DemoOutbox
from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.masking import mask_contact
from kiosk.domain.outbox_line import OutboxLine
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from screens.base import Chrome, DemoBanner
from screens.code import VALIDITY, CodeScreen
from screens.consent import ConsentScreen
from screens.parent import ParentScreen
from screens.review import ReviewScreen
from screens.student import StudentForm
from screens.student_confirm import StudentConfirmScreen
from screens.welcome import WelcomeScreen
from screens.widgets.signature_pad import SignaturePad
from tests.e2e.live import Kiosk, LiveRegistry, running_registry, wait_for, wait_for_screen
from tests.e2e.scenes import CHEN, chrome, host, live_client
from tests.e2e.walk import Walk
from tests.ui.test_language import screen_lines


@pytest.fixture(scope="module")
def registry(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def feed_of(registry: LiveRegistry, contact: Contact) -> DemoOutbox:
    """The demo banner's feed: the registry's file outbox, following ``contact``."""
    feed = DemoOutbox(registry.data_dir / "outbox.jsonl")
    feed.follow(contact)
    return feed


def banner(pilot: Pilot[Any]) -> str:
    """What the demo banner says now."""
    shown = pilot.app.screen.query_one(DemoBanner)
    shown.refresh_code()
    return str(shown.render())


async def code_screen(pilot: Pilot[Any], registry: LiveRegistry, feed: DemoOutbox) -> CodeScreen:
    """The code step in demo mode for the address ``feed`` follows, its code sent by the
    registry (over the Welcome screen, whose banner reads the same feed)."""
    client = live_client(registry)
    contact = feed.following
    assert contact is not None
    challenge = await client.request_code(contact.channel, contact.address)
    screen = CodeScreen(chrome(feed), client=client, contact=contact, challenge=challenge)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


async def test_a_dead_code_leaves_the_banner_and_an_enter_sends_nothing(
    registry: LiveRegistry,
) -> None:
    """Five wrong codes kill it: the banner no longer shows it (but says where the next will
    be); nothing keeps the focus, so an Enter still pressed neither sends a new code (an SMS is
    one of two an hour) nor replaces what the error says; 重新取得驗證碼 is there to choose."""
    address = "dead.banner@example.com"
    feed = feed_of(registry, Contact(Channel.EMAIL, address))
    async with host(WelcomeScreen(chrome(feed))).run_test(size=(100, 32)) as pilot:
        screen = await code_screen(pilot, registry, feed)
        right = registry.code_for(Channel.EMAIL, address)
        assert right in banner(pilot)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        line = screen.query_one("#code-error", Static)
        for attempt in range(5):
            await pilot.press(*wrong, "enter")
            await wait_for(pilot, lambda: line.has_class("-shown"), f"refusal {attempt + 1}")
        said = str(line.render())
        assert "已失效" in said
        assert screen.focused is None
        assert right not in banner(pilot)
        assert "驗證碼會顯示在此" in banner(pilot)
        sent = len(registry.codes_sent(Channel.EMAIL, address))
        await pilot.press("enter", "enter")
        await pilot.pause(0.3)
        assert len(registry.codes_sent(Channel.EMAIL, address)) == sent
        assert str(line.render()) == said
        await pilot.click("#resend")
        await wait_for(
            pilot, lambda: len(registry.codes_sent(Channel.EMAIL, address)) > sent, "a new code"
        )
        await wait_for(
            pilot,
            lambda: registry.code_for(Channel.EMAIL, address) in banner(pilot),
            "the new code in the banner",
        )


async def test_a_used_code_leaves_the_banner(registry: LiveRegistry) -> None:
    """Once the code verified the parent, the banner shows it no more (the next steps' banner
    reads the same feed)."""
    address = "used.banner@example.com"
    feed = feed_of(registry, Contact(Channel.EMAIL, address))
    async with host(WelcomeScreen(chrome(feed))).run_test(size=(100, 32)) as pilot:
        screen = await code_screen(pilot, registry, feed)
        right = registry.code_for(Channel.EMAIL, address)
        assert feed.latest_code() is not None
        await pilot.press(*right, "enter")
        await wait_for(pilot, lambda: not screen.is_attached, "the code accepted")
        assert feed.latest_code() is None
        assert right not in banner(pilot)


def test_a_code_leaves_the_banner_after_its_hour(tmp_path: Path) -> None:
    """The feed shows a code for the hour it lives, not after (SPEC: valid 1 hour)."""
    contact = Contact(Channel.EMAIL, "hour.banner@example.com")
    sent_at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    line = OutboxLine(
        "1", sent_at, Channel.EMAIL, contact.address, "", "", {"kind": "code", "code": "135790"}
    )
    outbox = tmp_path / "outbox.jsonl"
    outbox.write_text(line.to_json() + "\n", encoding="utf-8")
    now = [sent_at + timedelta(minutes=59)]
    feed = DemoOutbox(outbox, now=lambda: now[0])
    feed.follow(contact)
    assert feed.latest_code() == (mask_contact(contact), "135790")
    now[0] = sent_at + timedelta(hours=1)
    assert feed.latest_code() is None


async def test_back_to_edit_keeps_the_signature(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """返回修改 after signing, and 下一步 with nothing changed: the same signature is on the pad.
    Changing the details under it (the phone) starts the pad empty: it signed other details."""
    student = registry.students(Level.JUNIOR_HIGH)[2]
    parent_id = make_id(IdKind.CITIZEN, random.Random(1401)).value
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "keep.signature@example.com")
        await walk.add_students(student)
        await walk.consent()
        await walk.new_parent(parent_id, "周美玲", "keep.signature@example.com", "0912000111")
        await walk.sign_by_hand()
        review = pilot.app.screen
        assert isinstance(review, ReviewScreen)
        drawn = review.query_one("#signature", SignaturePad).strokes
        assert drawn
        await walk.click("#back")
        await wait_for_screen(pilot, ParentScreen)
        await walk.click("#next")
        again = await wait_for_screen(pilot, ReviewScreen)
        assert again.query_one("#signature", SignaturePad).strokes == drawn

        await walk.click("#back")
        await wait_for_screen(pilot, ParentScreen)
        await walk.type("#phone", "0912000222")
        await walk.click("#next")
        changed = await wait_for_screen(pilot, ReviewScreen)
        assert changed.query_one("#signature", SignaturePad).is_empty


@pytest.mark.parametrize("size", [(100, 32), (80, 24)], ids=["100x32", "80x24"])
async def test_the_confirm_hint_keeps_add_another_student_on_one_line(
    registry: LiveRegistry, size: tuple[int, int]
) -> None:
    """「新增綁定學生」 is the name of a button: the hint under the student found never breaks it
    across lines."""
    form = StudentForm(relationship=RelationshipChoice(Relationship.FATHER), found=CHEN)
    screen = StudentConfirmScreen(chrome(), form=form)
    async with host(screen).run_test(size=size) as pilot:
        await pilot.pause()
        hint = next(
            widget
            for widget in screen.query(".hint").results(Static)
            if "新增綁定學生" in str(widget.render())
        )
        hint.scroll_visible(animate=False)
        await pilot.pause()
        lines = screen_lines(pilot)
        assert any("「新增綁定學生」" in line for line in lines), lines


@pytest.mark.parametrize("width", [76, 77, 78, 79, 80, 100])
@pytest.mark.parametrize("language", ["zh_TW", "en"])
async def test_the_consent_address_is_never_broken(language: str, width: int) -> None:
    """Around 80 columns (where it broke inside 「tp.ed｜u.tw」, the width depending on the
    scrollbar) and at 100, the statement's address https://cooc.tp.edu.tw/ stays on one line."""
    statement = load_statement(language)
    screen = ConsentScreen(Chrome(Translator(language)), statement=statement)
    seen: list[str] = []
    async with host(screen).run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        for _ in range(8):
            seen += screen_lines(pilot)
            await pilot.press("down", "down")
    assert any("https://cooc.tp.edu.tw/" in line for line in seen)
    assert not any("cooc.tp" in line and "cooc.tp.edu.tw/" not in line for line in seen)


def test_the_code_wording_reads_as_the_tutorial_means_it() -> None:
    """「使用進入後，此驗證碼失效」 read awkwardly: a code works once, 「使用後即失效」."""
    assert Translator("zh_TW").gettext(VALIDITY) == "驗證碼時效為1小時，使用後即失效。"
