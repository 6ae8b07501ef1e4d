"""The parent's journeys, walked with clicks and keys against a registry running for real.

Every test starts a kiosk built by the app factory, with its own local SQLite database, talking
over HTTP to a registry (uvicorn on 127.0.0.1) loaded with the demo data; codes are read from the
registry's file outbox. What is checked is what the parent sees, and what ends up stored.
"""

from __future__ import annotations

import random

from textual.widgets import Input

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.domain.status import StudentStatus
from screens.parent import ParentScreen
from screens.progress import ProgressScreen
from screens.student_school import SchoolScreen
from screens.welcome import WelcomeScreen
from tests.e2e.live import Kiosk, LiveRegistry, wait_for, wait_for_screen
from tests.e2e.walk import Walk


def new_parent_id(seed: int) -> str:
    """A valid citizen ID no demo parent has."""
    return make_id(IdKind.CITIZEN, random.Random(seed)).value


async def test_email_path_with_two_students_is_saved_here_and_at_the_registry(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Email code, two students, consent, a new parent, a drawn signature: 送出資料 stores the
    application here and at the registry, and the progress page lists both students as 申請."""
    first, second = registry.students(Level.ELEMENTARY)[:2]
    parent_id = new_parent_id(1)
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry, keys=True)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "Lin.Mei@Example.com")
        await walk.add_students(first, second)
        await walk.consent()
        review = await walk.new_parent(parent_id, "林美惠", "lin.mei@example.com", "0912345678")
        assert [s.name for s in review._students] == [first.name, second.name]
        assert walk.text("#review-id") == parent_id[:4] + "***" + parent_id[-2:]
        assert walk.text("#review-phone") == "09***78"
        await walk.sign_by_hand()
        progress = await walk.submitted()

        assert walk.text("#receipt").startswith("收件編號：KT1-")
        assert [(row.student, row.status) for row in progress.rows] == [
            (first.name, StudentStatus.PENDING),
            (second.name, StudentStatus.PENDING),
        ]
        assert not progress.query("#saved-offline")
    assert kiosk.applications() == 1
    assert registry.bindings_of_parent(parent_id) == 2
    assert kiosk.app.wizard_failures == 0


async def test_sms_path_with_an_existing_account_prefilled_and_masked(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """A code by SMS; the tutorial's 王曉明 (YA94109161) has an account: 「您已申請…帳號」 and his
    name, email and phone come masked and read-only; the typed name signs for him."""
    student = next(s for s in registry.students(Level.SENIOR_HIGH) if s.id_number == "A123456789")
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.SMS, "0987-654-321")
        await walk.add_students(student)
        parent = await walk.consent()
        await walk.parent_id("ya94109161")

        assert walk.shown("#has-account")
        assert walk.text("#parent-id-masked") == "YA94***61"
        fields = {
            name: parent.query_one(f"#{name}", Input).value for name in ("name", "email", "phone")
        }
        assert fields == {"name": "王○明", "email": "an***@hy-tech.com.tw", "phone": "09***45"}
        assert all(parent.query_one(f"#{name}", Input).disabled for name in fields)

        await walk.click("#next")
        await wait_for(pilot, lambda: walk.screen.query("#signature"), "the review")
        await walk.type("#signature-name", "王曉明")
        progress = await walk.submitted()
        assert [(row.student, row.status) for row in progress.rows][-1] == (
            "陳曉明",
            StudentStatus.PENDING,
        )
    assert registry.bindings_of_parent("YA94109161") == 4  # 吳大寶, 吳二寶, 吳三寶 and 陳曉明


async def test_declining_the_statement_stores_nothing_anywhere(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """不同意並退出 returns to the Welcome screen; neither the kiosk nor the registry keeps an
    application, and 親子綁定 starts afresh."""
    student = registry.students(Level.JUNIOR_HIGH)[0]
    before = registry.applications()
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "decline@example.com")
        await walk.add_students(student)
        await walk.click("#decline")
        await wait_for_screen(pilot, WelcomeScreen)
        contact = await walk.apply()
        assert contact.query_one("#email", Input).value == ""
    assert kiosk.applications() == 0
    assert registry.applications() == before


async def test_a_third_text_message_within_the_hour_is_refused_with_the_advice_to_use_email(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Two codes by SMS to one number; the third 取得驗證碼 is refused beside the number with the
    tutorial's advice to use email."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        for _ in range(2):
            await walk.get_code(Channel.SMS, "0911222333")
            await walk.click("#back")
            await wait_for(pilot, lambda: walk.screen.query("#get-code"), "the contact step")
        await walk.request_code(Channel.SMS, "0911222333")
        words = await walk.error("#address-error")
    assert "一個小時" in words or "60分鐘" in words
    assert "電子郵件信箱" in words
    assert len(registry.codes_sent(Channel.SMS, "0911222333")) == 2


async def test_a_code_entered_wrongly_five_times_is_dead(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Each wrong code says how many tries are left; the fifth kills the code, and even the
    right one is refused after it; 重新取得驗證碼 sends a new one that works."""
    address = "wrong.code@example.com"
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.get_code(Channel.EMAIL, address)
        right = registry.code_for(Channel.EMAIL, address)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        said = []
        for _ in range(5):
            await walk.enter_code(wrong)
            said.append(await walk.error("#code-error"))
            walk.screen.clear_errors()
        await walk.enter_code(right)
        dead = await walk.error("#code-error")
        assert "4" in said[0]
        assert "失效" in said[-1]
        assert "失效" in dead

        await walk.click("#resend")
        await wait_for(
            pilot, lambda: len(registry.codes_sent(Channel.EMAIL, address)) == 2, "a new code"
        )
        await walk.enter_code(registry.code_for(Channel.EMAIL, address))
        await wait_for(pilot, lambda: walk.screen.query("#relationship-picker"), "the student step")


async def test_a_student_not_found_is_said_under_the_schools(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """An enrolled pupil looked up at another school: 「查無符合…」 under the school list, with
    the tries left; the school screen stays (no details to confirm)."""
    student = registry.students(Level.ELEMENTARY)[0]
    elsewhere = next(
        s for s in registry.students(Level.ELEMENTARY) if s.school_code != student.school_code
    )
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "not.found@example.com")
        moved = type(student)(
            student.id_number,
            student.name,
            student.class_name,
            elsewhere.school_code,
            elsewhere.school_name,
            student.level,
        )
        await walk.student(moved)
        words = await walk.error("#school-error")
        assert "查無" in words
        assert "還可再試 4 次" in words
        assert isinstance(walk.screen, SchoolScreen)


async def test_one_email_cannot_serve_two_parents(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """A second parent ID with an email another parent applied with: 「此E-mail已有申請紀錄，
    不得再次申請」 and the hint, beside the email at the parent step already (before the
    signature); the email changed there, the application goes through."""
    first_parent, second_parent = new_parent_id(21), new_parent_id(22)
    one, two = registry.students(Level.SPECIAL)[:2]
    shared = "same.family@example.com"
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, shared)
        await walk.add_students(one)
        await walk.consent()
        await walk.new_parent(first_parent, "陳大文", shared, "0922333444")
        await walk.type("#signature-name", "陳大文")
        await walk.submitted()
        await walk.click("#log-out")

        await walk.apply()
        await walk.verify(Channel.EMAIL, "other.parent@example.com")
        await walk.add_students(two)
        await walk.consent()
        await walk.parent_id(second_parent)
        await walk.type("#name", "陳小文")
        await walk.type("#email", shared)
        await walk.type("#phone", "0922333555")
        await walk.click("#next")
        words = await walk.error("#email-error")
        assert "此E-mail已有申請紀錄，不得再次申請" in words
        assert "相同的郵件信箱" in words
        assert isinstance(walk.screen, ParentScreen)

        await walk.type("#email", "chen.xiaowen@example.com")
        await walk.click("#next")
        await wait_for(pilot, lambda: walk.screen.query("#signature"), "the review again")
        await walk.type("#signature-name", "陳小文")
        progress = await walk.submitted()
        assert isinstance(progress, ProgressScreen)
    assert registry.bindings_of_parent(second_parent) == 1
