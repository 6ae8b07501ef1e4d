"""Pictures of step 2 — the student, one question a screen — in each state, at 100×32 and 80×24.

The school list and the look-ups come from a registry running for real (demo data); what was
entered before comes in through the screens' shared :class:`StudentForm`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from screens.student import StudentForm
from screens.student_confirm import StudentConfirmScreen
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.student_school import SchoolScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry, wait_for
from tests.e2e.scenes import CHEN, LIN, chrome, host, live_client, parent_session, settled
from tests.snapshots.conftest import Snap


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's pictures."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


FATHER = RelationshipChoice(Relationship.FATHER)


def looking_for(student_id: str = "A123456789", level: Level = Level.SENIOR_HIGH) -> StudentForm:
    """A form answered up to the school: 父親, the level and the ID."""
    return StudentForm(
        relationship=FATHER,
        level=level,
        typed_id=student_id,
        student_id=parse_id(student_id, field="student_id"),
    )


def school_screen(registry: LiveRegistry, address: str, form: StudentForm) -> SchoolScreen:
    """The school screen for a parent verified with ``address``."""
    session, _challenge = parent_session(registry, address)
    return SchoolScreen(chrome(), client=live_client(registry), session=session, form=form)


def loaded(pilot: Pilot[Any]) -> Any:
    """Waits for the school list."""
    screen = pilot.app.screen
    return wait_for(pilot, lambda: screen.query_one("#school", OptionList).option_count > 0, "list")


async def choose(pilot: Pilot[Any], code: str) -> None:
    """Chooses the school ``code`` in the list as the keys would: highlight, then Enter."""
    schools = pilot.app.screen.query_one("#school", OptionList)
    schools.highlighted = schools.get_option_index(code)
    schools.focus()
    await pilot.press("enter")


def test_student_relationship_empty(snap: Snap) -> None:
    """1 of 4 questions: 選擇與綁定學生的關係 (one student at a time); 法定代理人 chosen ``(*)``,
    監護人 ``( )``; 父親 and 母親 under it, neither chosen, the focus mark ``>`` on 父親; 上一步
    left, 下一步 right; the indicator ``✓1 驗證 >[2 學生]> 3 同意 > 4 家長``."""
    assert snap(host(RelationshipScreen(chrome(), form=StudentForm())))


def test_student_guardian_other(snap: Snap) -> None:
    """監護人 → 其他 ``(*)``: 祖父, 祖母, 外祖父, 外祖母 ``( )`` one a line under 監護人, and a
    field asks what the relationship is, here 姑姑."""
    form = StudentForm(relationship=RelationshipChoice(Relationship.OTHER, "姑姑"))
    assert snap(host(RelationshipScreen(chrome(), form=form)))


def test_student_relationship_missing(snap: Snap) -> None:
    """下一步 with no relationship: the error under the choices, in place."""

    async def next_(pilot: Pilot[Any]) -> None:
        await pilot.click("#next")

    screen = RelationshipScreen(chrome(), form=StudentForm())
    assert snap(host(screen), run_before=settled(next_))


def test_student_id_empty(snap: Snap) -> None:
    """2 of 4: 學層 國小…特教 as ``( )`` choices one a line (the focus mark ``>`` on 國小), then
    the ID field; the question stays at the top."""
    assert snap(host(StudentIdScreen(chrome(), form=StudentForm(relationship=FATHER))))


def test_student_nothing_chosen(snap: Snap) -> None:
    """下一步 with nothing filled in: 學層 and 身分證字號 each say what they need, beside them."""

    async def next_(pilot: Pilot[Any]) -> None:
        await pilot.click("#next")

    screen = StudentIdScreen(chrome(), form=StudentForm(relationship=FATHER))
    assert snap(host(screen), run_before=settled(next_))


def test_student_id_with_a_wrong_check_digit(snap: Snap) -> None:
    """An ID whose check digit is wrong: 「此身分證字號不正確，請逐字檢查。」 under it; 高中
    chosen ``(*)``."""

    async def typo(pilot: Pilot[Any]) -> None:
        await pilot.click("#level-senior_high")
        await pilot.click("#student-id")
        await pilot.press(*"A123456788")
        await pilot.click("#next")

    screen = StudentIdScreen(chrome(), form=StudentForm(relationship=FATHER))
    assert snap(host(screen), run_before=settled(typo))


def test_student_schools_of_the_level(snap: Snap, registry: LiveRegistry) -> None:
    """3 of 4: 請選擇綁定學生所在學校, 學層 高中 and the ID masked, the empty search, the 高中
    schools each marked ``( )``, every name whole, the first highlighted in reverse (Down)."""

    async def schools(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("down")

    screen = school_screen(registry, "student.schools@example.com", looking_for())
    assert snap(host(screen), run_before=settled(schools))


def test_student_school_search_narrowed(snap: Snap, registry: LiveRegistry) -> None:
    """School search narrowed: 台北市立 typed (as most people write 臺北) leaves only the three
    臺北市立 高中 schools in the list (松山, 內湖, 景興), none chosen."""

    async def narrowed(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press(*"台北市立")
        schools = pilot.app.screen.query_one("#school", OptionList)
        await wait_for(pilot, lambda: schools.option_count == 3, "three schools")

    screen = school_screen(registry, "student.narrowed@example.com", looking_for())
    assert snap(host(screen), run_before=settled(narrowed))


def test_student_school_kept(snap: Snap, registry: LiveRegistry) -> None:
    """Back on the school screen: the school chosen before marked ``(*)``, 下一步 focused."""
    form = looking_for()
    form.school_code = "353301"
    screen = school_screen(registry, "student.kept@example.com", form)
    assert snap(host(screen), run_before=settled(loaded))


def test_student_not_found(snap: Snap, registry: LiveRegistry) -> None:
    """A student not at the school chosen: 「查無符合此學層、身分證字號及學校的學生，請確認三項
    資料。」 and 「還可再試 4 次」 under the list; the list stays."""

    async def missing(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await choose(pilot, "343301")
        await wait_for(
            pilot, lambda: bool(pilot.app.screen.query("#school-error.-shown")), "the error"
        )

    screen = school_screen(registry, "student.missing@example.com", looking_for())
    assert snap(host(screen), run_before=settled(missing))


def test_student_confirmed(snap: Snap) -> None:
    """4 of 4: the tutorial's student found: 請確認綁定學生資訊 — 姓名 陳曉明, 班級 資訊二忠,
    學校 臺北市私立日曜學校, 稱謂 父親 — in a green frame; 新增綁定學生 and 下一步 (focused)."""
    form = looking_for()
    form.found = CHEN
    assert snap(host(StudentConfirmScreen(chrome(), form=form)))


def test_student_added_and_shown_again_with_an_error(snap: Snap) -> None:
    """Two students already in the application listed with 移除; the one entered again shown
    with 「此學生已在本次申請中。」 under its details."""
    form = looking_for()
    form.found = CHEN
    again = StudentConfirmScreen(
        chrome(),
        form=form,
        students=(CHEN, LIN),
        error=DomainError(ErrorCode.DRAFT_STUDENT_DUPLICATE, field="student_id"),
    )
    assert snap(host(again))


def test_student_list_only(snap: Snap) -> None:
    """Back to the step with students added: 本次申請的學生 listed with 移除; 新增綁定學生 and
    下一步."""
    again = StudentConfirmScreen(chrome(), form=StudentForm(), students=(CHEN, LIN))
    assert snap(host(again))


def test_student_busy(snap: Snap, registry: LiveRegistry) -> None:
    """While the registry sends the schools, 下一步 spins; 上一步 stays usable."""
    session, _ = parent_session(registry, "student.busy@example.com")
    from tests.e2e.scenes import silent_registry

    with silent_registry(registry) as client:
        waiting = SchoolScreen(chrome(), client=client, session=session, form=looking_for())
        assert snap(host(waiting))
