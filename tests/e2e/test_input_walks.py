"""The whole flow by keyboard alone and by mouse (touch) alone, at 80×24, in zh-TW and in English.

Keyboard: Tab, Enter, the arrows and typing; each screen has the focus where the next answer
goes, the focus is visible, and Enter never deletes: on a confirm dialog it keeps. Mouse: every
action a click at a widget's region, text arriving as a paste (an on-screen keyboard's way), no
key pressed; every button at least three rows tall, so a finger hits it.

The English kiosk is built in English (``Translator("en")``); the walk through the footer's
中文/English switch comes with the language half of the issue.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.settings import ConfigError, KioskSettings
from screens.code import CodeScreen
from screens.confirm import ConfirmScreen
from screens.consent import ConsentScreen
from screens.contact import ContactScreen
from screens.parent import ParentScreen
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from screens.student_confirm import StudentConfirmScreen
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.student_school import SchoolScreen
from screens.theme import HIGH_CONTRAST
from screens.welcome import WelcomeScreen
from tests.e2e.live import Kiosk, LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.e2e.walk import Walk

SIZE = (80, 24)


def focused(pilot: Pilot[Any]) -> Widget | None:
    """What has the focus now."""
    return pilot.app.screen.focused


async def focus_on(pilot: Pilot[Any], widget_id: str) -> None:
    """Waits until the widget ``widget_id`` has the focus."""
    await wait_for(
        pilot,
        lambda: (widget := focused(pilot)) is not None and widget.id == widget_id,
        f"the focus on #{widget_id}",
    )


async def tab_to(pilot: Pilot[Any], widget_id: str, most: int = 12) -> int:
    """Presses Tab until ``widget_id`` has the focus; how many presses it took."""
    for count in range(most):
        widget = focused(pilot)
        if widget is not None and widget.id == widget_id:
            return count
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


def visible_focus(pilot: Pilot[Any]) -> bool:
    """Whether the focused widget is on screen (inside the screen's region)."""
    widget = focused(pilot)
    return widget is not None and pilot.app.screen.region.overlaps(widget.region)


@pytest.fixture(params=["zh_TW", "en"])
def language(request: pytest.FixtureRequest) -> str:
    """Each language the kiosk speaks."""
    tongue: str = request.param
    return tongue


@pytest.fixture
def speaking(registry: LiveRegistry, tmp_path: Path, language: str) -> Iterator[Kiosk]:
    """A kiosk of the test's own, in ``language``."""
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, language=language
    ) as made:
        yield made


async def test_the_whole_flow_by_keyboard_alone(
    speaking: Kiosk, registry: LiveRegistry, language: str
) -> None:
    """Welcome → contact → code → the four student screens → consent → parent → review →
    progress with keys only; then a cancel's confirm dialog answers Enter with "keep"."""
    kiosk = speaking
    address = f"keys.only.{language}@example.com"
    parent_id = make_id(IdKind.CITIZEN, random.Random(f"1414{language}")).value
    # The tutorial's pupil in one language, another 高中 pupil of 日曜 in the other.
    pupil = "A123456789" if language == "zh_TW" else _another_at_nichiyo(registry)
    async with kiosk.app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await focus_on(pilot, "apply")
        await pilot.press("enter")

        await wait_for_screen(pilot, ContactScreen)
        await focus_on(pilot, "email")
        await pilot.press(*address, "enter")
        await wait_for_screen(pilot, CodeScreen)
        await focus_on(pilot, "code")
        await pilot.press(*registry.code_for(Channel.EMAIL, address))
        # Six digits: the focus goes on to 確認.
        await focus_on(pilot, "confirm")
        await pilot.press("enter")

        await wait_for_screen(pilot, RelationshipScreen)
        assert visible_focus(pilot)
        await pilot.press("enter")  # 父親, the first of the role chosen
        await focus_on(pilot, "next")
        await pilot.press("enter")
        await wait_for_screen(pilot, StudentIdScreen)
        await focus_on(pilot, "level")
        await pilot.press("right", "right", "enter", "tab", *pupil, "enter")
        await wait_for_screen(pilot, SchoolScreen)
        await focus_on(pilot, "school-search")
        await pilot.press(*"日曜", "enter")  # the one school left is chosen, the pupil found
        await wait_for_screen(pilot, StudentConfirmScreen)
        await focus_on(pilot, "next")
        await pilot.press("enter")

        await wait_for_screen(pilot, ConsentScreen)
        await focus_on(pilot, "statement")
        await pilot.press("pagedown")  # the statement scrolls with the keys
        assert await tab_to(pilot, "agree") == 1
        assert str(pilot.app.screen.query_one("#agree").render()).startswith(">[ ]")
        await pilot.press("enter")
        await focus_on(pilot, "next")
        await pilot.press("enter")

        await wait_for_screen(pilot, ParentScreen)
        await focus_on(pilot, "parent-id")
        await pilot.press(*parent_id, "enter")
        await focus_on(pilot, "name")
        await pilot.press(*"鍵盤", "enter", *f"kb.parent.{language}@example.com", "enter")
        await pilot.press(*"0912345678", "enter")

        await wait_for_screen(pilot, ReviewScreen)
        await tab_to(pilot, "signature-name")
        assert visible_focus(pilot)
        await pilot.press(*"鍵盤", "enter")

        progress = await wait_for_screen(pilot, ProgressScreen)
        await focus_on(pilot, "log-out")
        # A cancel, then Enter at once: the confirm dialog keeps the application.
        progress.query_one("Button.cell-cancel", Button).focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, ConfirmScreen)
        await focus_on(pilot, "confirm-keep")
        await pilot.press("enter")
        back = await wait_for_screen(pilot, ProgressScreen)
        assert len(back.rows) == 1
        assert back.rows[0].school == "臺北市私立日曜學校"


