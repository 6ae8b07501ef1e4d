"""Pictures of step 1 — the contact and the code — in each state, at 100×32 and 80×24.

States the registry decides (the SMS limit, a wrong code, a dead code) are reached against a
registry running for real on 127.0.0.1; an unreachable registry is a port nothing listens on, a
busy one a server that never answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.domain.contact import Channel, Contact
from screens.code import CodeScreen
from screens.contact import ContactScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry, wait_for
from tests.e2e.scenes import (
    challenge_to,
    chrome,
    demo_feed,
    host,
    live_client,
    settled,
    silent_registry,
    unreachable_client,
)
from tests.snapshots.conftest import Snap


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's pictures."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def error_shown(selector: str) -> Any:
    """A run_before that waits until the error line ``selector`` says something."""

    async def wait(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: bool(pilot.app.screen.query(f"{selector}.-shown")), selector)

    return wait


# --- contact ---------------------------------------------------------------------------------


def test_contact_empty(snap: Snap, registry: LiveRegistry) -> None:
    """請輸入您個人的聯繫資訊以取得驗證碼; 電子郵件信箱 chosen, its field empty and focused with
    the example placeholder; the 1-hour validity and the two-SMS rule; 返回 left, 取得驗證碼 right;
    ``[1 驗證]`` highlighted in the header."""
    assert snap(host(ContactScreen(chrome(), client=live_client(registry))))


def test_contact_email_typed(snap: Snap, registry: LiveRegistry) -> None:
    """The email typed as the tutorial shows it: COOC123@gmail.com."""
    screen = ContactScreen(chrome(), client=live_client(registry), typed="COOC123@gmail.com")
    assert snap(host(screen))


def test_contact_mobile_chosen(snap: Snap, registry: LiveRegistry) -> None:
    """行動電話 chosen: the phone field (placeholder 電話號碼) replaces the email field."""

    async def mobile(pilot: Pilot[Any]) -> None:
        await pilot.click("#channel-sms")

    assert snap(
        host(ContactScreen(chrome(), client=live_client(registry))), run_before=settled(mobile)
    )


def test_contact_email_not_valid(snap: Snap, registry: LiveRegistry) -> None:
    """An address that is not one: 「電子郵件信箱格式不正確。」 right under the field."""
    screen = ContactScreen(chrome(), client=live_client(registry), typed="cooc123@")
    assert snap(host(screen), press=["enter"])


def test_contact_landline_for_a_code(snap: Snap, registry: LiveRegistry) -> None:
    """A landline cannot receive a code: the refusal under the number says to use email."""
    screen = ContactScreen(
        chrome(), client=live_client(registry), channel=Channel.SMS, typed="(02)8798-6336"
    )
    assert snap(host(screen), press=["enter"])


def test_contact_third_text_message_refused(snap: Snap, registry: LiveRegistry) -> None:
    """The registry refuses a third SMS within the hour: the tutorial's rule and the advice to
    use email, under the number."""
    client = live_client(registry)
    screen = ContactScreen(chrome(), client=client, channel=Channel.SMS, typed="0966 000 111")

    async def two_sent(pilot: Pilot[Any]) -> None:
        while len(registry.codes_sent(Channel.SMS, "0966000111")) < 2:
            await client.request_code(Channel.SMS, "+886966000111")

    async def third(pilot: Pilot[Any]) -> None:
        await two_sent(pilot)
        await pilot.press("enter")
        await error_shown("#address-error")(pilot)

    assert snap(host(screen), run_before=settled(third))


def test_contact_busy(snap: Snap, registry: LiveRegistry) -> None:
    """While the registry has not answered, 取得驗證碼 shows a spinner (⠋) in its own label; the
    rest of the screen stays as it was."""
    with silent_registry(registry) as client:
        screen = ContactScreen(chrome(), client=client, typed="cooc123@gmail.com")
        assert snap(host(screen), press=["enter"])


def test_contact_registry_unreachable(snap: Snap, registry: LiveRegistry) -> None:
    """No registry: 「目前無法連線至服務主機，請檢查網路或稍後再試；若持續發生，請洽學校辦公室。」
    under the field, and the button is usable again."""
    screen = ContactScreen(chrome(), client=unreachable_client(registry), typed="cooc123@gmail.com")

    async def refused(pilot: Pilot[Any]) -> None:
        await pilot.press("enter")
        await error_shown("#address-error")(pilot)

    assert snap(host(screen), run_before=settled(refused))


# --- code ------------------------------------------------------------------------------------


def code_screen(registry: LiveRegistry, tmp_path: Path, *, demo: bool = False) -> CodeScreen:
    """The code step for cooc123@gmail.com (in demo mode with its code in the banner)."""
    contact, challenge = challenge_to("cooc123@gmail.com")
    feed = demo_feed(tmp_path, contact) if demo else None
    return CodeScreen(
        chrome(feed), client=live_client(registry), contact=contact, challenge=challenge
    )


def test_code_empty(snap: Snap, registry: LiveRegistry, tmp_path: Path) -> None:
    """請輸入驗證碼, 「驗證碼已寄至 co***@gmail.com。」, six empty boxes with the cursor in the
    first, 「驗證碼時效為1小時，使用後即失效。」; 返回 and 重新取得驗證碼 left, 確認
    right."""
    assert snap(host(code_screen(registry, tmp_path)))


def test_code_in_demo_mode(snap: Snap, registry: LiveRegistry, tmp_path: Path) -> None:
    """Demo mode: the banner shows the code sent (549497), so a newcomer can go on alone."""
    assert snap(host(code_screen(registry, tmp_path, demo=True)))


def test_code_typed(snap: Snap, registry: LiveRegistry, tmp_path: Path) -> None:
    """Six digits typed (the tutorial's 549497, full-width ones too): all boxes filled, 確認
    focused for Enter."""
    assert snap(host(code_screen(registry, tmp_path)), press=["5", "4", "9", "４", "９", "７"])


def test_code_incomplete(snap: Snap, registry: LiveRegistry, tmp_path: Path) -> None:
    """確認 with four digits: 「驗證碼為6位數字。」 under red boxes."""

    async def four(pilot: Pilot[Any]) -> None:
        await pilot.press("1", "2", "3", "4")
        await pilot.click("#confirm")

    assert snap(host(code_screen(registry, tmp_path)), run_before=settled(four))


def test_code_wrong(snap: Snap, registry: LiveRegistry) -> None:
    """A wrong code: 「驗證碼錯誤，還可以再試4次。」, the boxes emptied for another try."""
    client = live_client(registry)
    contact = Contact(Channel.EMAIL, "wrong.picture@example.com")

    async def wrong(pilot: Pilot[Any]) -> None:
        challenge = await client.request_code(contact.channel, contact.address)
        screen = CodeScreen(chrome(), client=client, contact=contact, challenge=challenge)
        await pilot.app.push_screen(screen)
        right = registry.code_for(Channel.EMAIL, contact.address)
        await pilot.press(*f"{(int(right) + 1) % 1_000_000:06d}")
        await pilot.click("#confirm")
        await error_shown("#code-error")(pilot)

    assert snap(host(ContactScreen(chrome(), client=client)), run_before=settled(wrong))


def test_code_dead_after_five_wrong(snap: Snap, registry: LiveRegistry) -> None:
    """The fifth wrong code kills it: 「驗證碼輸入錯誤次數過多，已失效，請重新取得驗證碼。」."""
    client = live_client(registry)
    contact = Contact(Channel.EMAIL, "dead.picture@example.com")

    async def dead(pilot: Pilot[Any]) -> None:
        challenge = await client.request_code(contact.channel, contact.address)
        screen = CodeScreen(chrome(), client=client, contact=contact, challenge=challenge)
        await pilot.app.push_screen(screen)
        right = registry.code_for(Channel.EMAIL, contact.address)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(5):
            screen.clear_errors()
            await pilot.press(*wrong)
            await pilot.click("#confirm")
            await error_shown("#code-error")(pilot)

    assert snap(host(ContactScreen(chrome(), client=client)), run_before=settled(dead))


def test_code_sent_again(snap: Snap, registry: LiveRegistry) -> None:
    """重新取得驗證碼: 「已重新寄送驗證碼至 re***@example.com，先前的驗證碼已失效。」."""
    client = live_client(registry)
    contact = Contact(Channel.EMAIL, "resent.picture@example.com")

    async def resent(pilot: Pilot[Any]) -> None:
        challenge = await client.request_code(contact.channel, contact.address)
        screen = CodeScreen(chrome(), client=client, contact=contact, challenge=challenge)
        await pilot.app.push_screen(screen)
        await pilot.click("#resend")
        await wait_for(pilot, lambda: screen.challenge != challenge, "the new code")

    assert snap(host(ContactScreen(chrome(), client=client)), run_before=settled(resent))
