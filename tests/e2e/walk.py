"""A parent walking the wizard, one step at a time, with clicks and keys (for pilot tests).

Each method does what a parent does on one screen and waits for what a parent would wait for:
the next screen, or the registry's answer shown in place.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from kiosk.domain.contact import Channel
from kiosk.domain.people import Relationship
from screens.code import CodeScreen
from screens.consent import ConsentScreen
from screens.contact import ContactScreen
from screens.parent import ParentScreen
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from screens.student_confirm import StudentConfirmScreen
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.student_school import SchoolScreen
from screens.welcome import WelcomeScreen
from tests.e2e.live import LiveRegistry, RosterStudent, wait_for, wait_for_screen


class Walk:
    """Drives one kiosk app as a parent would.

    Args:
        pilot: The running app's pilot.
        registry: Where the codes are read from (the file outbox).
        keys: Type text key by key (slow: a pilot key press waits for the app to be idle);
            otherwise text arrives as a paste, the way a terminal delivers pasted text.
    """

    def __init__(self, pilot: Pilot[Any], registry: LiveRegistry, *, keys: bool = False) -> None:
        self.pilot = pilot
        self.registry = registry
        self.keys = keys

    @property
    def screen(self) -> Any:
        """The screen shown now."""
        return self.pilot.app.screen

    def text(self, selector: str) -> str:
        """What a Static on the current screen shows."""
        return str(self.screen.query_one(selector, Static).render())

    def shown(self, selector: str) -> bool:
        """Whether a widget of the current screen is displayed."""
        return bool(self.screen.query_one(selector).display)

    async def click(self, selector: str) -> None:
        """Scrolls a widget into view and clicks it, as a finger would.

        A button still showing its pressed look ignores clicks (Textual's 0.2 s "-active"
        effect), as a real one would: wait for it to come back up first.
        """
        widget = self.screen.query_one(selector)
        await wait_for(self.pilot, lambda: not widget.has_class("-active"), f"{selector} up")
        widget.scroll_visible(animate=False)
        await self.pilot.pause()
        await self.pilot.click(selector)

    async def type(self, selector: str, text: str) -> None:
        """Clicks a field, empties it and types ``text`` key by key."""
        field = self.screen.query_one(selector, Input)
        await self.click(selector)
        field.value = ""
        if self.keys:
            await self.pilot.press(*text)
        else:
            field.post_message(events.Paste(text))
            await self.pilot.pause()

    async def error(self, selector: str) -> str:
        """Waits for the error line ``selector`` to say something; what it says."""
        await wait_for(self.pilot, lambda: bool(self.text(selector)), f"an error in {selector}")
        return self.text(selector)

    # --- steps -------------------------------------------------------------------------------

    async def welcome(self) -> WelcomeScreen:
        """Waits for the kiosk to start and show the Welcome screen."""
        return await wait_for_screen(self.pilot, WelcomeScreen)

    async def apply(self) -> ContactScreen:
        """親子綁定."""
        await self.welcome()
        await self.click("#apply")
        return await wait_for_screen(self.pilot, ContactScreen)

    async def check_progress(self) -> ContactScreen:
        """查詢申請進度."""
        await self.welcome()
        await self.click("#check-progress")
        return await wait_for_screen(self.pilot, ContactScreen)

    async def request_code(self, channel: Channel, address: str) -> None:
        """Chooses the channel, types the address and presses 取得驗證碼 (no waiting)."""
        await self.click("#channel-sms" if channel is Channel.SMS else "#channel-email")
        await self.type("#phone" if channel is Channel.SMS else "#email", address)
        await self.click("#get-code")

    async def get_code(self, channel: Channel, address: str) -> CodeScreen:
        """Asks for a code and waits for the code screen."""
        await self.request_code(channel, address)
        return await wait_for_screen(self.pilot, CodeScreen)

    async def enter_code(self, code: str) -> None:
        """Types the six digits and presses 確認 (no waiting)."""
        await self.click("#code")
        await self.pilot.press(*code)
        await self.click("#confirm")

    async def paste_code(self, code: str) -> None:
        """Taps the code boxes and pastes the six digits (no key pressed)."""
        await self.click("#code")
        self.screen.query_one("#code").post_message(events.Paste(code))
        await self.pilot.pause()

    async def verify(self, channel: Channel, address: str) -> None:
        """Contact and code, with the code from the outbox."""
        await self.get_code(channel, address)
        await self.enter_code(self.registry.code_for(channel, address))

    async def student(
        self,
        student: RosterStudent,
        relationship: Relationship = Relationship.FATHER,
        other: str = "",
    ) -> None:
        """Answers the student's questions, one screen each, for ``student``; waits for the
        confirmation, or for the registry's answer under the school list."""
        await wait_for_screen(self.pilot, RelationshipScreen)
        await self.click(f"#role-{relationship.role}")
        await self.click(f"#relation-{relationship}")
        if other:
            await self.type("#relationship-other", other)
        await self.click("#next")
        await wait_for_screen(self.pilot, StudentIdScreen)
        await self.click(f"#level-{student.level}")
        await self.type("#student-id", student.id_number)
        await self.click("#next")
        await self.school(student.school_code)

    async def school(self, code: str) -> None:
        """On the school screen: taps the school ``code``; waits for the student found (the
        confirmation) or for the registry's answer under the list."""
        await wait_for_screen(self.pilot, SchoolScreen)
        await wait_for(
            self.pilot,
            lambda: (
                not isinstance(self.screen, SchoolScreen)
                or (
                    not self.screen.is_busy
                    and self.screen.query_one("#school", OptionList).option_count > 0
                )
            ),
            "the school list",
        )
        await self.choose_school(code)
        await wait_for(
            self.pilot,
            lambda: (
                isinstance(self.screen, StudentConfirmScreen)
                or (isinstance(self.screen, SchoolScreen) and bool(self.text("#school-error")))
            ),
            "the student's details",
        )

    async def choose_school(self, code: str) -> None:
        """Taps the school ``code`` in the list, scrolling the list to it first as a finger would
        (no waiting)."""
        schools = self.screen.query_one("#school", OptionList)
        index = schools.get_option_index(code)
        schools.scroll_visible(animate=False)
        await self.pilot.pause()
        schools.scroll_to(y=index, animate=False)
        await self.pilot.pause()
        row = index - round(schools.scroll_y)
        # The list's border and padding: the first option is one row down, two columns in.
        await self.pilot.click("#school", offset=(4, 1 + row))

    async def add_students(self, *students: RosterStudent) -> ConsentScreen:
        """Each student in turn (新增綁定學生 between them), then 下一步."""
        for index, student in enumerate(students):
            await self.student(student)
            await wait_for_screen(self.pilot, StudentConfirmScreen)
            last = index == len(students) - 1
            await self.click("#next" if last else "#add-another")
            if not last:
                await wait_for_screen(self.pilot, RelationshipScreen)
        return await wait_for_screen(self.pilot, ConsentScreen)

    async def consent(self) -> ParentScreen:
        """Ticks the box and goes on."""
        await wait_for_screen(self.pilot, ConsentScreen)
        await self.click("#agree")
        await self.click("#next")
        return await wait_for_screen(self.pilot, ParentScreen)

    async def parent_id(self, parent_id: str) -> None:
        """Types the parent's ID and presses 驗證; waits for the answer."""
        await wait_for_screen(self.pilot, ParentScreen)
        await self.type("#parent-id", parent_id)
        await self.click("#verify")
        await wait_for(
            self.pilot,
            lambda: self.shown("#details") or bool(self.text("#parent-id-error")),
            "the parent look-up",
        )

    async def new_parent(self, parent_id: str, name: str, email: str, phone: str) -> ReviewScreen:
        """A parent without an account: ID, then name, email and phone; 下一步."""
        await self.parent_id(parent_id)
        await self.type("#name", name)
        await self.type("#email", email)
        await self.type("#phone", phone)
        await self.click("#next")
        return await wait_for_screen(self.pilot, ReviewScreen)

    async def sign_by_hand(self) -> None:
        """Draws a stroke on the signature pad with the mouse."""
        canvas = "#signature-canvas"
        self.screen.query_one(canvas).scroll_visible(animate=False)
        await self.pilot.pause()
        await self.pilot.mouse_down(canvas, offset=(4, 2))
        await self.pilot.hover(canvas, offset=(12, 3))
        await self.pilot.hover(canvas, offset=(20, 2))
        await self.pilot.mouse_up(canvas, offset=(20, 2))

    async def submit(self) -> None:
        """送出資料 (no waiting)."""
        await self.click("#submit")

    async def submitted(self) -> ProgressScreen:
        """送出資料, then the progress page."""
        await self.submit()
        return await wait_for_screen(self.pilot, ProgressScreen)
