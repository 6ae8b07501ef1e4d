"""Pictures of the review (step 4) and the progress page, at 100×32 and 80×24.

Both are driven with constructor data: the review gets the students, the parent and a 送出資料
that signs a real Draft (so the signature's errors are the domain's own); the progress page gets
the rows the flow would load.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot

from kiosk.domain.draft import Draft, ParentDetails, Signature
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import StudentStatus
from screens.progress import ProgressRow, ProgressScreen, ProgressView
from screens.review import ReviewScreen, Submit, SubmitOutcome
from tests.e2e.scenes import CHEN, LIN, MEI, WANG, chrome, host, settled
from tests.snapshots.conftest import Snap


async def type_signature(pilot: Pilot[Any], name: str) -> None:
    """Scrolls to the name field under the pad, as a parent would, and types ``name``."""
    pilot.app.screen.query_one("#signature-name").scroll_visible(animate=False)
    await pilot.pause()
    await pilot.click("#signature-name")
    await pilot.press(*name)


def signing(parent: ParentDetails) -> Submit:
    """送出資料 as far as signing a real Draft (what is shown when the signature is refused)."""
    draft = Draft()
    draft.add_student(CHEN)
    draft.accept_consent("2026.1")
    draft.set_parent(parent)

    async def submit(signature: Signature) -> SubmitOutcome:
        draft.sign(signature)
        return SubmitOutcome("KT1-20260901-0001", uploaded=True)

    return submit


def review(parent: ParentDetails = MEI, **data: Any) -> ReviewScreen:
    """The review of 陳曉明 and 林小華 (姑姑) for ``parent``."""
    data.setdefault("submit", signing(parent))
    return ReviewScreen(chrome(), students=(CHEN, LIN), parent=parent, **data)


def test_review_new_parent(snap: Snap) -> None:
    """請再次確認填寫資料是否正確: 學生資訊 (陳曉明 父親, 林小華 姑姑, with school and class),
    個人資訊 (林美惠, ID A223***81, phone 09***78 masked, lin.mei@example.com), the warning
    「信箱為家長帳號及審核通知位址，請務必填寫正確」, 電子簽名 「請務必簽署全名」 with the pad;
    返回修改 left, 送出資料 right."""
    assert snap(host(review()))


def test_review_existing_account(snap: Snap) -> None:
    """An account's details as the registry masked them: 王○明, YA94***61, 09***45,
    an***@hy-tech.com.tw."""
    assert snap(host(review(WANG)))


def test_review_signed_by_hand(snap: Snap) -> None:
    """A signature drawn on the pad (kept when coming back), in braille dots."""
    strokes = (
        tuple((x, 6 + (x % 7)) for x in range(4, 60)),
        tuple((30 + y // 2, y) for y in range(2, 24)),
    )
    assert snap(host(review(signature=Signature(strokes=strokes))))


def test_review_not_signed(snap: Snap) -> None:
    """送出資料 without a signature: 「請務必簽署全名。」 under the pad, nothing sent."""

    async def unsigned(pilot: Pilot[Any]) -> None:
        await pilot.click("#submit")

    assert snap(host(review()), run_before=settled(unsigned))


def test_review_typed_name_not_the_parents(snap: Snap) -> None:
    """A typed name that is not the parent's: 「簽名須與家長姓名相同。」 under the pad."""

    async def wrong_name(pilot: Pilot[Any]) -> None:
        await type_signature(pilot, "林美美")
        await pilot.click("#submit")

    assert snap(host(review()), run_before=settled(wrong_name))


def test_review_email_taken(snap: Snap) -> None:
    """The registry refused the email: its sentence and the hint right under the email, and
    「此學生已有您的綁定申請」-style refusals would appear at the foot."""
    error = DomainError(ErrorCode.PARENT_EMAIL_TAKEN, field="parent.email")
    assert snap(host(review(error=error)))


def test_review_student_refused(snap: Snap) -> None:
    """The registry refused one student: the refusal names that student at the foot —
    「林小華：此學生已有您的綁定申請，正在等待審核。」."""
    error = DomainError(ErrorCode.STUDENT_ALREADY_PENDING, field="students.1.student_id")
    assert snap(host(review(error=error)))


def test_review_sending(snap: Snap) -> None:
    """While the application is saved and sent, 送出資料 spins; 返回修改 waits."""
    never = asyncio.Event()

    async def slow(signature: Signature) -> SubmitOutcome:
        await never.wait()
        raise AssertionError("the picture is taken before")

    async def send(pilot: Pilot[Any]) -> None:
        await type_signature(pilot, "林美惠")
        await pilot.click("#submit")

    assert snap(host(review(submit=slow)), run_before=settled(send))


# --- progress --------------------------------------------------------------------------------

ROWS = (
    ProgressRow("吳大寶", "臺北市立內湖高級工業職業學校", "機械二忠", StudentStatus.APPROVED),
    ProgressRow("吳二寶", "臺北市立日新國民小學", "五年二班", StudentStatus.APPROVED),
    ProgressRow("陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.PENDING),
    ProgressRow(
        "林小華", "臺北市立日新國民小學", "三年一班", StudentStatus.REJECTED, "紙本同意書未繳回"
    ),
)


async def _nothing_new() -> ProgressView:
    return ProgressView(ROWS)


def test_progress_after_submitting(snap: Snap) -> None:
    """感謝您申請臺北市單一身分驗證親子帳號, 收件編號, 目前申請進度 with 重新載入, the table
    學生 / 學校／班級 / 狀態 with 認證 (green), 申請, 不通過（紙本同意書未繳回）(red); the account
    rule (email, last six of the ID, changed at first login); 登出服務 right; all steps ✓."""
    screen = ProgressScreen(
        chrome(), view=ProgressView(ROWS), load=_nothing_new, receipt="KT1-20260901-0001"
    )
    assert snap(host(screen))


def test_progress_saved_offline(snap: Snap) -> None:
    """The registry away at 送出資料: 「已儲存，網路恢復後自動上傳…」 under the receipt, the new
    students 待上傳 (grey, italic), and the note that this is what the kiosk knows."""
    rows = (
        ProgressRow("陳曉明", "臺北市私立日曜學校", "資訊二忠", StudentStatus.QUEUED),
        ProgressRow("林小華", "臺北市立日新國民小學", "三年一班", StudentStatus.QUEUED),
    )
    screen = ProgressScreen(
        chrome(),
        view=ProgressView(rows, stale=True),
        load=_nothing_new,
        receipt="KT1-20260901-0002",
        uploaded=False,
    )
    assert snap(host(screen))


def test_progress_nothing_yet(snap: Snap) -> None:
    """Checking progress for a contact with no application: 「此信箱或手機目前尚無申請紀錄。」."""
    screen = ProgressScreen(chrome(), view=ProgressView(()), load=_nothing_new)
    assert snap(host(screen))


def test_progress_reload_fails(snap: Snap) -> None:
    """重新載入 when the session has expired: the reason beside the table's heading."""

    async def expired() -> ProgressView:
        raise DomainError(ErrorCode.SESSION_EXPIRED)

    screen = ProgressScreen(chrome(), view=ProgressView(ROWS[:2]), load=expired)

    async def reload(pilot: Pilot[Any]) -> None:
        await pilot.click("#reload")
        await pilot.pause(0.1)

    assert snap(host(screen), run_before=settled(reload))
