"""A refusal found at upload reads, on the progress page, as the rule's own words."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.domain.status import StudentStatus
from screens.progress import ProgressRow, ProgressScreen, ProgressView
from tests.e2e.scenes import chrome, host


async def _nothing_new() -> ProgressView:
    return ProgressView(())


async def test_a_refusal_code_is_shown_in_words_and_a_reviewers_reason_as_written() -> None:
    rows = (
        # Refused at upload: the sync worker keeps the registry's code as the reason.
        ProgressRow(
            "陳曉明",
            "臺北市私立日曜學校",
            "資訊二忠",
            StudentStatus.REJECTED,
            "student.left_school",
        ),
        # Rejected by the homeroom teacher: their words.
        ProgressRow(
            "林小華", "臺北市立日新國民小學", "三年一班", StudentStatus.REJECTED, "非本班學生"
        ),
    )
    app = host(ProgressScreen(chrome(), view=ProgressView(rows), load=_nothing_new))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        cells = [str(cell.render()) for cell in app.screen.query(".cell-status").results(Static)]
    assert cells[1:] == ["不通過（此學生已不在該校就讀。）", "不通過（非本班學生）"]
