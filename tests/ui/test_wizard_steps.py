"""The wizard's steps as a parent feels them: 返回 keeps what was typed, boxes that must be
ticked, errors in place, the registry away at 送出資料, and checking progress later.

A real registry (uvicorn on 127.0.0.1, demo data) serves this module; each test has a kiosk of
its own built by the app factory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, OptionList, RadioButton, RadioSet

from kiosk.domain.contact import Channel
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level, Relationship
from kiosk.domain.status import StudentStatus
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
from screens.widgets.school_picker import SchoolPicker
from tests.e2e.live import (
    Kiosk,
    LiveRegistry,
    kiosk_app,
    running_registry,
    wait_for,
    wait_for_screen,
)
from tests.e2e.walk import Walk


@pytest.fixture(scope="module")
def registry(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def parent_id(seed: int) -> str:
    """A valid citizen ID no demo parent has."""
    return make_id(IdKind.CITIZEN, random.Random(seed)).value


async def test_back_keeps_what_was_entered_on_every_step(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """返回 from the code to the contact shows the address typed; from the review back to the
    students, each step shows what was entered and the students stay in the application."""
    student = registry.students(Level.VOCATIONAL)[0]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.get_code(Channel.SMS, "0955 111 222")
        await walk.click("#back")
        contact = await wait_for_screen(pilot, ContactScreen)
        assert contact.channel is Channel.SMS
        assert contact.query_one("#phone", Input).value == "0955 111 222"

        await walk.verify(Channel.SMS, "0955111222")
        await walk.add_students(student)
        await walk.consent()
        await walk.new_parent(parent_id(31), "張志明", "chang@example.com", "02-8798-6336")
        await walk.click("#back")
        parent = await wait_for_screen(pilot, ParentScreen)
        assert parent.query_one("#name", Input).value == "張志明"
        assert parent.query_one("#email", Input).value == "chang@example.com"
        assert parent.query_one("#phone", Input).value == "0287986336"

        await walk.click("#back")
        consent = await wait_for_screen(pilot, ConsentScreen)
        assert consent.query_one("#agree", Checkbox).value is True
        await walk.click("#back")
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert walk.text(".added-student").startswith(student.name)
        await walk.click("#add-another")
        relationship = await wait_for_screen(pilot, RelationshipScreen)
        # A student's siblings are most likely the same relationship: it is offered again.
        assert relationship.query_one("#relation-father", RadioButton).value


async def test_previous_keeps_every_answer_of_the_student(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """At 80×24, one question a screen: 上一步 from the confirmation back to the relationship
    finds the school, the level, the ID and the relationship as they were; going on again
    finds the same student."""
    student = registry.students(Level.JUNIOR_HIGH)[6]
    async with kiosk.app.run_test(size=(80, 24)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "previous@example.com")
        await walk.student(student, Relationship.GRANDMOTHER)
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert walk.text("#found-title") == "祖母"
        await walk.click("#back")
        school = await wait_for_screen(pilot, SchoolScreen)
        picker = school.query_one("#school-picker", SchoolPicker)
        await wait_for(pilot, lambda: picker.value == student.school_code, "the school kept")
        await walk.click("#back")
        ids = await wait_for_screen(pilot, StudentIdScreen)
        assert ids.query_one(f"#level-{student.level}", RadioButton).value
        assert ids.query_one("#student-id", Input).value == student.id_number
        await walk.click("#back")
        relationship = await wait_for_screen(pilot, RelationshipScreen)
        assert relationship.query_one("#relation-grandmother", RadioButton).value
        await walk.click("#next")
        await wait_for_screen(pilot, StudentIdScreen)
        await walk.click("#next")
        await wait_for_screen(pilot, SchoolScreen)
        await wait_for(
            pilot,
            lambda: (
                walk.screen.query("#school-picker")
                and walk.screen.query_one("#school-picker", SchoolPicker).value
                == student.school_code
            ),
            "the school kept",
        )
        await walk.click("#next")
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert walk.text("#found-name") == student.name


async def test_students_added_are_listed_and_can_be_removed(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Back from the consent, the students added are listed, each with 移除: removing the first
    leaves the second; removing the last asks for a student again (the relationship kept)."""
    first, second = registry.students(Level.SPECIAL)[5:7]
    async with kiosk.app.run_test(size=(80, 24)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "remove@example.com")
        await walk.add_students(first, second)
        await walk.click("#back")
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert [str(s.render()) for s in walk.screen.query(".added-student")] == [
            f"{first.name}　{first.class_name}　父親",
            f"{second.name}　{second.class_name}　父親",
        ]
        assert not walk.screen.query("#confirm-box")
        await walk.click("#remove-0")
        await wait_for(
            pilot,
            lambda: len(walk.screen.query(".added-student")) == 1,
            "one student left",
        )
        assert walk.text(".added-student").startswith(second.name)
        await walk.click("#remove-0")
        relationship = await wait_for_screen(pilot, RelationshipScreen)
        assert relationship.query_one("#relation-father", RadioButton).value


