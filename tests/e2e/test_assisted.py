"""協助家長申請 and 臨櫃核對身分 against a registry running for real (issue 10, item 2).

The school admin opens the staff console in the kiosk, starts the parent wizard beside a parent
whose code cannot arrive, and on the contact step verifies the parent in person: the document
seen, the confirmation ticked. The wizard goes on as if a code had been verified; the parent
finishes the application; the registry holds it with the mark, audited with the staff member and
the kiosk, and no code was sent. Outside assisted mode the button is not there.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Final

from sqlalchemy import select
from textual.widgets import Checkbox, Select, Static

from kiosk.domain.contact import Channel
from kiosk.domain.documents import IdDocument
from kiosk.domain.ids import IdKind, make_id
from kiosk.forms import FontMissing, find_fonts
from screens.code import CodeScreen
from screens.contact import ContactScreen
from screens.staff.in_person import InPersonScreen
from screens.student_relationship import RelationshipScreen
from screens.welcome import WelcomeScreen
from store.central import Application, AuditEvent
from tests.e2e.live import Kiosk, LiveRegistry, wait_for, wait_for_screen
from tests.e2e.test_staff_console import ADMIN, _choose, _sign_in, _student, _submit
from tests.e2e.walk import Walk
from tests.ui.test_progress_page import pdf_text

EMAIL: Final = "no.signal@example.com"


def _words_on(screen: object) -> str:
    return " ".join(str(w.render()) for w in screen.query(Static))  # type: ignore[attr-defined]


async def test_staff_verify_a_parent_in_person_and_the_application_carries_the_mark(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """The admin: 協助家長申請 → the contact step with 「臨櫃核對身分」 → the document and the
    confirmation (each refused until given) → the students' step; the parent finishes; 重印申請書
    makes the form again (one made on another kiosk says why not). The registry holds the
    application with the mark, audited with the kiosk; no code was sent."""
    student = _student(registry, "353301", "資訊二忠", skip=2)
    other = _student(registry, "353301", "資訊二忠", skip=3)
    await _submit(registry, "elsewhere@example.com", 43, other)
    parent_id = make_id(IdKind.CITIZEN, random.Random(41)).value
    try:
        find_fonts()
        fonts = True
    except FontMissing:
        fonts = False
    saved = ""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("ctrl+f12")
        await _sign_in(pilot, ADMIN)
        await walk.click("#assist")

        contact = await wait_for_screen(pilot, ContactScreen)
        # The parent's step: no staff console left underneath, no staff member's name on it.
        assert not [s for s in pilot.app.screen_stack if s.has_class("staff")]
        assert "李宇宏" not in _words_on(contact)
        await walk.type("#email", EMAIL)
        await walk.click("#in-person")

        confirm = await wait_for_screen(pilot, InPersonScreen)
        await walk.click("#in-person-confirm")
        assert walk.text("#staff-error") == "請選擇您核對的證件。"
        confirm.query_one("#in-person-document", Select).value = IdDocument.NATIONAL_ID
        await walk.click("#in-person-confirm")
        assert walk.text("#staff-error") == "請勾選您已核對證件與家長本人相符。"
        confirm.query_one("#in-person-seen", Checkbox).value = True
        await walk.click("#in-person-confirm")

        # On as if the code had been verified: the students' step, for this contact.
        await wait_for_screen(pilot, RelationshipScreen)
        assert not [s for s in pilot.app.screen_stack if s.has_class("staff")]
        await walk.add_students(student)
        await walk.consent()
        await walk.new_parent(parent_id, "林美惠", EMAIL, "0912345678")
        await walk.sign_by_hand()
        await walk.submitted()

        # 重印申請書 in the console: this kiosk's application is made again from what it keeps;
        # one made elsewhere says why not.
        await pilot.press("ctrl+f12")
        queue = await _sign_in(pilot, ADMIN)
        await _choose(pilot, queue, other.name)
        await walk.click("#reprint")
        await wait_for(pilot, lambda: bool(walk.text("#staff-error")), "the refusal")
        assert walk.text("#staff-error").startswith("此申請不是在這台服務機送出")
        if fonts:
            await _choose(pilot, queue, student.name)
            await walk.click("#reprint")
            await wait_for(pilot, lambda: bool(walk.text("#queue-message")), "the reprint")
            saved = walk.text("#queue-message").removeprefix(f"{student.name}：已儲存至 ")

    if fonts:
        assert student.name in pdf_text(Path(saved))
    assert registry.codes_sent(Channel.EMAIL, EMAIL) == []
    with registry.sessions() as session:
        marked = session.scalars(
            select(Application.verified_in_person).where(Application.parent_id_number == parent_id)
        ).all()
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "parent.verify_in_person")
        ).all()
    assert marked == [True]
    assert [(e.subject, e.detail["document"]) for e in audited] == [
        (f"kiosk:{registry.kiosk_id}", "national_id")
    ]
    assert kiosk.app.wizard_failures == 0


async def test_outside_assisted_mode_the_parent_steps_have_no_in_person_button(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        assert not pilot.app.screen.query("#in-person")
        code = await walk.get_code(Channel.EMAIL, "ordinary@example.com")
        assert isinstance(code, CodeScreen)
        assert not code.query("#in-person")


async def test_an_idle_wipe_ends_assisted_mode(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """Left idle on the assisted contact step, the session is wiped: Welcome is back, and the
    next parent's contact step has no 「臨櫃核對身分」 (the staff member's word went with it)."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("ctrl+f12")
        await _sign_in(pilot, ADMIN)
        await walk.click("#assist")
        await wait_for_screen(pilot, ContactScreen)
        assert pilot.app.screen.query("#in-person")
        kiosk.app.wipe_session()
        await walk.apply()
        assert not pilot.app.screen.query("#in-person")
