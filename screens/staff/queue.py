"""The review queue: the bindings in the staff member's scope (a teacher's classes, an admin's
school, as the registry decides), filtered by status and class and searched by student name;
認證, 不通過 with a reason, and 紙本同意書已收 on the chosen row.

Parent data comes masked from the registry (ID, email, phone); the screen shows it as it comes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import Final, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Select, Static

from kiosk.domain.documents import DOCUMENT_WORDS
from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.people import RELATIONSHIP_LABELS
from kiosk.domain.status import STATUS_WORDS, BindingStatus, StudentStatus
from kiosk.domain.wire import StaffBindingOut
from screens.staff.base import StaffScreen
from screens.staff.reject import RejectScreen

#: Dates are shown as the school sees them.
TAIPEI: Final = ZoneInfo("Asia/Taipei")

HEADING: Final = N_("Applications to review")
ALL_CLASSES: Final = N_("All classes")
SEARCH: Final = N_("Student name")
#: The table's columns: what tells rows apart; the rest of the chosen row is in the detail below
#: (so the queue fits 80 columns without scrolling sideways).
COLUMNS: Final = (
    N_("Student"),
    N_("Class"),
    N_("Relationship"),
    N_("Parent"),
    N_("Paper form"),
    N_("Status"),
)
DETAIL: Final = N_(
    "Receipt {receipt} · Submitted {date} · Parent ID {id} · Email {email} · Phone {phone}"
)
DETAIL_REASON: Final = N_("Reason: {reason}")
IN_PERSON_MARK: Final = N_("(in person)")
DETAIL_IN_PERSON: Final = N_("Verified in person by {staff} ({document}), not by a code")
DETAIL_DECIDED: Final = N_("Decided by {staff} on {date}")
PAPER_RECEIVED: Final = N_("Received {date}")
PAPER_MISSING: Final = N_("Not yet")
APPROVE: Final = N_("Approve")
REJECT: Final = N_("Not approved")
PAPER_FORM: Final = N_("Paper consent form received")
REPRINT: Final = N_("Reprint form")
ASSIST: Final = N_("Help a parent apply")
NO_REPRINT_HERE: Final = N_(
    "Forms can be reprinted only on the kiosk where the application was made: this desk holds "
    "no application data."
)
RELOAD: Final = N_("Reload")
SIGN_OUT: Final = N_("Sign out")
LEAVE_KIOSK: Final = N_("Leave kiosk mode")
KIOSK_HEALTH: Final = N_("Kiosk health")
EMPTY: Final = N_("Nothing to show.")
COUNT: Final = N_("{shown} of {total} shown.")
ACCOUNT_CREATED: Final = N_(
    "{student}: approved. The parent's account was created and the parent was emailed at {email}."
)
PARENT_EMAILED: Final = N_("{student}: approved. The parent was emailed at {email}.")
REJECTED: Final = N_("{student}: not approved. The parent sees the reason.")
PAPER_NOTED: Final = N_("{student}: paper consent form received.")
CHOOSE: Final = N_("Choose a row first.")
NOT_PENDING: Final = N_("Only applications still under review can be approved or rejected.")


class Review(Protocol):
    """What the queue asks of the registry, as the signed-in staff member."""

    async def bindings(self, status: BindingStatus) -> list[StaffBindingOut]:
        """The bindings of ``status`` in scope."""
        ...

    async def approve(self, binding_id: UUID) -> StaffBindingOut:
        """認證."""
        ...

    async def reject(self, binding_id: UUID, reason: str) -> StaffBindingOut:
        """不通過 with the reason."""
        ...

    async def paper_form_received(self, binding_id: UUID) -> StaffBindingOut:
        """紙本同意書已收."""
        ...


class QueueExit(Enum):
    """How the staff member left the queue."""

    SIGN_OUT = "sign_out"
    LEAVE_KIOSK = "leave_kiosk"
    HEALTH = "health"
    EXPIRED = "expired"
    ASSIST = "assist"


#: 重印申請書: prints or saves the row's form again; (done, the words saying where or why not).
Reprint = Callable[[StaffBindingOut], Awaitable[tuple[bool, str]]]


class ReviewQueueScreen(StaffScreen[QueueExit]):
    """Dismisses on 登出, or (on a kiosk) on 服務機狀態 or 離開服務機模式.

    Args:
        translator: The words on screen.
        who: The staff member's name.
        review: The registry, as this staff member.
        rows: What to show first (None: ask the registry when mounted).
        can_leave_kiosk: Whether this is a kiosk: it then offers 服務機狀態, 協助家長申請 and
            離開服務機模式 (a teacher's desk has none of them).
        reprint: 重印申請書 (None where no form can be made: the button then says why).
    """

    def __init__(
        self,
        translator: Translator,
        *,
        who: str,
        review: Review,
        rows: Sequence[StaffBindingOut] | None = None,
        can_leave_kiosk: bool = False,
        reprint: Reprint | None = None,
    ) -> None:
        super().__init__(translator, who=who)
        self._can_leave_kiosk = can_leave_kiosk
        self._reprint = reprint
        self._review = review
        self._rows: list[StaffBindingOut] = list(rows or ())
        self._loaded = rows is not None
        self._status = BindingStatus.PENDING
        self._shown: list[StaffBindingOut] = []

    def compose_body(self) -> ComposeResult:
        """Filters, the table, the message line and the actions."""
        _ = self._
        yield Static(_(HEADING), classes="heading")
        with Horizontal(id="queue-filters"):
            yield Select(
                [(_(STATUS_WORDS[StudentStatus(s.value)]), s) for s in BindingStatus],
                value=BindingStatus.PENDING,
                allow_blank=False,
                id="filter-status",
            )
            yield Select[str]([], prompt=_(ALL_CLASSES), id="filter-class")
            yield Input(placeholder=_(SEARCH), id="filter-name")
        table: DataTable[str] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(_(column) for column in COLUMNS))
        yield table
        yield Static("", id="queue-count")
        yield Static("", id="queue-detail")
        yield Static("", id="queue-message")
        with Horizontal(id="queue-actions", classes="staff-actions"):
            # Compact: every action fits one row at 80 columns.
            yield Button(_(APPROVE), id="approve", variant="success", compact=True)
            yield Button(_(REJECT), id="reject", variant="error", compact=True)
            yield Button(_(PAPER_FORM), id="paper-form", compact=True)
            yield Button(_(REPRINT), id="reprint", compact=True)
            yield Static("·", classes="queue-gap")
            yield Button(_(RELOAD), id="reload", compact=True)
            yield Button(_(SIGN_OUT), id="sign-out", compact=True)
        if self._can_leave_kiosk:
            with Horizontal(id="queue-kiosk-actions", classes="staff-actions"):
                yield Button(_(KIOSK_HEALTH), id="kiosk-health", compact=True)
                yield Button(_(ASSIST), id="assist", variant="primary", compact=True)
                yield Button(_(LEAVE_KIOSK), id="leave-kiosk", variant="warning", compact=True)

    def on_mount(self) -> None:
        """Shows what was given, or asks the registry."""
        if self._loaded:
            self._show()
        else:
            self._reload()
        self.query_one("#queue", DataTable).focus()

    @property
    def shown(self) -> list[StaffBindingOut]:
        """The rows in the table, in order."""
        return list(self._shown)

    # --- loading and filtering -----------------------------------------------------------------

    def _reload(self) -> None:
        status = self._status

        def loaded(rows: list[StaffBindingOut]) -> None:
            self._rows = rows
            self._show()

        self.call(self.query_one("#reload", Button), lambda: self._review.bindings(status), loaded)

    @on(Button.Pressed, "#reload")
    def _reload_pressed(self) -> None:
        self.query_one("#queue-message", Static).update("")
        self._reload()

    @on(Select.Changed, "#filter-status")
    def _status_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, BindingStatus) and event.value is not self._status:
            self._status = event.value
            self._reload()

    @on(Select.Changed, "#filter-class")
    @on(Input.Changed, "#filter-name")
    def _filter_changed(self) -> None:
        self._show()

    def _show(self) -> None:
        classes = sorted({row.class_name for row in self._rows})
        chooser: Select[str] = self.query_one("#filter-class", Select)
        value = chooser.value
        chosen = value if isinstance(value, str) and value in classes else None
        with self.prevent(Select.Changed):
            chooser.set_options([(name, name) for name in classes])
            if chosen is not None:
                chooser.value = chosen
        name = self.query_one("#filter-name", Input).value.strip()
        self._shown = [
            row
            for row in self._rows
            if (chosen is None or row.class_name == chosen)
            and (not name or name in row.student_name)
        ]
        table: DataTable[str] = self.query_one("#queue", DataTable)
        table.clear()
        for row in self._shown:
            table.add_row(*self._cells(row), key=str(row.binding_id))
        counted = self._(COUNT).format(shown=len(self._shown), total=len(self._rows))
        self.query_one("#queue-count", Static).update(counted if self._shown else self._(EMPTY))
        self._show_detail()

    @on(DataTable.RowHighlighted, "#queue")
    def _show_detail(self) -> None:
        """The chosen row's other facts, under the table (they wrap at any width)."""
        table: DataTable[str] = self.query_one("#queue", DataTable)
        index = table.cursor_row
        detail = self.query_one("#queue-detail", Static)
        chosen = self._shown and 0 <= index < len(self._shown)
        detail.update("\n".join(self._detail(self._shown[index])) if chosen else "")
        detail.display = bool(chosen)

    def _detail(self, row: StaffBindingOut) -> list[str]:
        _ = self._
        lines = [
            _(DETAIL).format(
                receipt=row.receipt,
                date=row.submitted_at.astimezone(TAIPEI).strftime("%Y-%m-%d"),
                id=row.masked_parent_id,
                email=row.masked_parent_email,
                phone=row.masked_parent_phone,
            )
        ]
        if row.reason:
            lines.append(_(DETAIL_REASON).format(reason=row.reason))
        if row.decided_by and row.decided_at:
            date = row.decided_at.astimezone(TAIPEI).strftime("%Y-%m-%d")
            lines.append(_(DETAIL_DECIDED).format(staff=row.decided_by, date=date))
        if row.in_person_document is not None:
            document = _(DOCUMENT_WORDS[row.in_person_document])
            lines.append(
                _(DETAIL_IN_PERSON).format(staff=row.in_person_by or "", document=document)
            )
        return lines

    def _cells(self, row: StaffBindingOut) -> tuple[str, ...]:
        _ = self._
        relationship = _(RELATIONSHIP_LABELS[row.relationship])
        if row.relationship_other:
            relationship = f"{relationship}（{row.relationship_other}）"
        received = row.paper_form_received_at
        paper = (
            _(PAPER_RECEIVED).format(date=received.astimezone(TAIPEI).strftime("%m-%d"))
            if received is not None
            else _(PAPER_MISSING)
        )
        status = _(STATUS_WORDS[StudentStatus(row.status.value)])
        parent = row.parent_name
        if row.in_person_document is not None:
            parent = f"{parent}{_(IN_PERSON_MARK)}"  # the detail says by whom
        return (
            row.student_name,
            row.class_name,
            relationship,
            parent,
            paper,
            status,
        )

    # --- acting on the chosen row --------------------------------------------------------------

    def _chosen(self) -> StaffBindingOut | None:
        table: DataTable[str] = self.query_one("#queue", DataTable)
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            self.show_error(self._(CHOOSE))
            return None
        return self._shown[table.cursor_row]

    def _decided(self, message: str) -> None:
        self.query_one("#queue-message", Static).update(message)
        self._reload()

    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if row.status is not BindingStatus.PENDING:
            self.show_error(self._(NOT_PENDING))
            return

        def approved(answer: StaffBindingOut) -> None:
            words = ACCOUNT_CREATED if answer.account_created else PARENT_EMAILED
            self._decided(
                self._(words).format(student=answer.student_name, email=row.masked_parent_email)
            )

        self.call(
            self.query_one("#approve", Button),
            lambda: self._review.approve(row.binding_id),
            approved,
        )

    @on(Button.Pressed, "#reject")
    def _reject(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if row.status is not BindingStatus.PENDING:
            self.show_error(self._(NOT_PENDING))
            return

        def reason_given(reason: str | None) -> None:
            if reason is None:
                return
            self.call(
                self.query_one("#reject", Button),
                lambda: self._review.reject(row.binding_id, reason),
                lambda answer: self._decided(self._(REJECTED).format(student=answer.student_name)),
            )

        self.app.push_screen(RejectScreen(self._translator, student=row.student_name), reason_given)

    @on(Button.Pressed, "#paper-form")
    def _paper_form(self) -> None:
        row = self._chosen()
        if row is None:
            return
        self.call(
            self.query_one("#paper-form", Button),
            lambda: self._review.paper_form_received(row.binding_id),
            lambda answer: self._decided(self._(PAPER_NOTED).format(student=answer.student_name)),
        )

    @on(Button.Pressed, "#reprint")
    def _reprint_pressed(self) -> None:
        row = self._chosen()
        if row is None:
            return
        reprint = self._reprint
        if reprint is None:
            self.show_error(self._(NO_REPRINT_HERE))
            return

        def done(answer: tuple[bool, str]) -> None:
            printed, words = answer
            if printed:
                self.query_one("#queue-message", Static).update(f"{row.student_name}：{words}")
            else:
                self.show_error(words)

        self.call(self.query_one("#reprint", Button), lambda: reprint(row), done)

    @on(Button.Pressed, "#assist")
    def _assist(self) -> None:
        self.dismiss(QueueExit.ASSIST)

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        self.dismiss(QueueExit.SIGN_OUT)

    def signed_out(self) -> None:
        """The token expired: back to the login."""
        self.dismiss(QueueExit.EXPIRED)

    @on(Button.Pressed, "#kiosk-health")
    def _kiosk_health(self) -> None:
        self.dismiss(QueueExit.HEALTH)

    @on(Button.Pressed, "#leave-kiosk")
    def _leave_kiosk(self) -> None:
        self.dismiss(QueueExit.LEAVE_KIOSK)
