"""What ``kiosk sync`` prints: what the run moved, as a table and a summary line, in words.

Only the CLI imports this module (it brings ``rich``); the sync worker itself reports in plain
records (:class:`kiosk.sync.SyncReport`). Receipt numbers and error codes are shown, never
personal data.
"""

from __future__ import annotations

from typing import Final

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from kiosk.domain.errors import N_, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.status import STATUS_WORDS, StudentStatus
from kiosk.sync import Outcome, SyncReport, summarise
from store.local.applications import TAIPEI

RECEIPT: Final = N_("Receipt")
WHAT: Final = N_("What happened")
DETAIL: Final = N_("Details")
OUTCOME_LABELS: Final = {
    Outcome.UPLOADED: N_("Uploaded"),
    Outcome.REFUSED: N_("Refused by the registry"),
    Outcome.DEFERRED: N_("Still waiting to upload"),
}
NEXT_TRY: Final = N_("next try at {time}")
STATUS_CHANGED: Final = N_("Status changed")
STUDENT_MOVED: Final = N_("Student {number}: {before} → {after}")
CANCELLED: Final = N_("cancelled by the parent")
REDUCED: Final = N_("Reduced to its receipt")
REDUCED_DETAIL: Final = N_("the personal data was deleted after the retention period")
MORE_ROWS: Final = N_("… and {count} more")
SUMMARY: Final = N_(
    "{uploaded} uploaded, {refused} refused, {deferred} still waiting, {changes} status "
    "changes, {reduced} reduced to their receipt; {waiting} waiting to upload in all."
)
UNREACHABLE_NOW: Final = N_("The registry could not be asked ({reason}); nothing was uploaded.")
#: Rows of the table at most (a drained backlog of thousands is summed up, not listed).
MAX_ROWS: Final = 40


def render_report(report: SyncReport, translator: Translator) -> list[RenderableType]:
    """What ``kiosk sync`` prints: a table of what moved and a summary line, in the catalog's
    words (receipt numbers, never personal data).

    Args:
        report: What one run moved.
        translator: The words (the kiosk's language).

    Returns:
        The parts to print, in order.
    """
    _ = translator.gettext
    rows: list[tuple[str, str, str]] = []
    for push in report.pushes:
        detail = ""
        if push.outcome is Outcome.UPLOADED:
            detail = "、".join(_(STATUS_WORDS[StudentStatus.at_registry(s)]) for s in push.statuses)
        elif push.code is not None:
            detail = translator.explain(push.code)
            if push.next_attempt_at is not None:
                at = push.next_attempt_at.astimezone(TAIPEI).strftime("%H:%M:%S")
                detail += " (" + _(NEXT_TRY).format(time=at) + ")"
        rows.append((push.receipt, _(OUTCOME_LABELS[push.outcome]), detail))
    for change in report.changes:
        detail = _(STUDENT_MOVED).format(
            number=change.position + 1,
            before=_(STATUS_WORDS[change.before]),
            after=_(STATUS_WORDS[change.after]),
        )
        if change.removed:
            detail += " (" + _(CANCELLED) + ")"
        rows.append((change.receipt, _(STATUS_CHANGED), detail))
    rows += [(receipt, _(REDUCED), _(REDUCED_DETAIL)) for receipt in report.reduced]

    out: list[RenderableType] = []
    if rows:
        table = Table(_(RECEIPT), _(WHAT), _(DETAIL))
        for row in rows[:MAX_ROWS]:
            table.add_row(*row)
        if len(rows) > MAX_ROWS:
            table.add_row("", _(MORE_ROWS).format(count=len(rows) - MAX_ROWS), "")
        out.append(table)
    if report.error is ErrorCode.REGISTRY_UNREACHABLE or (
        report.error is not None and not report.pushes
    ):
        reason = translator.explain(report.error)
        out.append(Text(_(UNREACHABLE_NOW).format(reason=reason), style="bold red"))
    totals = summarise([report])
    out.append(Text(_(SUMMARY).format(waiting=report.health.waiting, **totals)))
    return out
