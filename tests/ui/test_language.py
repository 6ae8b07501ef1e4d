"""中文/English: every parent screen in English, and a switch that keeps what was entered.

A real registry (uvicorn on 127.0.0.1, demo data) serves this module; each test has a kiosk of
its own built by the app factory (its language zh_TW, as a kiosk is set up).

What a screen shows is read from its picture (the SVG Textual exports: exactly the characters
on screen), so a word that skipped the catalogs shows up whatever widget drew it.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Static

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from screens.base import WizardScreen
from screens.code import CodeScreen
from screens.consent import ConsentScreen
from screens.contact import ContactScreen
from screens.parent import ParentScreen
from screens.progress_qr import QrScreen
from screens.review import ReviewScreen
from screens.student_relationship import RelationshipScreen
from screens.welcome import WelcomeScreen
from screens.widgets.code_input import CodeInput
from screens.widgets.qr_code import QrCode
from screens.widgets.signature_pad import SignaturePad
from store import central
from tests.e2e.live import Kiosk, LiveRegistry, running_registry, wait_for, wait_for_screen
from tests.e2e.scenes import chrome, host, silent_registry
from tests.e2e.walk import Walk
from tests.unit.test_catalogs import CJK

#: The row of text in the exported picture: ``<text ... x=".." y="..">words</text>``.
_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>')
#: Words that stay Chinese in English: the switch back names its language in its own words.
ALWAYS_CHINESE = ("中文",)


@pytest.fixture(scope="module")
def registry(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def screen_lines(pilot: Pilot[Any]) -> list[str]:
    """The lines of text on the terminal now, as a parent sees them."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in _TEXT.finditer(pilot.app.export_screenshot()):
        x, y, words = match.groups()
        rows.setdefault(float(y), []).append((float(x), html.unescape(words)))
    return [
        "".join(words for _, words in sorted(row)).replace("\xa0", " ")
        for _, row in sorted(rows.items())
    ]


def proper_nouns(registry: LiveRegistry) -> list[str]:
    """Names that are Chinese in every language: the roster's schools, classes and students."""
    with registry.sessions() as session:
        names = {
            *session.scalars(select(central.School.name)),
            *session.scalars(select(central.SchoolClass.name)),
            *session.scalars(select(central.Student.name)),
        }
    return sorted({*names, *ALWAYS_CHINESE}, key=len, reverse=True)


def chinese_left(pilot: Pilot[Any], nouns: list[str]) -> list[str]:
    """The lines on screen with Chinese in them, proper nouns aside."""
    left = []
    for line in screen_lines(pilot):
        rest = line
        for noun in nouns:
            rest = rest.replace(noun, "")
        if CJK.search(rest):
            left.append(line.strip())
    return left


async def all_english(pilot: Pilot[Any], nouns: list[str]) -> list[str]:
    """The Chinese left on the screen shown now and on its F1 help."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen)
    name = type(screen).__name__
    left = [f"{name}: {line}" for line in chinese_left(pilot, nouns)]
    await pilot.press("f1")
    await wait_for(pilot, lambda: pilot.app.screen is not screen, "the help")
    await pilot.pause()
    left += [f"{name} help: {line}" for line in chinese_left(pilot, nouns)]
    await pilot.press("escape")
    await wait_for(pilot, lambda: pilot.app.screen is screen, "the help closed")
    return left


def parent_id(seed: int) -> str:
    """A valid citizen ID no demo parent has."""
    return make_id(IdKind.CITIZEN, random.Random(seed)).value


async def test_every_parent_screen_speaks_english_once_chosen(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """F2 on the Welcome screen, then the whole way to the progress page: no Chinese on any
    screen nor on its help, but the roster's names (school, class, student) and the 中文 that
    switches back."""
    nouns = proper_nouns(registry)
    student = registry.students(Level.SENIOR_HIGH)[3]
    left: list[str] = []
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.welcome()
        await pilot.press("f2")
        left += await all_english(pilot, nouns)
        await walk.click("#apply")
        await wait_for_screen(pilot, ContactScreen)
        left += await all_english(pilot, nouns)
        await walk.get_code(Channel.EMAIL, "english@example.com")
        left += await all_english(pilot, nouns)
        await walk.enter_code(registry.code_for(Channel.EMAIL, "english@example.com"))
        await wait_for_screen(pilot, RelationshipScreen)
        left += await all_english(pilot, nouns)
        await walk.student(student)
        left += await all_english(pilot, nouns)
        await walk.click("#next")
        await wait_for_screen(pilot, ConsentScreen)
        left += await all_english(pilot, nouns)
        await walk.consent()
        left += await all_english(pilot, nouns)
        await walk.new_parent(parent_id(141), "Mary Chang", "english@example.com", "0912345678")
        left += await all_english(pilot, nouns)
        await walk.sign_by_hand()
        progress = await walk.submitted()
        await wait_for(pilot, lambda: bool(progress.rows), "the progress rows")
        left += await all_english(pilot, nouns)
        # The QR code's link opens the status page in English too.
        await wait_for(pilot, lambda: walk.shown("#qr-row"), "the status link")
        await walk.click("#show-qr")
        qr = await wait_for_screen(pilot, QrScreen)
        assert urlsplit(qr.query_one("#qr", QrCode).url).path.startswith("/e/")
        left += [f"QrScreen: {line}" for line in chinese_left(pilot, nouns)]
    assert left == []


async def test_chinese_is_where_a_kiosk_starts_and_where_the_next_parent_starts(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """A parent who chose English and left (返回 to Welcome ends the session) leaves the kiosk
    in Chinese for the next one; the footer's switch names the other language."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.welcome()
        assert "English" in str(walk.screen.query_one("#language", Button).label)
        await walk.click("#language")
        await pilot.pause()
        assert "中文" in str(walk.screen.query_one("#language", Button).label)
        assert (
            str(walk.screen.query_one("#check-progress", Button).label)
            == "Check application progress"
        )
        await walk.click("#apply")
        await wait_for_screen(pilot, ContactScreen)
        assert "Get verification code" in str(walk.screen.query_one("#get-code", Button).label)
        await walk.click("#back")
        welcome = await wait_for_screen(pilot, WelcomeScreen)
        assert str(welcome.query_one("#check-progress", Button).label) == "查詢申請進度"


