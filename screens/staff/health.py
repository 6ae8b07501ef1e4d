"""Kiosk health, for staff: how many applications wait for the registry and since when, the
registry's last word, the disk; 立即同步 runs a sync pass and shows the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from kiosk.domain.clock import clock_needs_staff
from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from screens.staff.base import StaffScreen

TAIPEI: Final = ZoneInfo("Asia/Taipei")

HEADING: Final = N_("Kiosk health")
WAITING: Final = N_("Applications waiting to upload: {count}")
STAFF_WAITING: Final = N_("Staff actions waiting to upload to the audit log: {count}")
OLDEST: Final = N_("Waiting since: {when}")
LAST_SYNC: Final = N_("Last answer from the registry: {when}")
REACHABLE: Final = N_("Registry: reachable")
UNREACHABLE: Final = N_("Registry: not reachable since {when} ({error})")
UNKNOWN: Final = N_("Registry: not asked yet")
DISK: Final = N_("Disk free: {gib:.1f} GiB")
NEVER: Final = N_("never")
NONE_WAITING: Final = N_("—")
SYNC_NOW: Final = N_("Sync now")
BACK: Final = N_("Back")
SYNCED: Final = N_("Sync done: {uploaded} uploaded, {changes} status changes.")
LOCAL_FAULT: Final = N_(
    "This kiosk's own storage failed at {when}: {fault}. Parents are told to ask the office."
)
SKEW: Final = N_("This kiosk's clock is {seconds:+.0f} s off the registry's: please set it right.")
#: The words of each local fault (store.local.faults.FaultKind's values).
FAULT_WORDS: Final = {
    "disk_full": N_("the disk is full"),
    "database_damaged": N_("the database is damaged (kiosk restore puts the backup back)"),
    "io_error": N_("the disk could not be read or written"),
    "read_only": N_("the database cannot be written"),
    "cannot_open": N_("the database cannot be opened"),
}


@dataclass(frozen=True, slots=True)
class HealthView:
    """What the health screen shows.

    Attributes:
        waiting: Applications not yet at the registry.
        oldest_waiting_since: When the longest-waiting one was submitted.
        last_contact_at: When the registry last answered.
        last_failure_at: When it last could not be reached.
        last_error: Why (an error code), None when its last word was an answer.
        disk_free_bytes: Free space where the kiosk keeps its data.
        uploaded: Applications uploaded by the sync pass just run (None: no pass run).
        changes: Status changes it brought.
        local_fault: The last fault of the kiosk's own database (a ``FaultKind`` value), if any.
        local_fault_at: When it happened.
        clock_skew_s: The registry's clock minus this kiosk's, in seconds (None: not known).
        staff_events_waiting: Staff actions kept while the registry was away, to upload.
    """

    waiting: int
    oldest_waiting_since: datetime | None
    last_contact_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    disk_free_bytes: int
    uploaded: int | None = None
    changes: int = 0
    local_fault: str | None = None
    local_fault_at: datetime | None = None
    clock_skew_s: float | None = None
    staff_events_waiting: int = 0


Load = Callable[[], Awaitable[HealthView]]


class KioskHealthScreen(StaffScreen[None]):
    """Dismisses on 返回.

    Args:
        translator: The words on screen.
        who: The staff member's name.
        view: What to show first.
        sync_now: Runs a sync pass; what stands after it.
    """

    def __init__(self, translator: Translator, *, who: str, view: HealthView, sync_now: Load):
        super().__init__(translator, who=who)
        self._view = view
        self._sync_now = sync_now

    def compose_body(self) -> ComposeResult:
        """The figures and the two buttons."""
        yield Static(self._(HEADING), classes="heading")
        yield Static("", id="health-waiting")
        yield Static("", id="health-oldest")
        yield Static("", id="health-staff-events")
        yield Static("", id="health-registry")
        yield Static("", id="health-last-sync")
        yield Static("", id="health-disk")
        yield Static("", id="health-fault")
        yield Static("", id="health-skew")
        yield Static("", id="health-result")
        with Horizontal(classes="staff-actions"):
            yield Button(self._(BACK), id="health-back")
            yield Static(classes="spacer")
            yield Button(self._(SYNC_NOW), id="sync-now", variant="primary")

    def on_mount(self) -> None:
        """Shows the figures given."""
        self._show(self._view)

    @property
    def view(self) -> HealthView:
        """What is shown."""
        return self._view

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return self._(NEVER)
        return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")

    def _show(self, view: HealthView) -> None:
        _ = self._
        self._view = view
        self.query_one("#health-waiting", Static).update(_(WAITING).format(count=view.waiting))
        oldest = self._when(view.oldest_waiting_since) if view.waiting else _(NONE_WAITING)
        self.query_one("#health-oldest", Static).update(_(OLDEST).format(when=oldest))
        kept = self.query_one("#health-staff-events", Static)
        kept.display = view.staff_events_waiting > 0
        kept.update(_(STAFF_WAITING).format(count=view.staff_events_waiting))
        if view.last_error is not None:
            registry = _(UNREACHABLE).format(
                when=self._when(view.last_failure_at), error=view.last_error
            )
        elif view.last_contact_at is not None:
            registry = _(REACHABLE)
        else:
            registry = _(UNKNOWN)
        self.query_one("#health-registry", Static).update(registry)
        self.query_one("#health-last-sync", Static).update(
            _(LAST_SYNC).format(when=self._when(view.last_contact_at))
        )
        self.query_one("#health-disk", Static).update(
            _(DISK).format(gib=view.disk_free_bytes / 2**30)
        )
        fault = self.query_one("#health-fault", Static)
        fault.display = view.local_fault is not None
        if view.local_fault is not None:
            words = FAULT_WORDS.get(view.local_fault)
            fault.update(
                _(LOCAL_FAULT).format(
                    when=self._when(view.local_fault_at),
                    fault=_(words) if words is not None else view.local_fault,
                )
            )
        skew = self.query_one("#health-skew", Static)
        skew.display = clock_needs_staff(view.clock_skew_s)
        if skew.display:
            skew.update(_(SKEW).format(seconds=view.clock_skew_s))
        result = ""
        if view.uploaded is not None:
            result = _(SYNCED).format(uploaded=view.uploaded, changes=view.changes)
        self.query_one("#health-result", Static).update(result)

    @on(Button.Pressed, "#sync-now")
    def _sync(self) -> None:
        self.call(self.query_one("#sync-now", Button), self._sync_now, self._show)

    def signed_out(self) -> None:
        """The token expired: back (the queue then leaves for the login)."""
        self.dismiss(None)

    @on(Button.Pressed, "#health-back")
    def _back(self) -> None:
        self.dismiss(None)