def _another_at_nichiyo(registry: LiveRegistry) -> str:
    """A 高中 pupil of 臺北市私立日曜學校 other than the tutorial's, free to apply for."""
    return next(
        s.id_number
        for s in registry.students(Level.SENIOR_HIGH)
        if s.school_code == "353301" and s.id_number != "A123456789"
    )


#: The footer's 中文/English switch is one row, as the footer is on every screen (F2 does the
#: same); every other action is a button a finger can hit. Left open in the issue's note.
FOOTER_SWITCH: Final = "#language"


def large_enough(pilot: Pilot[Any]) -> list[str]:
    """The buttons shown on this screen that are smaller than a finger (under 3 rows)."""
    screen = pilot.app.screen
    return [
        f"#{button.id}"
        for button in screen.query(Button)
        if button.display
        and button.region.height
        and button.region.height < 3
        and f"#{button.id}" != FOOTER_SWITCH
    ]


async def test_the_whole_flow_by_mouse_alone(
    speaking: Kiosk, registry: LiveRegistry, language: str
) -> None:
    """The same flow with clicks at the widgets' regions and pasted text, no key pressed; every
    button a finger can hit (three rows at least)."""
    kiosk = speaking
    address = f"mouse.only.{language}@example.com"
    parent_id = make_id(IdKind.CITIZEN, random.Random(f"1415{language}")).value
    async with kiosk.app.run_test(size=SIZE) as pilot:
        pressed: list[str] = []
        real_press = pilot.press

        async def no_keys(*keys: str) -> None:
            pressed.extend(keys)
            await real_press(*keys)

        pilot.press = no_keys  # type: ignore[method-assign]
        walk = Walk(pilot, registry)
        await walk.apply()
        assert large_enough(pilot) == []
        await walk.request_code(Channel.EMAIL, address)
        await wait_for_screen(pilot, CodeScreen)
        assert large_enough(pilot) == []
        await walk.paste_code(registry.code_for(Channel.EMAIL, address))
        await walk.click("#confirm")
        await wait_for_screen(pilot, RelationshipScreen)
        assert large_enough(pilot) == []
        student = registry.students(Level.ELEMENTARY)[7 if language == "zh_TW" else 8]
        await walk.student(student)
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert large_enough(pilot) == []
        assert walk.text("#found-name") == student.name
        await walk.click("#next")
        await walk.consent()
        assert large_enough(pilot) == []
        email = f"m.parent.{language}@example.com"
        review = await walk.new_parent(parent_id, "滑鼠", email, "0912345679")
        assert isinstance(review, ReviewScreen)
        await walk.sign_by_hand()
        progress = await walk.submitted()
        assert [row.student for row in progress.rows] == [student.name]
        await walk.click("#log-out")
        await wait_for_screen(pilot, WelcomeScreen)
        assert pressed == []


async def test_the_display_setting_chooses_the_high_contrast_theme(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    """``[display] theme = "high-contrast"``: the kiosk starts in it (white on black); a theme
    the kiosk does not have is refused when the settings are read."""
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, theme=HIGH_CONTRAST
    ) as kiosk:
        async with kiosk.app.run_test(size=SIZE) as pilot:
            welcome = await wait_for_screen(pilot, WelcomeScreen)
            assert kiosk.app.theme == HIGH_CONTRAST
            assert welcome.styles.background.hex == "#000000"
    refused = r"display\.theme: .*neon.*one of: textual-dark, high-contrast"
    with pytest.raises(ConfigError, match=refused):
        KioskSettings.load(None, display={"theme": "neon"})