async def test_switching_keeps_everything_entered_and_changes_the_words(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """On each step, what was typed, chosen, ticked and signed stays as it was across 中文 →
    English → 中文, and the words change at once: the address and the channel; the digits in
    the boxes; the box ticked and the statement itself; the ID verified and the details typed;
    the signature drawn."""
    student = registry.students(Level.SENIOR_HIGH)[4]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        contact = walk.screen
        assert isinstance(contact, ContactScreen)
        await walk.click("#channel-sms")
        await walk.type("#phone", "0955 123 456")
        await pilot.press("f2")
        await pilot.pause()
        assert contact.channel is Channel.SMS
        assert contact.query_one("#phone", Input).value == "0955 123 456"
        assert contact.query_one("#phone", Input).has_focus
        assert "Get verification code" in str(contact.query_one("#get-code", Button).label)
        await walk.click("#get-code")

        code = await wait_for_screen(pilot, CodeScreen)
        sent_to = str(code.query_one("#sent-to", Static).render())
        assert sent_to.startswith("The verification code was sent to")
        await walk.click("#code")
        await pilot.press("5", "4", "9")
        await pilot.press("f2")
        await pilot.pause()
        assert code.query_one("#code", CodeInput).value == "549"
        assert str(code.query_one("#sent-to", Static).render()).startswith("驗證碼已寄至")
        assert str(code.query_one("#confirm", Button).label) == "確認"
        await pilot.press("f2")
        await pilot.pause()
        await walk.enter_code(registry.code_for(Channel.SMS, "0955123456"))

        await walk.student(student)
        await walk.click("#next")
        consent = await wait_for_screen(pilot, ConsentScreen)
        assert "notice on the collection" in "\n".join(screen_lines(pilot))
        await walk.click("#agree")
        await walk.click("#language")
        await pilot.pause()
        assert consent.query_one("#agree", Checkbox).value is True
        assert str(consent.query_one("#agree", Checkbox).label) == "本人已詳閱並同意以上條款聲明"
        assert "個人資料蒐集" in "\n".join(screen_lines(pilot))
        await walk.click("#language")
        await pilot.pause()
        assert consent.query_one("#agree", Checkbox).value is True
        assert "notice on the collection" in "\n".join(screen_lines(pilot))
        await walk.click("#next")

        parent = await wait_for_screen(pilot, ParentScreen)
        await walk.parent_id(parent_id(142))
        await walk.type("#name", "Mary Chang")
        await walk.type("#email", "mary@example.com")
        await pilot.press("f2")
        await pilot.pause()
        assert parent.query_one("#name", Input).value == "Mary Chang"
        assert parent.query_one("#email", Input).value == "mary@example.com"
        assert parent.query_one("#id-verified").display
        assert "家長姓名" in "\n".join(screen_lines(pilot))
        await pilot.press("f2")
        await pilot.pause()
        await walk.type("#phone", "0912345678")
        await walk.click("#next")

        review = await wait_for_screen(pilot, ReviewScreen)
        await walk.sign_by_hand()
        drawn = review.query_one("#signature", SignaturePad).strokes
        assert drawn
        await pilot.press("f2")
        await wait_for(
            pilot,
            lambda: str(review.query_one("#submit", Button).label) == "送出資料",
            "the review page in Chinese",
        )
        await pilot.pause()
        assert review.query_one("#signature", SignaturePad).strokes == drawn
        assert "Mary Chang" in "\n".join(screen_lines(pilot))

        progress = await walk.submitted()
        await wait_for(pilot, lambda: bool(progress.rows), "the progress rows")
        await pilot.pause()
        assert "申請" in "\n".join(screen_lines(pilot))
        await pilot.press("f2")
        await pilot.pause()
        shown = "\n".join(screen_lines(pilot))
        assert "Under review" in shown
        schools = [str(cell.render()) for cell in progress.query(".cell-school").results(Static)]
        assert f"{student.school_name} {student.class_name}" in schools
        assert "1. Send the application online" in shown


async def test_a_busy_button_keeps_its_spinner_and_takes_the_new_words(
    registry: LiveRegistry,
) -> None:
    """Switching while 取得驗證碼 waits for the registry: the spinner goes on, in English."""
    with silent_registry(registry) as client:
        screen = ContactScreen(chrome(), client=client, typed="busy@example.com")
        async with host(screen).run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            await pilot.click("#get-code")
            button = screen.query_one("#get-code", Button)
            await wait_for(pilot, lambda: screen.is_busy, "the call in flight")
            assert str(button.label).endswith("取得驗證碼")
            await pilot.press("f2")
            await pilot.pause(0.3)
            assert screen.is_busy
            assert str(button.label).endswith(" Get verification code")
            assert str(button.label) != "Get verification code"  # the spinner is still there
