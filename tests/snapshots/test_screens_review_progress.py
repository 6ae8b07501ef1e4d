"""Pictures of the review (step 4), at 100×32 and 80×24 (the progress page: test_screens_progress).

Driven with constructor data: the review gets the students, the parent and a 送出資料 that signs a
real Draft (so the signature's errors are the domain's own).
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot

from kiosk.domain.draft import Draft, ParentDetails, Signature
from kiosk.domain.errors import DomainError, ErrorCode
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
