"""Pictures of step 2 — the student — in each state, at 100×32 and 80×24.

The school list and the look-ups come from a registry running for real (demo data); a student
shown again (after an error, or one already added) comes in through the screen's constructor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.people import Relationship, RelationshipChoice
from screens.student import StudentScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry, wait_for
from tests.e2e.scenes import CHEN, LIN, chrome, host, live_client, parent_session, settled
from tests.snapshots.conftest import Snap


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's pictures."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def screen(registry: LiveRegistry, address: str, **data: Any) -> StudentScreen:
    """The student step for a parent verified with ``address``."""
    session, _challenge = parent_session(registry, address)
    return StudentScreen(chrome(), client=live_client(registry), session=session, **data)


async def fill(pilot: Pilot[Any], level: str, student_id: str) -> None:
    """Father, a level and an ID, then 驗證 (waits for the school list)."""
    screen = pilot.app.screen
    await pilot.click("#relation-father")
    await pilot.click(f"#level-{level}")
    await pilot.click("#student-id")
    await pilot.press(*student_id)
    await pilot.click("#verify")
    await wait_for(pilot, lambda: bool(screen.query_one("#school-box").display), "schools")


async def choose(pilot: Pilot[Any], code: str) -> None:
    """Chooses the school ``code`` in the list as the keys would: highlight, then Enter."""
    schools = pilot.app.screen.query_one("#school", OptionList)
    schools.highlighted = schools.get_option_index(code)
    schools.focus()
    await pilot.press("enter")


def test_student_empty(snap: Snap, registry: LiveRegistry) -> None:
    """選擇與綁定學生的關係 (one student at a time); 法定代理人 chosen, 父親 and 母親 under it,
    neither chosen; the five levels 國小…特教; the ID field with 驗證; 返回 left, 新增綁定學生
    and 下一步 right; ✓ ② in the header."""
    assert snap(host(screen(registry, "student.empty@example.com")))


def test_student_guardian_other(snap: Snap, registry: LiveRegistry) -> None:
    """監護人 → 其他: 祖父, 祖母, 外祖父, 外祖母 and 其他 (chosen) under 監護人, and a field asks
    what the relationship is, here 姑姑."""
    relationship = RelationshipChoice(Relationship.OTHER, "姑姑")
    assert snap(host(screen(registry, "student.other@example.com", relationship=relationship)))


def test_student_nothing_chosen(snap: Snap, registry: LiveRegistry) -> None:
    """驗證 with nothing filled in: each field says what it needs, beside it (關係, 學層,
    身分證字號)."""

    async def verify(pilot: Pilot[Any]) -> None:
        await pilot.click("#verify")

    assert snap(host(screen(registry, "student.nothing@example.com")), run_before=settled(verify))


def test_student_id_with_a_wrong_check_digit(snap: Snap, registry: LiveRegistry) -> None:
    """An ID whose check digit is wrong: 「此身分證字號不正確，請逐字檢查。」 under it."""

    async def typo(pilot: Pilot[Any]) -> None:
        await pilot.click("#relation-mother")
        await pilot.click("#level-senior_high")
        await pilot.click("#student-id")
        await pilot.press(*"A123456788")
        await pilot.click("#verify")

    assert snap(host(screen(registry, "student.typo@example.com")), run_before=settled(typo))


def test_student_schools_of_the_level(snap: Snap, registry: LiveRegistry) -> None:
    """After 驗證: 請選擇綁定學生所在學校, the empty search 「輸入學校名稱的一部分以搜尋」, and
    under it the 高中 schools (the tutorial's list) inline, focused (Down from the search), every
    name whole (臺北市立內湖高級工業職業學校 with its 高), the first highlighted."""

    async def schools(pilot: Pilot[Any]) -> None:
        await fill(pilot, "senior_high", "A123456789")
        await pilot.press("down")

    assert snap(host(screen(registry, "student.schools@example.com")), run_before=settled(schools))


def test_student_school_search_narrowed(snap: Snap, registry: LiveRegistry) -> None:
    """School search narrowed: 台北市立 typed (as most people write 臺北) in the focused search
    leaves only the three 臺北市立 高中 schools in the list (松山, 內湖, 景興), none chosen."""

    async def narrowed(pilot: Pilot[Any]) -> None:
        await fill(pilot, "senior_high", "A123456789")
        await pilot.press(*"台北市立")
        schools = pilot.app.screen.query_one("#school", OptionList)
        await wait_for(pilot, lambda: schools.option_count == 3, "three schools")

    assert snap(
        host(screen(registry, "student.narrowed@example.com")), run_before=settled(narrowed)
    )


def test_student_confirmed(snap: Snap, registry: LiveRegistry) -> None:
    """The tutorial's student found: 請確認綁定學生資訊 — 姓名 陳曉明, 班級 資訊二忠, 學校
    臺北市私立日曜學校, 稱謂 父親 — in a green frame; the school chosen above, under the empty
    search."""

    async def found(pilot: Pilot[Any]) -> None:
        await fill(pilot, "senior_high", "A123456789")
        await choose(pilot, "353301")
        await wait_for(pilot, lambda: _in_view(pilot, "#confirm-box"), "details scrolled in")

    assert snap(host(screen(registry, "student.found@example.com")), run_before=settled(found))


def _in_view(pilot: Pilot[Any], selector: str) -> bool:
    """Whether a widget is shown and scrolled wholly into the screen."""
    widget = pilot.app.screen.query_one(selector)
    return bool(widget.display) and pilot.app.screen.region.contains_region(widget.region)


def test_student_not_found(snap: Snap, registry: LiveRegistry) -> None:
    """A student not at the school chosen: 「查無符合此學層、身分證字號及學校的學生，請確認三項
    資料。」 under the ID, no details."""

    async def missing(pilot: Pilot[Any]) -> None:
        await fill(pilot, "senior_high", "A123456789")
        await choose(pilot, "343301")
        await wait_for(
            pilot, lambda: bool(pilot.app.screen.query("#student-id-error.-shown")), "the error"
        )

    assert snap(host(screen(registry, "student.missing@example.com")), run_before=settled(missing))


def test_student_added_and_shown_again_with_an_error(snap: Snap, registry: LiveRegistry) -> None:
    """Two students already in the application listed with 移除; the one entered again shown
    with 「此學生已在本次申請中。」 under its ID and its details confirmed."""
    again = screen(
        registry,
        "student.twice@example.com",
        students=(CHEN, LIN),
        prefill=CHEN,
        error=DomainError(ErrorCode.DRAFT_STUDENT_DUPLICATE, field="student_id"),
    )

    async def loaded(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: not again.is_busy, "the school list")

    assert snap(host(again), run_before=settled(loaded))


def test_student_busy(snap: Snap, registry: LiveRegistry) -> None:
    """While the registry looks the student up, 驗證 spins; everything else stays usable."""
    session, _ = parent_session(registry, "student.busy@example.com")
    from tests.e2e.scenes import silent_registry

    with silent_registry(registry) as client:
        waiting = StudentScreen(chrome(), client=client, session=session)

        async def busy(pilot: Pilot[Any]) -> None:
            await pilot.click("#relation-father")
            await pilot.click("#level-elementary")
            await pilot.click("#student-id")
            await pilot.press(*"A123456789")
            await pilot.click("#verify")

        assert snap(host(waiting), run_before=settled(busy))
