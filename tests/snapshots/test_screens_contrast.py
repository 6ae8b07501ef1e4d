"""Every parent screen at 80×24 (what a large kiosk font leaves) in the high-contrast theme.

``[display] theme = "high-contrast"``: white on black, bright yellow for what can be pressed.
Each picture must show the whole screen usable: the question at the top, nothing cut, the
primary button in view; the state of every choice in its shape (``(*)``/``( )``,
``[x]``/``[ ]``, ``>`` on what the keys act on) as well as its colour.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.domain.status import StudentStatus
from screens.code import CodeScreen
from screens.confirm import ConfirmScreen
from screens.consent import ConsentScreen
from screens.contact import ContactScreen
from screens.idle import StillThereScreen
from screens.parent import ParentScreen
from screens.progress import ProgressRow, ProgressScreen, ProgressView
from screens.review import ReviewScreen, SubmitOutcome
from screens.student import StudentForm
from screens.student_confirm import StudentConfirmScreen
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.student_school import SchoolScreen
from screens.theme import HIGH_CONTRAST, register_themes
from screens.welcome import WelcomeScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry, wait_for
from tests.e2e.scenes import (
    CHEN,
    LIN,
    MEI,
    challenge_to,
    chrome,
    host,
    live_client,
    parent_session,
)
from tests.snapshots.conftest import freeze_cursors

#: The one size of these pictures: the smallest the kiosk must serve.
SIZE = (80, 24)

ContrastSnap = Callable[..., bool]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for the screens that ask it something (the schools, a parent session)."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


@pytest.fixture
def snap(snap_compare: Callable[..., bool]) -> ContrastSnap:
    """Takes the picture at 80×24 in the high-contrast theme (as the conftest's ``snap`` does
    otherwise: no animations, no blinking cursors)."""

    def compare(
        screen: Screen[Any], *, run_before: Any = None, press: tuple[str, ...] = ()
    ) -> bool:
        app: App[Any] = host(screen)
        app.animation_level = "none"
        register_themes(app)

        async def prepare(pilot: Pilot[Any]) -> None:
            pilot.app.theme = HIGH_CONTRAST
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            if press:
                await pilot.press(*press)
            freeze_cursors(pilot.app)
            await pilot.pause()

        return snap_compare(app, terminal_size=SIZE, run_before=prepare)

    return compare


def looking_for() -> StudentForm:
    """A form answered up to the school: 父親, 高中 and the tutorial's student's ID."""
    return StudentForm(
        relationship=RelationshipChoice(Relationship.FATHER),
        level=Level.SENIOR_HIGH,
        typed_id="A123456789",
        student_id=parse_id("A123456789", field="student_id"),
    )


def test_contrast_welcome(snap: ContrastSnap) -> None:
    """Welcome: 親子綁定 and 查詢申請進度 as large yellow-framed buttons, white words on black."""
    assert snap(WelcomeScreen(chrome()))


def test_contrast_contact(snap: ContrastSnap, registry: LiveRegistry) -> None:
    """Contact: 電子郵件信箱 ``(*)``, 行動電話 ``( )``, the field, 取得驗證碼 in view."""
    assert snap(ContactScreen(chrome(), client=live_client(registry)))


def test_contrast_code(snap: ContrastSnap, registry: LiveRegistry) -> None:
    """Code: the six boxes, 確認 in view."""
    contact, challenge = challenge_to("cooc123@gmail.com")
    screen = CodeScreen(
        chrome(), client=live_client(registry), contact=contact, challenge=challenge
    )
    assert snap(screen)


def test_contrast_student_relationship(snap: ContrastSnap) -> None:
    """Student 1/4: the roles and relationships as ``( )`` / ``(*)``, ``>`` on 父親."""
    assert snap(RelationshipScreen(chrome(), form=StudentForm()))


def test_contrast_student_id(snap: ContrastSnap) -> None:
    """Student 2/4: the five levels, 高中 ``(*)``, the ID typed."""
    form = looking_for()
    assert snap(StudentIdScreen(chrome(), form=form))


def test_contrast_student_school(snap: ContrastSnap, registry: LiveRegistry) -> None:
    """Student 3/4: the search and the 高中 schools, 日曜 chosen ``(*)``, 下一步 in view."""
    session, _ = parent_session(registry, "contrast.school@example.com")
    form = looking_for()
    form.school_code = "353301"
    screen = SchoolScreen(chrome(), client=live_client(registry), session=session, form=form)

    async def loaded(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: not screen.is_busy, "the schools")

    assert snap(screen, run_before=loaded)


def test_contrast_student_confirm(snap: ContrastSnap) -> None:
    """Student 4/4: 陳曉明's details framed in green, 林小華 already added with 移除, and
    上一步, 新增綁定學生, 下一步 in view."""
    form = looking_for()
    form.found = CHEN
    assert snap(StudentConfirmScreen(chrome(), form=form, students=(LIN,)))


def test_contrast_consent(snap: ContrastSnap) -> None:
    """Consent: the statement framed, the box ``[ ]`` not ticked (not ``X``), 下一步 in view."""
    assert snap(ConsentScreen(chrome(), statement=load_statement("zh_TW")))


def test_contrast_consent_ticked(snap: ContrastSnap) -> None:
    """Consent ticked: ``[x]``, the focus mark ``>`` on it."""

    async def tick(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#agree").focus()

    assert snap(
        ConsentScreen(chrome(), statement=load_statement("zh_TW"), accepted=True), run_before=tick
    )


def test_contrast_parent(snap: ContrastSnap, registry: LiveRegistry) -> None:
    """Parent: 家長身分證字號 with 驗證, the reminder, 下一步 in view."""
    session, _ = parent_session(registry, "contrast.parent@example.com")
    screen = ParentScreen(
        chrome(),
        client=live_client(registry),
        session=session,
        contact=Contact(Channel.EMAIL, "contrast.parent@example.com"),
    )
    assert snap(screen)


def test_contrast_review(snap: ContrastSnap) -> None:
    """Review: the students and the parent, the signature pad, 送出資料 in view."""

    async def submit(_signature: Any) -> SubmitOutcome:
        return SubmitOutcome("KT1-20260901-0001", uploaded=True)

    assert snap(ReviewScreen(chrome(), students=(CHEN, LIN), parent=MEI, submit=submit))


def test_contrast_progress(snap: ContrastSnap) -> None:
    """Progress: 申請 and 不通過 rows, 重新載入 and 登出服務 in view."""
    rows = (
        ProgressRow("陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.PENDING),
        ProgressRow("林小華", "臺北市立松山高級工業職業學校", "三年一班", StudentStatus.APPROVED),
    )
    view = ProgressView(rows)

    async def load() -> ProgressView:
        return view

    assert snap(ProgressScreen(chrome(), view=view, load=load, can_add=True))


def test_contrast_confirm_dialog(snap: ContrastSnap) -> None:
    """A confirm dialog (註銷全部紀錄): the safe answer 不，保留 on the left has the focus."""
    dialog = ConfirmScreen(chrome().translator, question="確定要註銷全部紀錄嗎？", confirm="註銷")
    assert snap(dialog)


def test_contrast_still_there(snap: ContrastSnap, registry: LiveRegistry) -> None:
    """「仍在使用嗎？」 over the contact step: the countdown and 繼續使用, framed, readable."""

    async def ask(pilot: Pilot[Any]) -> None:
        await pilot.app.push_screen(StillThereScreen(Translator("zh_TW"), 20))

    assert snap(ContactScreen(chrome(), client=live_client(registry)), run_before=ask)


def test_contrast_help(snap: ContrastSnap) -> None:
    """F1 on the relationship question: the help text and 關閉, over the step."""
    assert snap(RelationshipScreen(chrome(), form=StudentForm()), press=("f1",))
