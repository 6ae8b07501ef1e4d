"""Step 5: the progress page — each student's status (申請 / 認證 / 不通過 / 待上傳) and the
page's actions: 重新載入, a trash button on each pending row (after a confirm), 新增綁定學生,
註銷全部紀錄 (after a confirm), 申請流程說明 with its stages ticked, 登出服務.

Reached after 送出資料 it thanks the parent; reached from 查詢申請進度 it is a status page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.domain.errors import N_, ErrorCode
from kiosk.domain.status import STATUS_WORDS, StudentStatus
from screens.base import Chrome, WizardScreen
from screens.confirm import ConfirmScreen
from screens.progress_qr import QrScreen
from screens.progress_stages import STAGES, stage_words, stages_done
from screens.progress_view import (
    AddStudents,
    ApplicationCopy,
    CancelBinding,
    DownloadForm,
    LoadProgress,
    LoggedOut,
    ProgressRow,
    ProgressView,
    PurgeRecords,
    StatusLink,
    Waiting,
    renumbered_words,
    school_words,
)

__all__ = [
    "AddStudents",
    "ApplicationCopy",
    "CancelBinding",
    "DownloadForm",
    "LoadProgress",
    "LoggedOut",
    "ProgressRow",
    "ProgressScreen",
    "ProgressView",
    "PurgeRecords",
    "StatusLink",
    "Waiting",
]

THANKS: Final = N_("Thank you for applying for a Taipei single sign-on parent account")
STATUS_TITLE: Final = N_("Your parent-student binding applications")
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
MASKED_NOTE: Final = N_(
    "Names shown masked are other bindings of the parent's account; they show in full when "
    "you verify the account's own email or mobile phone."
)
CANCEL: Final = N_("Cancel")
CANCEL_QUESTION: Final = N_(
    "Cancel the binding application for {student}? The homeroom teacher will no longer see it."
)
CANCEL_CONFIRM: Final = N_("Yes, cancel it")
CANCELLED: Final = N_("The application for {student} was cancelled.")
CANCEL_QUEUED: Final = N_(
    "The registry cannot be reached just now: the cancellation for {student} is kept on this "
    "kiosk and will be uploaded automatically when the network is back."
)
PURGE_HINT: Final = N_("To remove every record under review or not approved:")
PURGE: Final = N_("Remove all records")
PURGE_QUESTION: Final = N_(
    "Remove every record under review or not approved? Approved bindings stay. This cannot be "
    "undone."
)
PURGE_CONFIRM: Final = N_("Yes, remove them")
PURGED: Final = N_("{removed} records were removed.")
PURGE_QUEUED: Final = N_(
    "The registry cannot be reached just now: the removal is kept on this kiosk and will be "
    "uploaded automatically when the network is back."
)
WAITING_WORDS: Final = {
    Waiting.CANCEL: N_("Cancellation waiting to upload"),
    Waiting.PURGE: N_("Removal waiting to upload"),
}
COPIES: Final = N_(
    "Your applications made on this kiosk: the form, and the QR code to follow the status"
)
ADD_STUDENT: Final = N_("Add a student")
DOWNLOAD: Final = N_("Download a copy")
SCAN: Final = N_("Follow the status on a phone (QR code):")
SHOW_QR: Final = N_("Show the QR code")
DOWNLOAD_HINT: Final = N_("Keep the application form (printed, or saved as a PDF):")
HOW_IT_WORKS: Final = N_("How the application proceeds")
STAGES_HINT: Final = N_("A tick marks a stage that has been done.")
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
#: What stands in the school column of a row shown masked.
NOT_SHOWN: Final = "—"


class ProgressScreen(WizardScreen[LoggedOut | AddStudents]):
    """The statuses of the parent's students, and what the parent may do with them.

    Args:
        chrome: Words, help line, demo banner.
        view: The progress known when the page opens; None while it is still loading (the page
            shows that it loads, and ``first`` gives it).
        load: Asks again (重新載入).
        first: The load already under way when the page opens without a view.
        cancel: Cancels one pending binding (the trash button); None shows no trash buttons.
        purge: 註銷全部紀錄; None leaves it out.
        receipt: The receipt number of the application just submitted (None: reached from
            查詢申請進度, the page is a status page).
        uploaded: Whether that application reached the registry (else: saved, 待上傳).
        can_add: Whether 新增綁定學生 is offered.
        download: 下載留存 for the application just submitted; None leaves it out.
        status_link: Gets the QR code's link for the application just submitted; None: no QR.
        copies: From 查詢申請進度, the parent's applications kept on this kiosk (each with its
            form and QR code).
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
        cancel: CancelBinding | None = None,
        purge: PurgeRecords | None = None,
        first: Awaitable[ProgressView] | None = None,
        receipt: str | None = None,
        uploaded: bool = True,
        can_add: bool = False,
        download: DownloadForm | None = None,
        status_link: StatusLink | None = None,
        copies: Sequence[ApplicationCopy] = (),
    ) -> None:
        super().__init__(chrome)
        self._view = view or ProgressView(())
        self._loading = view is None
        self._load = load
        self._cancel = cancel
        self._purge = purge
        self._first = first
        self._receipt = receipt
        self._uploaded = uploaded
        self._can_add = can_add
        self._download = download
        self._status_link = status_link
        self._url: str | None = None
        self._copies = tuple(copies)
        self._copy_urls: dict[int, str] = {}

    def compose_body(self) -> ComposeResult:
        """Thanks (or the status title), the receipt, the table, the actions, the stages."""
        _ = self._
        yield Static(_(THANKS if self._receipt is not None else STATUS_TITLE), classes="heading")
        if self._receipt is not None:
            receipt = self._receipt
            yield self.told(
                Static(id="receipt"), lambda t: t.gettext(RECEIPT).format(receipt=receipt)
            )
            if not self._uploaded:
                yield Static(_(SAVED_OFFLINE), id="saved-offline", classes="notice")
        with Horizontal(id="progress-head"):
            yield Static(_(CURRENT), classes="subheading")
            yield Button(_(RELOAD), id="reload")
        yield self.error_line("reload-error")
        done = Static(id="action-done", classes="hint")
        done.display = False
        yield done
        yield Vertical(id="status-table")
        yield Static(_(STALE), id="stale", classes="notice")
        yield Static(_(MASKED_NOTE), id="masked-note", classes="hint")
        if self._purge is not None:
            with Horizontal(id="purge-row"):
                yield Static(_(PURGE_HINT), classes="label")
                yield Button(_(PURGE), id="purge")
        yield Static(_(HOW_IT_WORKS), classes="subheading")
        yield Vertical(id="stages")
        yield Static(_(STAGES_HINT), classes="hint")
        if self._download is not None:
            with Horizontal(id="download-row"):
                yield Static(_(DOWNLOAD_HINT), classes="label")
                yield Button(_(DOWNLOAD), id="download")
            yield Static(id="form-result")
        with Horizontal(id="qr-row"):
            yield Static(_(SCAN), classes="label")
            yield Button(_(SHOW_QR), id="show-qr")
        if self._copies:
            yield Static(_(COPIES), classes="subheading")
            for index, copy in enumerate(self._copies):
                with Horizontal(classes="copy-row"):
                    yield Static(_(RECEIPT).format(receipt=copy.receipt), classes="label")
                    yield Button(_(DOWNLOAD), id=f"download-{index}")
                    qr = Button(_(SHOW_QR), id=f"show-qr-{index}")
                    qr.visible = False  # its place kept, so the columns stay aligned
                    yield qr
                if copy.former_receipt is not None:
                    yield self.told(Static(classes="hint"), renumbered_words(copy))
            yield Static(id="form-result")
        yield Static(_(ACCOUNT), classes="label")
        yield Static(_(RECHECK), classes="hint label")

    def compose_actions(self) -> ComposeResult:
        """新增綁定學生 on the left, 登出服務 on the right."""
        if self._can_add:
            yield Button(self._(ADD_STUDENT), id="add-student")
        yield self.spacer()
        yield Button(self._(LOG_OUT), id="log-out", variant="primary")

    async def on_mount(self) -> None:
        """Fills the table, or says it loads and waits for the first load (with the spinner);
        asks for the QR code's link."""
        self.query_one("#qr-row").display = False
        if not self._loading:
            await self._show(self._view)
        else:
            # Nothing is known yet: stale or not, masked rows or not.
            self.query_one("#stale").display = False
            self.query_one("#masked-note").display = False
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
        self._ask_link()

    def _ask_link(self) -> None:
        """Asks for the status page's link until it is shown (again at each 重新載入)."""
        self._ask_copy_links()
        link = self._status_link
        if link is None or self._url is not None:
            return

        async def shown() -> None:
            self._url = await link()
            self.query_one("#qr-row").display = self._url is not None

        self.run_worker(shown(), group="status-link", exclusive=True, exit_on_error=False)

    def _ask_copy_links(self) -> None:
        """Asks for each kept application's link until its QR button shows."""
        for index, copy in enumerate(self._copies):
            if index in self._copy_urls:
                continue

            async def shown(index: int = index, copy: ApplicationCopy = copy) -> None:
                url = await copy.status_link()
                if url is not None:
                    self._copy_urls[index] = url
                    self.query_one(f"#show-qr-{index}").visible = True

            self.run_worker(
                shown(), group=f"copy-link-{index}", exclusive=True, exit_on_error=False
            )

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
                Static(classes="cell-cancel"),
                classes="status-row status-header",
            )
        ]
        rows.extend(self._row(index, row) for index, row in enumerate(view.rows))
        if not view.rows:
            rows.append(Horizontal(Static(_(NONE_YET), classes="hint"), classes="status-row"))
        await table.mount_all(rows)
        self.query_one("#stale").display = view.stale
        self.query_one("#masked-note").display = any(row.masked for row in view.rows)
        # The offline notice stands only while the application still waits.
        for notice in self.query("#saved-offline"):
            notice.display = view.waiting
        stages = self.query_one("#stages", Vertical)
        await stages.remove_children()
        done = stages_done(
            [row.status for row in view.rows if not row.masked],
            [row.status for row in view.rows if row.masked],
            logged_in=view.logged_in,
        )
        await stages.mount_all(
            self.told(
                Static(classes="stage -done" if ticked else "stage"),
                stage_words(index, stage, ticked),
            )
            for index, (stage, ticked) in enumerate(zip(STAGES, done, strict=True), start=1)
        )

        self._loading = False

    def _row(self, index: int, row: ProgressRow) -> Horizontal:
        # What waits to upload looks alike: 待上傳, 取消待上傳, 註銷待上傳.
        status = StudentStatus.QUEUED if row.waiting is not None else row.status
        school: Static = (
            Static(NOT_SHOWN, classes="cell-school")
            if row.masked
            else self.told(Static(classes="cell-school"), school_words(row))
        )
        cancel: Static | Button = (
            Button(self._(CANCEL), id=f"cancel-{index}", classes="cell-cancel")
            if row.cancellable and self._cancel is not None
            else Static(classes="cell-cancel")
        )
        # A row with a 取消 button is the button's height: its words on the button's line.
        kind = " -masked" if row.masked else " -cancellable" if isinstance(cancel, Button) else ""
        return Horizontal(
            Static(row.student, classes="cell-student"),
            school,
            self.told(Static(classes=f"cell-status -{status}"), lambda _t: self._status(row)),
            cancel,
            classes=f"status-row{kind}",
        )

    def _status(self, row: ProgressRow) -> str:
        if row.waiting is not None:
            return self._(WAITING_WORDS[row.waiting])
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

    def _say(self, text: str) -> None:
        """What the last action did (or that it did nothing), above the table."""
        said = self.query_one("#action-done", Static)
        said.update(text)
        said.display = bool(text)

    def _refreshed(self, view: ProgressView, done: str = "") -> None:
        self._say(done)
        self.run_worker(self._show(view), exit_on_error=False)
        self._ask_link()

    @on(Button.Pressed, "#reload")
    def _reload(self) -> None:
        self.clear_errors()
        self.call_registry(self.query_one("#reload", Button), self._load, self._refreshed)

    @on(Button.Pressed, ".cell-cancel")
    def _ask_cancel(self, event: Button.Pressed) -> None:
        cancel = self._cancel
        assert cancel is not None  # shown only with a cancel
        assert event.button.id is not None
        row = self._view.rows[int(event.button.id.removeprefix("cancel-"))]
        button = event.button
        _ = self._

        def cancelled(view: ProgressView) -> None:
            said = CANCEL_QUEUED if view.cancel_waits(row.binding_id) else CANCELLED
            self._refreshed(view, _(said).format(student=row.student))

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            self.clear_errors()
            self.call_registry(
                button,
                lambda: cancel(row),
                cancelled,
            )

        self.app.push_screen(
            ConfirmScreen(
                self.chrome.translator,
                question=_(CANCEL_QUESTION).format(student=row.student),
                confirm=_(CANCEL_CONFIRM),
            ),
            answered,
        )

    @on(Button.Pressed, "#purge")
    def _ask_purge(self) -> None:
        purge = self._purge
        assert purge is not None  # shown only with a purge
        _ = self._

        def purged(answer: tuple[int | None, ProgressView]) -> None:
            removed, view = answer
            said = _(PURGE_QUEUED) if removed is None else _(PURGED).format(removed=removed)
            self._refreshed(view, said)

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            self.clear_errors()
            self.call_registry(self.query_one("#purge", Button), purge, purged)

        self.app.push_screen(
            ConfirmScreen(
                self.chrome.translator, question=_(PURGE_QUESTION), confirm=_(PURGE_CONFIRM)
            ),
            answered,
        )

    @on(Button.Pressed, "#download")
    def _download_form(self) -> None:
        download = self._download
        assert download is not None  # shown only with a download

        self.call_registry(self.query_one("#download", Button), download, self._delivered)

    def _delivered(self, answer: tuple[bool, str]) -> None:
        done, words = answer
        result = self.query_one("#form-result", Static)
        result.update(words)
        result.set_class(done, "-done")
        result.set_class(not done, "-failed")

    @on(Button.Pressed, "#show-qr")
    def _show_qr(self) -> None:
        if self._url is not None:
            self.app.push_screen(QrScreen(self.chrome.translator, self._url))

    @on(Button.Pressed, ".copy-row Button")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        kind, _sep, index_text = event.button.id.rpartition("-")
        index = int(index_text)
        if kind == "show-qr":
            url = self._copy_urls.get(index)
            if url is not None:
                self.app.push_screen(QrScreen(self.chrome.translator, url))
            return
        self.call_registry(event.button, self._copies[index].download, self._delivered)

    @on(Button.Pressed, "#add-student")
    def _add_student(self) -> None:
        self.dismiss(AddStudents())

    @on(Button.Pressed, "#log-out")
    def _log_out(self) -> None:
        self.dismiss(LoggedOut())
