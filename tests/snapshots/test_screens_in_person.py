"""Pictures of 臨櫃核對身分 (assisted mode), at 100×32 and 80×24: the parent's contact and code
steps with the one extra button, and the staff member's own confirmation screen in its states.

No registry is asked in these pictures (the confirmation's answer is given)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel, parse_contact
from kiosk.domain.documents import IdDocument
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.in_person import InPersonOut
from screens.code import CodeScreen
from screens.contact import ContactScreen
from screens.staff.in_person import InPersonScreen
from tests.e2e.scenes import challenge_to, chrome, host, settled
from tests.snapshots.conftest import Snap

WORDS = Translator("zh_TW")
CONTACT = parse_contact(Channel.EMAIL, "no.signal@example.com")


def _client() -> RegistryClient:
    """A client never called in these pictures."""
    return RegistryClient("http://127.0.0.1:9", kiosk_id=None, key=None)


async def _limit(document: IdDocument) -> InPersonOut:
    raise DomainError(ErrorCode.LIMIT_IN_PERSON, max=20)


def _confirm(vouch: Any = _limit) -> InPersonScreen:
    return InPersonScreen(WORDS, who="李宇宏", contact=CONTACT, vouch=vouch)


def test_contact_assisted(snap: Snap) -> None:
    """The contact step as ever, with 「臨櫃核對身分」 (orange) before 取得驗證碼: only when staff
    started the wizard beside the parent; no staff member's name anywhere."""
    screen = ContactScreen(chrome(), client=_client(), in_person=True)

    async def typed(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#email", Input).value = "no.signal@example.com"

    assert snap(host(screen), run_before=settled(typed))


def test_code_assisted(snap: Snap) -> None:
    """The code step with 「臨櫃核對身分」 between 重新取得驗證碼 and 確認 (the code never
    arrived)."""
    contact, challenge = challenge_to("cooc123@gmail.com")
    screen = CodeScreen(
        chrome(), client=_client(), contact=contact, challenge=challenge, in_person=True
    )
    assert snap(host(screen))


def test_in_person_confirmation(snap: Snap) -> None:
    """Staff header with 李宇宏; 臨櫃核對家長身分, when it is for and that it is recorded; the
    masked contact no***@example.com; 核對的證件 with 請選擇證件; the unticked box 「我已親自核對
    此證件，確認為在場家長本人」; 取消 left, 確認核對 right."""
    assert snap(host(_confirm()))


def test_in_person_not_ticked(snap: Snap) -> None:
    """國民身分證 chosen, the box not ticked, 確認核對: 「請勾選您已核對證件與家長本人相符。」 in
    red, nothing asked."""

    async def confirm(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#in-person-document", Select).value = IdDocument.NATIONAL_ID
        await pilot.click("#in-person-confirm")

    assert snap(host(_confirm()), run_before=settled(confirm))


def test_in_person_over_the_limit(snap: Snap) -> None:
    """Chosen and ticked, 確認核對, the registry refuses (20 a day): 「您今天已臨櫃核對 20 位家長
    的身分…」 in red; the screen stays for 取消."""

    async def confirm(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        screen.query_one("#in-person-document", Select).value = IdDocument.PASSPORT
        screen.query_one("#in-person-seen", Checkbox).value = True
        await pilot.click("#in-person-confirm")
        await pilot.pause()
        await pilot.pause()

    assert snap(host(_confirm()), run_before=settled(confirm))
