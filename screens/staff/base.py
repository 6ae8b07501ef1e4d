"""What every staff console screen shares: its own header (never the parent's), an error line,
and registry calls in a worker with the asking button busy meanwhile.

Staff screens look unlike the parent's on purpose (another title, no step indicator, no support
line): a parent who walks up to the kiosk sees at once that it is not their wizard.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from kiosk.domain.errors import N_, DomainError, ErrorCode
from kiosk.domain.i18n import Translator

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")
T = TypeVar("T")

CONSOLE_TITLE: Final = N_("Staff console · Parent–student binding")
BUSY: Final = N_("Working…")
EXPIRED: Final = N_("Your sign-in has expired. Please sign in again.")
#: The registry's answers to a staff token it no longer takes.
SIGNED_OUT: Final = frozenset({ErrorCode.AUTH_INVALID, ErrorCode.AUTH_REQUIRED})


@dataclass
class _Pending:
    """A call in flight: the busy button, its own label, and who gets the answer."""

    button: Button
    label: str
    done: Callable[[Any], object]


class StaffScreen(Screen[ResultT]):
    """A staff console screen: header, body (``compose_body``), error line.

    Args:
        translator: The words on screen.
        who: The signed-in staff member's name, shown in the header (empty before login).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "noop", show=False)]

    def __init__(self, translator: Translator, *, who: str = "") -> None:
        super().__init__(classes="staff")
        self._translator = translator
        self._ = translator.gettext
        self._who = who
        self._busy: dict[Worker[Any], _Pending] = {}

    def compose(self) -> ComposeResult:
        """Header, body and the error line."""
        with Horizontal(id="staff-header"):
            yield Static(self._(CONSOLE_TITLE), id="staff-title")
            yield Static(self._who, id="staff-who")
        with Vertical(id="staff-body"):
            yield from self.compose_body()
            yield Static("", id="staff-error")

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets."""
        yield from ()

    def action_noop(self) -> None:
        """Escape does nothing here (the console leaves only by its own buttons)."""

    @property
    def is_busy(self) -> bool:
        """Whether a registry call is in flight."""
        return bool(self._busy)

    def show_error(self, error: DomainError | str | None) -> None:
        """Shows an error (its words in the staff member's language), or clears it."""
        line = self.query_one("#staff-error", Static)
        if error is None:
            line.update("")
        elif isinstance(error, DomainError):
            line.update(self._translator.explain(error))
        else:
            line.update(error)

    def call(
        self, button: Button, work: Callable[[], Awaitable[T]], done: Callable[[T], object]
    ) -> None:
        """Runs ``work`` in a worker while ``button`` says it is busy; ``done`` gets the answer,
        a DomainError is shown on the error line (nothing else changes)."""
        if any(pending.button is button for pending in self._busy.values()):
            return

        async def run() -> T:
            return await work()

        self.show_error(None)
        worker: Worker[T] = self.run_worker(run(), group="staff-call", exit_on_error=False)
        self._busy[worker] = _Pending(button, str(button.label), done)
        button.label = self._(BUSY)
        button.disabled = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Puts the button back and hands the answer on (or shows the error)."""
        if event.worker not in self._busy or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        pending = self._busy.pop(event.worker)
        pending.button.label = pending.label
        pending.button.disabled = False
        if event.state is WorkerState.SUCCESS:
            pending.done(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            if not isinstance(error, DomainError):
                log.error("staff call failed: %s", type(error).__name__)
                error = DomainError(ErrorCode.REGISTRY_ERROR)
            if error.code in SIGNED_OUT:
                self.signed_out()
                return
            self.show_error(error)

    def signed_out(self) -> None:
        """The staff token was refused (it expired): screens behind a login leave (override)."""
        self.show_error(self._(EXPIRED))
