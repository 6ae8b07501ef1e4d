"""Pictures of every parent screen in English, at 100×32 (the words of kiosk/locale/en).

The kiosk is set to zh_TW; a parent switched with the footer's 中文/English, so each picture's
footer offers 「F2 中文」 back. The roster's names (school, class, student) stay as they are.
Registry answers come from a registry running for real on 127.0.0.1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from kiosk.domain.people import Relationship, RelationshipChoice
from kiosk.domain.status import StudentStatus
from screens.base import Chrome
from screens.code import CodeScreen
from screens.consent import ConsentScreen
from screens.contact import ContactScreen
from screens.parent import ParentScreen
from screens.progress import ProgressRow, ProgressScreen, ProgressView
from screens.review import ReviewScreen, SubmitOutcome
from screens.student import StudentForm
from screens.student_confirm import StudentConfirmScreen
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.student_school import SchoolScreen
from screens.welcome import WelcomeScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry, wait_for
from tests.e2e.scenes import (
    CHEN,
    LIN,
    MEI,
    WANG,
    challenge_to,
    demo_feed,
    host,
    live_client,
    parent_session,
    settled,
)
from tests.snapshots.conftest import Snap
from tests.snapshots.test_screens_student import loaded, looking_for


@pytest.fixture
def terminal_size() -> tuple[int, int]:
    """English is pictured at 100×32 (the 80×24 pictures are the Chinese ones')."""
    return (100, 32)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's pictures."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def english(demo: Any = None) -> Chrome:
    """The words in English (as after the parent's switch), the tutorial's support line."""
    return Chrome(Translator("en"), demo=demo)


def error_shown(selector: str) -> Any:
    """A run_before that waits until the error line ``selector`` says something."""

    async def wait(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: bool(pilot.app.screen.query(f"{selector}.-shown")), selector)

    return wait


def test_welcome_in_english(snap: Snap) -> None:
    """Parent–student binding: what it is, the two large buttons, how to check progress; the
    footer: Helpline …, F2 中文, F1 Help."""
    assert snap(host(WelcomeScreen(english())))


def test_welcome_help_in_english(snap: Snap) -> None:
    """F1: the help in English, with its bold headings, and Close."""
    assert snap(host(WelcomeScreen(english())), press=["f1"])


def test_demo_banner_in_english(snap: Snap, tmp_path: Path) -> None:
    """Demo mode: 「Demo mode (Ctrl+Q quits): the code sent to co***@gmail.com is 549497」."""
    feed = demo_feed(tmp_path, Contact(Channel.EMAIL, "cooc123@gmail.com"))
    assert snap(host(WelcomeScreen(english(feed))))


def test_contact_in_english(snap: Snap, registry: LiveRegistry) -> None:
    """Email address chosen, an address typed; the 1-hour validity and the two-SMS rule; Back
    left, Get verification code right."""
    screen = ContactScreen(english(), client=live_client(registry), typed="cooc123@gmail.com")
    assert snap(host(screen))


def test_contact_error_in_english(snap: Snap, registry: LiveRegistry) -> None:
    """A landline for a code: the error under the field in English."""
    screen = ContactScreen(english(), client=live_client(registry), channel=Channel.SMS)

    async def landline(pilot: Pilot[Any]) -> None:
        await pilot.press(*"0287986336", "enter")
        await error_shown("#address-error")(pilot)

    assert snap(host(screen), run_before=landline)


def test_code_in_english(snap: Snap, registry: LiveRegistry) -> None:
    """Please enter the verification code; sent to co***@gmail.com; three digits typed; Back and
    Get a new code left, Confirm right."""
    contact, challenge = challenge_to("cooc123@gmail.com")
    screen = CodeScreen(
        english(), client=live_client(registry), contact=contact, challenge=challenge
    )
    assert snap(host(screen), press=["5", "4", "9"])


def test_student_in_english(snap: Snap) -> None:
    """The student's first question in English: the relationship, nothing chosen yet."""
    assert snap(host(RelationshipScreen(english(), form=StudentForm())))


def test_student_id_in_english(snap: Snap) -> None:
    """The student's level and ID number in English, nothing chosen yet."""
    form = StudentForm(relationship=RelationshipChoice(Relationship.FATHER))
    assert snap(host(StudentIdScreen(english(), form=form)))


def test_student_school_in_english(snap: Snap, registry: LiveRegistry) -> None:
    """The school question in English: the level and the masked ID above, the search field and
    the senior high schools, none chosen (the roster's names stay as the roster has them)."""
    session, _challenge = parent_session(registry, "english.school@example.com")
    screen = SchoolScreen(
        english(), client=live_client(registry), session=session, form=looking_for()
    )

    async def schools(pilot: Pilot[Any]) -> None:
        await loaded(pilot)

    assert snap(host(screen), run_before=settled(schools))


def test_student_confirmed_in_english(snap: Snap) -> None:
    """The tutorial's student shown again to confirm: his name, class and school as the roster
    has them, the relationship Father in English."""
    form = StudentForm(relationship=RelationshipChoice(Relationship.FATHER), found=CHEN)
    screen = StudentConfirmScreen(english(), form=form)
    assert snap(host(screen))


def test_consent_in_english(snap: Snap) -> None:
    """The statement in English (the same version), its date in ISO, the box not ticked."""
    screen = ConsentScreen(english(), statement=load_statement("zh_TW"))
    assert snap(host(screen))


def test_consent_not_ticked_in_english(snap: Snap) -> None:
    """Next without the box: the error in English under the box."""
    screen = ConsentScreen(english(), statement=load_statement("zh_TW"))

    async def next_unticked(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#next").scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click("#next")
        await error_shown("#consent-error")(pilot)

    assert snap(host(screen), run_before=settled(next_unticked))


def test_parent_in_english(snap: Snap, registry: LiveRegistry) -> None:
    """A new parent's details shown again: the ID masked with Change, name, email (with its
    login hint), phone, the reminder; Back left, Next right."""
    session, _challenge = parent_session(registry, "english.parent@example.com")
    screen = ParentScreen(
        english(),
        client=live_client(registry),
        session=session,
        contact=Contact(Channel.EMAIL, "lin.mei@example.com"),
        prefill=MEI,
    )
    assert snap(host(screen))


def test_parent_existing_account_in_english(snap: Snap, registry: LiveRegistry) -> None:
    """The tutorial's parent with an account: the notice, his details masked and read-only."""
    session, _challenge = parent_session(registry, "english.wang@example.com")
    screen = ParentScreen(english(), client=live_client(registry), session=session, prefill=WANG)
    assert snap(host(screen))


async def _submit(_signature: Any) -> SubmitOutcome:
    return SubmitOutcome("KT1-20260901-0001", uploaded=True)


def test_review_in_english(snap: Snap) -> None:
    """Please check that everything is correct: both students with their relationships in
    English (Father; the guardian's own 姑姑 as typed), the parent's details masked, the email
    warning, the signature pad; Back to edit left, Submit right."""
    screen = ReviewScreen(english(), students=(CHEN, LIN), parent=MEI, submit=_submit)
    assert snap(host(screen))


def test_progress_in_english(snap: Snap) -> None:
    """After submitting: the thanks, the receipt, each status in English (Approved, Under review
    with Cancel, Not approved with the reviewer's reason as written)."""
    rows = (
        ProgressRow("吳○寶", "", "", StudentStatus.APPROVED, binding_id=uuid.UUID(int=1)),
        ProgressRow(
            "陳曉明",
            "臺北市私立日曜學校",
            "資訊二忠",
            StudentStatus.PENDING,
            binding_id=uuid.UUID(int=2),
        ),
        ProgressRow(
            "林小華",
            "臺北市立日新國民小學",
            "三年一班",
            StudentStatus.REJECTED,
            "紙本同意書未繳回",
            binding_id=uuid.UUID(int=3),
        ),
    )
    view = ProgressView(rows)

    async def load() -> ProgressView:
        return view

    async def cancel(_row: ProgressRow) -> ProgressView:
        return view

    async def purge() -> tuple[int, ProgressView]:
        return 0, view

    screen = ProgressScreen(
        english(),
        view=view,
        load=load,
        cancel=cancel,
        purge=purge,
        can_add=True,
        receipt="KT1-20260901-0001",
    )
    assert snap(host(screen))