async def test_the_student_step_works_by_keys_alone(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """At 80×24, arrows and Enter choose 母親, 高中 and the school from the inline list (no
    dropdown), Enter in the ID field goes on; the tutorial's student is found and confirmed."""
    async with kiosk.app.run_test(size=(80, 24)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "keys@example.com")
        screen = await wait_for_screen(pilot, RelationshipScreen)
        await wait_for(pilot, lambda: screen.focused is not None, "the first choice focused")
        assert isinstance(screen.focused, RadioSet)
        await pilot.press("right", "enter")
        assert screen.query_one("#relation-mother", RadioButton).value
        # Chosen: the focus goes on to 下一步, so the next Enter goes on.
        assert screen.focused is screen.query_one("#next")
        await pilot.press("enter")
        ids = await wait_for_screen(pilot, StudentIdScreen)
        assert ids.focused is ids.query_one("#level")
        await pilot.press("right", "right", "enter", "tab", *"A123456789", "enter")
        school = await wait_for_screen(pilot, SchoolScreen)
        search = school.query_one("#school-search", Input)
        await wait_for(pilot, lambda: search.has_focus, "the school search, focused")
        # Down leaves the search for the list, its first school highlighted.
        await pilot.press("down")
        schools = school.query_one("#school", OptionList)
        assert schools.has_focus
        assert schools.highlighted == 0
        target = schools.get_option_index("353301")
        for _ in range(len(schools.options)):
            if schools.highlighted == target:
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert walk.text("#found-name") == "陳曉明"
        assert walk.text("#found-school") == "臺北市私立日曜學校"
        assert walk.text("#found-title") == "母親"


async def test_typing_part_of_a_name_narrows_the_schools(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """At 80×24, the search over the 高中 schools: 台北 (as most people write it) still lists
    them all; 日曜 leaves the tutorial's school alone and Enter chooses it, the student confirmed;
    a name no school has shows 「查無符合的學校」 instead of the list (and the school chosen,
    now out of sight, is no longer chosen); erasing what no school has brings 日曜 back."""
    async with kiosk.app.run_test(size=(80, 24)) as pilot:
        walk = Walk(pilot, registry, keys=True)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "search@example.com")
        await wait_for_screen(pilot, RelationshipScreen)
        await walk.click("#relation-father")
        await walk.click("#next")
        await wait_for_screen(pilot, StudentIdScreen)
        await walk.click("#level-senior_high")
        await walk.type("#student-id", "A123456789")
        await walk.click("#next")
        screen = await wait_for_screen(pilot, SchoolScreen)
        search = screen.query_one("#school-search", Input)
        await wait_for(pilot, lambda: search.has_focus, "the school search, focused")
        schools = screen.query_one("#school", OptionList)
        every = schools.option_count
        assert every > 1
        assert search.placeholder == "輸入學校名稱的一部分以搜尋"

        await pilot.press(*"台北")
        await pilot.pause()
        assert schools.option_count == every

        await pilot.press("backspace", "backspace", *"日曜")
        await pilot.pause()
        assert [str(option.prompt) for option in schools.options] == [" ( ) 臺北市私立日曜學校"]

        await pilot.press(*"國小")
        await pilot.pause()
        assert not walk.shown("#school")
        assert walk.shown("#school-none")
        assert walk.text("#school-none") == "查無符合的學校"

        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert walk.shown("#school")
        assert not walk.shown("#school-none")
        assert schools.option_count == 1
        await pilot.press("enter")
        await wait_for_screen(pilot, StudentConfirmScreen)
        assert walk.text("#found-name") == "陳曉明"
        assert walk.text("#found-school") == "臺北市私立日曜學校"
        # Back on the list, the school chosen is marked by its shape, not only its colour.
        await walk.click("#back")
        await wait_for_screen(pilot, SchoolScreen)
        listed = walk.screen.query_one("#school", OptionList)
        await wait_for(pilot, lambda: listed.option_count == 1, "the search kept")
        assert [str(option.prompt) for option in listed.options] == [" (*) 臺北市私立日曜學校"]


async def test_the_statement_must_be_ticked_before_going_on(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """下一步 without the tick says so beside the box and stays; ticked, it goes on."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "tick@example.com")
        await walk.add_students(registry.students(Level.VOCATIONAL)[1])
        await walk.click("#next")
        words = await walk.error("#consent-error")
        assert "本人已詳閱並同意以上條款聲明" in words
        assert isinstance(pilot.app.screen, ConsentScreen)
        await walk.consent()


async def test_the_same_student_twice_is_refused_in_place(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Adding a student already in the application shows 「此學生已在本次申請中」 under the ID,
    with the student's details still on screen."""
    student = registry.students(Level.VOCATIONAL)[2]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "twice@example.com")
        await walk.student(student)
        await wait_for_screen(pilot, StudentConfirmScreen)
        await walk.click("#add-another")
        await walk.student(student)
        await walk.click("#next")
        words = await walk.error("#confirm-error")
        assert "此學生已在本次申請中" in words
        assert isinstance(walk.screen, StudentConfirmScreen)
        assert walk.shown("#confirm-box")


async def test_five_students_not_found_lock_the_session(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Each look-up that finds nobody says how many tries are left (「還可再試 4 次」 … 1); the
    fifth locks the parent's session and says so at once: ask the school office."""
    real = registry.students(Level.ELEMENTARY)[0]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "locked@example.com")
        said = []
        for seed in range(5):
            ghost = make_id(IdKind.CITIZEN, random.Random(100 + seed)).value
            if seed == 0:
                await walk.student(type(real)(ghost, "", "", real.school_code, "", real.level))
            else:
                await walk.click("#back")
                await wait_for_screen(pilot, StudentIdScreen)
                await walk.type("#student-id", ghost)
                await walk.click("#next")
                await walk.school(real.school_code)
            said.append(await walk.error("#school-error"))
        for tries, words in zip((4, 3, 2, 1), said, strict=False):
            assert "查無" in words
            assert f"還可再試 {tries} 次" in words
            assert "鎖定" not in words
        assert "鎖定" in said[4]
        assert "學校辦公室" in said[4]
        assert "還可再試" not in said[4]


async def test_registry_away_at_submit_keeps_the_application_to_upload_later(
    registry: LiveRegistry, template: Path, tmp_path: Path
) -> None:
    """The registry stops before 送出資料: the application is saved here, the parent is told
    「已儲存，網路恢復後自動上傳」 with the receipt, and the students show 待上傳."""
    with ExitStack() as away:
        own = away.enter_context(running_registry(tmp_path / "registry", template))
        student = own.students(Level.SPECIAL)[3]
        with kiosk_app(tmp_path / "kiosk", own.url, own.kiosk_id, own.key) as kiosk:
            async with kiosk.app.run_test(size=(100, 32)) as pilot:
                walk = Walk(pilot, own)
                await walk.apply()
                await walk.verify(Channel.EMAIL, "offline@example.com")
                await walk.add_students(student)
                await walk.consent()
                await walk.new_parent(parent_id(41), "周杰", "offline@example.com", "0933444555")
                await walk.type("#signature-name", "周杰")
                away.close()  # the registry stops
                progress = await walk.submitted()
                assert "網路恢復後自動上傳" in walk.text("#saved-offline")
                assert walk.text("#receipt").startswith("收件編號：KT1-")
                assert walk.shown("#stale")
                assert [(row.student, row.status) for row in progress.rows] == [
                    (student.name, StudentStatus.QUEUED)
                ]
            assert kiosk.applications() == 1
            waiting = kiosk.store.outbox.due(datetime.now(UTC) + timedelta(hours=1), 10)
            assert [item.last_error for item in waiting] == ["registry.unreachable"]


async def test_checking_progress_later_shows_every_student_of_the_contact(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """查詢申請進度 with the email used before: the progress page lists the students applied
    for, with 申請; 登出服務 returns to the start."""
    student = registry.students(Level.JUNIOR_HIGH)[3]
    address = "progress.later@example.com"
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, address)
        await walk.add_students(student)
        await walk.consent()
        await walk.new_parent(parent_id(51), "吳美玉", address, "0944555666")
        await walk.type("#signature-name", "吳美玉")
        await walk.submitted()
        await walk.click("#log-out")

        await walk.check_progress()
        await walk.verify(Channel.EMAIL, address)
        progress = await wait_for_screen(pilot, ProgressScreen)
        assert [(row.student, row.status) for row in progress.rows] == [
            (student.name, StudentStatus.PENDING)
        ]
        assert not progress.query("#receipt")


async def test_a_code_screen_reached_twice_needs_the_latest_code(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """重新取得驗證碼 sends a new code and says so; the earlier code is refused as wrong, the
    new one works."""
    address = "resend@example.com"
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.get_code(Channel.EMAIL, address)
        first = registry.code_for(Channel.EMAIL, address)
        await walk.click("#resend")
        await wait_for(pilot, lambda: "重新寄送" in walk.text("#sent-to"), "the new code")
        await walk.enter_code(first)
        assert "驗證碼錯誤" in await walk.error("#code-error")
        assert isinstance(pilot.app.screen, CodeScreen)
        await walk.enter_code(registry.code_for(Channel.EMAIL, address))
        await wait_for_screen(pilot, RelationshipScreen)


async def test_a_parent_who_is_one_of_the_students_is_refused(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """The parent's ID equal to a student's: refused beside the parent's ID at 驗證, before a
    name, an email and a phone are typed for it (nothing asked of the registry)."""
    student = registry.students(Level.JUNIOR_HIGH)[4]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "self@example.com")
        await walk.add_students(student)
        await walk.consent()
        await walk.parent_id(student.id_number)
        words = await walk.error("#parent-id-error")
        assert "家長身分證字號與綁定學生的身分證字號相同" in words
        assert not walk.shown("#details")
        assert walk.screen.query_one("#parent-id", Input).value == student.id_number
        await walk.click("#next")
        assert not isinstance(pilot.app.screen, ReviewScreen)


async def test_a_second_press_after_an_error_sends_the_saved_application_once(
    kiosk: Kiosk, registry: LiveRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry stored the application but the kiosk could not record its answer: the error
    is said in place; a second 送出資料 sends the very application saved (not a rebuilt one the
    registry would call a conflict) and the progress page shows it 申請 — one application at
    each end."""
    student = registry.students(Level.ELEMENTARY)[5]
    record = kiosk.store.outbox.mark_pushed
    calls: list[int] = []

    def fails_once(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise DomainError(ErrorCode.REGISTRY_ERROR)
        record(*args, **kwargs)

    monkeypatch.setattr(kiosk.store.outbox, "mark_pushed", fails_once)
    before = registry.applications()
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "second.press@example.com")
        await walk.add_students(student)
        await walk.consent()
        await walk.new_parent(parent_id(61), "林志明", "second.press@example.com", "0966777888")
        await walk.type("#signature-name", "林志明")
        await walk.submit()
        review = await wait_for_screen(pilot, ReviewScreen)
        await wait_for(pilot, lambda: bool(walk.text("#form-error")), "the error in place")
        assert "服務主機回應異常" in walk.text("#form-error")
        assert pilot.app.screen is review

        progress = await walk.submitted()
        assert [(row.student, row.status) for row in progress.rows] == [
            (student.name, StudentStatus.PENDING)
        ]
    assert kiosk.applications() == 1
    assert registry.applications() == before + 1
    assert kiosk.store.outbox.due(datetime.now(UTC) + timedelta(days=1), 10) == []
