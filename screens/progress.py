"""Step 5: 感謝您申請 — each student's status (申請 / 認證 / 不通過 / 待上傳), 重新載入, 登出.

The page's full set of actions (cancel, purge, 新增綁定學生, 下載留存, QR code) comes later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.domain.errors import N_, ErrorCode
from kiosk.domain.status import STATUS_WORDS, StudentStatus
from screens.base import Chrome, WizardScreen

THANKS: Final = N_("Thank you for applying for a Taipei single sign-on parent account")
RECEIPT: Final = N_("Receipt number: {receipt}")
SAVED_OFFLINE: Final = N_(
    "Saved. The registry cannot be reached just now; your application will be uploaded "
    "automatically when the network is back."
)
CURRENT: Final = N_("Current progress")
RELOAD: Final = N_("Reload")
STUDENT: Final = N_("Student")
SCHOOL_CLASS: Final = N_("School and class")
STATUS: Final = N_("Status")
NONE_YET: Final = N_("No application has been found for this email or phone yet.")
LOADING: Final = N_("Loading the progress…")
STALE: Final = N_("The registry cannot be reached just now; what this kiosk knows is shown.")
ACCOUNT: Final = N_(
    "Once the binding is approved, your account is your email and the password is the last six "
    "characters of your ID number (you must change it at the first login)."
)
RECHECK: Final = N_(
    "You can verify the same mobile phone or email again here at any time to check the status."
)
LOG_OUT: Final = N_("Log out")
HELP: Final = N_(
    "Each student's status: **Applied** (waiting for the homeroom teacher), **Approved** (the "
    "binding is done), **Not approved** (with the reason), **Waiting to upload** (saved on "
    "this kiosk, not yet at the registry).\n\n"
    "After the homeroom teacher approves, the account is created and you are told by email. "
    "Log in with the email; the password is the last six characters of your ID number, and "
    "you must change it at the first login."
)


REJECTED_BECAUSE: Final = N_("Not approved ({reason})")


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One student of one application.

    Attributes:
        student: The student's name.
        school: The school's name.
        class_name: The student's class.
        status: Where the binding stands (待上傳, 申請, 認證, 不通過).
        reason: Why it was not approved (the reviewer's words), for ``REJECTED``.
    """

    student: str
    school: str
    class_name: str
    status: StudentStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ProgressView:
    """What the progress page shows.

    Attributes:
        rows: Every student of the parent's applications.
        stale: Whether the registry could not be asked (only what this kiosk knows is shown).
    """

    rows: tuple[ProgressRow, ...]
    stale: bool = False


#: Gets the current progress (the flow's: the registry's bindings plus what waits to upload).
LoadProgress = Callable[[], Awaitable[ProgressView]]


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """登出服務: the session ends, back to the Welcome screen."""


class ProgressScreen(WizardScreen[LoggedOut]):
    """The statuses of the parent's students.

    Args:
        chrome: Words, help line, demo banner.
        view: The progress known when the page opens; None while it is still loading (the page
            shows that it loads, and ``first`` gives it).
        load: Asks again (重新載入).
        first: The load already under way when the page opens without a view.
        receipt: The receipt number of the application just submitted, if any.
        uploaded: Whether that application reached the registry (else: saved, 待上傳).
    """

    STEP: ClassVar[int] = 5
    HELP: ClassVar[str] = HELP
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {None: "reload-error"}

    def __init__(
        self,
        chrome: Chrome,
        *,
        view: ProgressView | None,
        load: LoadProgress,
        first: Awaitable[ProgressView] | None = None,
        receipt: str | None = None,
        uploaded: bool = True,
    ) -> None:
        super().__init__(chrome)
        self._view = view or ProgressView(())
        self._loading = view is None
        self._load = load
        self._first = first
        self._receipt = receipt
        self._uploaded = uploaded

    def compose_body(self) -> ComposeResult:
        """Thanks, the receipt, the table and what happens next."""
        _ = self._
        yield Static(_(THANKS), classes="heading")
        if self._receipt is not None:
            yield Static(_(RECEIPT).format(receipt=self._receipt), id="receipt")
            if not self._uploaded:
                yield Static(_(SAVED_OFFLINE), id="saved-offline", classes="notice")
        with Horizontal(id="progress-head"):
            yield Static(_(CURRENT), classes="subheading")
            yield Button(_(RELOAD), id="reload", compact=True)
        yield self.error_line("reload-error")
        yield Vertical(id="status-table")
        yield Static(_(STALE), id="stale", classes="notice")
        yield Static(_(ACCOUNT), classes="label")
        yield Static(_(RECHECK), classes="hint label")

    def compose_actions(self) -> ComposeResult:
        """登出服務 on the right."""
        yield self.spacer()
        yield Button(self._(LOG_OUT), id="log-out", variant="primary")

    async def on_mount(self) -> None:
        """Fills the table, or says it loads and waits for the first load (with the spinner)."""
        if not self._loading:
            await self._show(self._view)
        else:
            self.query_one("#stale").display = False  # nothing is known yet, stale or not
            loading = Static(self._(LOADING), id="loading", classes="hint")
            await self.query_one("#status-table", Vertical).mount(loading)
            first = self._first

            async def wait_first() -> ProgressView:
                return await first if first is not None else await self._load()

            self.call_registry(
                self.query_one("#reload", Button),
                wait_first,
                lambda view: self.run_worker(self._show(view), exit_on_error=False),
            )
        self.query_one("#log-out").focus()

    async def _show(self, view: ProgressView) -> None:
        _ = self._
        self._view = view
        table = self.query_one("#status-table", Vertical)
        await table.remove_children()
        rows: list[Horizontal] = [
            Horizontal(
                Static(_(STUDENT), classes="cell-student"),
                Static(_(SCHOOL_CLASS), classes="cell-school"),
                Static(_(STATUS), classes="cell-status"),
                classes="status-row status-header",
            )
        ]
        rows.extend(
            Horizontal(
                Static(row.student, classes="cell-student"),
                Static(f"{row.school}　{row.class_name}", classes="cell-school"),
                Static(self._status(row), classes=f"cell-status -{row.status}"),
                classes="status-row",
            )
            for row in view.rows
        )
        if not view.rows:
            rows.append(Horizontal(Static(_(NONE_YET), classes="hint"), classes="status-row"))
        await table.mount_all(rows)
        self.query_one("#stale").display = view.stale
        self._loading = False

    def _status(self, row: ProgressRow) -> str:
        if row.status is StudentStatus.REJECTED and row.reason:
            return self._(REJECTED_BECAUSE).format(reason=self._reason(row.reason))
        return self._(STATUS_WORDS[row.status])

    def _reason(self, reason: str) -> str:
        # A refusal found at upload carries the registry's error code: shown in words.
        try:
            code = ErrorCode(reason)
        except ValueError:
            return reason  # the reviewer's own words
        return self.chrome.translator.explain(code)

    @property
    def first_loading(self) -> bool:
        """Whether the page still waits for its first load."""
        return self._loading

    @property
    def rows(self) -> Sequence[ProgressRow]:
        """What the table shows now."""
        return self._view.rows

    @on(Button.Pressed, "#reload")
    def _reload(self) -> None:
        self.clear_errors()
        self.call_registry(
            self.query_one("#reload", Button),
            self._load,
            lambda view: self.run_worker(self._show(view), exit_on_error=False),
        )

    @on(Button.Pressed, "#log-out")
    def _log_out(self) -> None:
        self.dismiss(LoggedOut())
