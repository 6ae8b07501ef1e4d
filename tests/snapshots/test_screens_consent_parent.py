"""Pictures of step 3 (the personal-data statement) and step 4's parent details, at 100×32 and
80×24. The parent look-up comes from a registry running for real (demo data: 王曉明 has an
account); details shown again after 返回 come in through the screen's constructor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import DomainError, ErrorCode
from screens.consent import ConsentScreen
from screens.parent import ParentScreen
from tests.e2e.live import LiveRegistry, demo_template, running_registry, wait_for
from tests.e2e.scenes import MEI, WANG, chrome, host, live_client, parent_session, settled
from tests.snapshots.conftest import Snap


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's pictures."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


# --- consent ---------------------------------------------------------------------------------


def consent(accepted: bool = False) -> ConsentScreen:
    """The statement in Traditional Chinese."""
    return ConsentScreen(chrome(), statement=load_statement("zh_TW"), accepted=accepted)


def test_consent_statement(snap: Snap) -> None:
    """請詳閱以下個資使用聲明: the statement in a framed, focused scroll box beginning with the
    city's paragraph; its version and date; 「本人已詳閱並同意以上條款聲明」 not ticked
    (``[ ]``); 返回 and 不同意並退出 (red) left, 下一步 right; ``✓1 驗證 >✓2 學生 >[3 同意]``
    in the header."""
    assert snap(host(consent()))


def test_consent_scrolled_to_the_end(snap: Snap) -> None:
    """Scrolled to the end with the keys: 九、不提供個人資料之影響 and 十、其他 (each application
    records the version accepted) in view."""
    assert snap(host(consent()), press=["end"])


def test_consent_not_ticked(snap: Snap) -> None:
    """下一步 without the tick: 「請先勾選「本人已詳閱並同意以上條款聲明」再繼續。」 under the
    box."""

    async def next_unticked(pilot: Pilot[Any]) -> None:
        await pilot.click("#next")

    assert snap(host(consent()), run_before=settled(next_unticked))


def test_consent_ticked(snap: Snap) -> None:
    """The box ticked (as when coming back with 返回)."""
    assert snap(host(consent(accepted=True)))


# --- parent ----------------------------------------------------------------------------------


def parent(registry: LiveRegistry, address: str, **data: Any) -> ParentScreen:
    """The parent step for a parent verified with ``address``."""
    session, _challenge = parent_session(registry, address)
    return ParentScreen(
        chrome(),
        client=live_client(registry),
        session=session,
        contact=Contact(Channel.EMAIL, address),
        **data,
    )


async def verified(pilot: Pilot[Any], parent_id: str) -> None:
    """Types the parent's ID, presses 驗證 and waits for the details."""
    await pilot.click("#parent-id")
    await pilot.press(*parent_id)
    await pilot.click("#verify")
    await wait_for(pilot, lambda: bool(pilot.app.screen.query_one("#details").display), "details")


def test_parent_empty(snap: Snap, registry: LiveRegistry) -> None:
    """請填寫家長資料: 家長身分證字號 with 驗證, and the reminder 「提醒您，送出資料不等於完成綁定
    流程，請於下頁查看目前申請進度。」; 返回 left, 下一步 right; ``[4 家長]`` in the header."""
    assert snap(host(parent(registry, "parent.empty@example.com")))


def test_parent_next_before_verifying(snap: Snap, registry: LiveRegistry) -> None:
    """下一步 before 驗證: 「請先輸入身分證字號並點選「驗證」。」 under the ID."""

    async def early(pilot: Pilot[Any]) -> None:
        await pilot.click("#next")

    assert snap(host(parent(registry, "parent.early@example.com")), run_before=settled(early))


def test_parent_existing_account(snap: Snap, registry: LiveRegistry) -> None:
    """The tutorial's 王曉明 (YA94109161): 「您已申請臺北市校園單一身分驗證帳號」, his ID shown as
    YA94***61 with 修改, and name, email and phone masked and read-only (王○明,
    an***@hy-tech.com.tw, 09***45)."""

    async def wang(pilot: Pilot[Any]) -> None:
        await verified(pilot, "YA94109161")

    assert snap(host(parent(registry, "parent.wang@example.com")), run_before=settled(wang))


def test_parent_new_suggested_email(snap: Snap, registry: LiveRegistry) -> None:
    """A parent without an account: 家長姓名 (focused), 電子郵件信箱 filled with the address just
    verified and 「此信箱將作為登入帳號。」 under it, 行動電話/市話號碼."""

    async def new(pilot: Pilot[Any]) -> None:
        await verified(pilot, "A223456781")

    assert snap(host(parent(registry, "lin.mei@example.com")), run_before=settled(new))


def test_parent_new_details_not_valid(snap: Snap, registry: LiveRegistry) -> None:
    """下一步 with the details wrong: each says why under its field (name empty, email not valid,
    a foreign phone number)."""

    async def wrong(pilot: Pilot[Any]) -> None:
        await verified(pilot, "A223456781")
        screen = pilot.app.screen
        await pilot.click("#email")
        screen.query_one("#email", Input).value = ""
        await pilot.press(*"lin.mei@")
        await pilot.click("#phone")
        await pilot.press(*"+1 212 555 0100")
        await pilot.click("#next")

    assert snap(host(parent(registry, "parent.wrong@example.com")), run_before=settled(wrong))


def test_parent_shown_again(snap: Snap, registry: LiveRegistry) -> None:
    """Coming back with 返回: the details typed before (林美惠, lin.mei@example.com,
    0912345678) and the ID masked."""
    assert snap(host(parent(registry, "parent.again@example.com", prefill=MEI)))


def test_parent_email_taken(snap: Snap, registry: LiveRegistry) -> None:
    """Back from a refused review: 「此E-mail已有申請紀錄，不得再次申請。請先確認家長是否互相使用
    到相同的郵件信箱去做申請。」 under the email."""
    error = DomainError(ErrorCode.PARENT_EMAIL_TAKEN, field="parent.email")
    assert snap(host(parent(registry, "parent.taken@example.com", prefill=MEI, error=error)))


def test_parent_existing_shown_again(snap: Snap, registry: LiveRegistry) -> None:
    """An account's details shown again: masked and read-only, with the account notice."""
    assert snap(host(parent(registry, "parent.wang2@example.com", prefill=WANG)))
