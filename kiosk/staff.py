"""The staff console's order: login, then the review queue, until the staff member leaves.

:class:`StaffConsole` drives the screens of :mod:`screens.staff` the way :mod:`kiosk.flow` drives
the parent's: one coroutine pushes a screen and awaits its result. It runs inside the kiosk (over
the parent's screens, reached by a key chord) and alone on a teacher's desk (``kiosk staff``).
The staff token lives only in the coroutine: when the console ends, it is gone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from textual.app import App

from kiosk.client import RegistryClient
from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.consent import ConsentStatement
from kiosk.domain.contact import Contact
from kiosk.domain.documents import IdDocument
from kiosk.domain.errors import N_, DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.in_person import InPersonOut
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import StaffBindingOut, StaffEventAction, StaffSessionOut
from kiosk.progress import FormDesk
from kiosk.settings import KioskSettings
from kiosk.staff_calls import verify_in_person
from kiosk.sync import Outcome, Syncer, SyncWorker
from kiosk.sync_actions import kiosk_sync_pass
from screens.staff.base import EXPIRED
from screens.staff.health import HealthView, KioskHealthScreen
from screens.staff.in_person import InPersonScreen
from screens.staff.login import StaffLoginScreen
from screens.staff.queue import QueueExit, Reprint, ReviewQueueScreen
from store.local import LocalStore
from store.local.applications import ApplicationStore
from store.local.records import SyncHealth
from store.local.staff_events import StaffEventStore

log = logging.getLogger(__name__)

NOT_HERE: Final = N_(
    "This application was not made on this kiosk (or its data is no longer here): its form can "
    "be reprinted only on the kiosk where it was made."
)

#: The failures after which a staff action is kept to upload later (the registry was away).
KEEP_ON: Final = frozenset(
    {ErrorCode.REGISTRY_UNREACHABLE, ErrorCode.REGISTRY_ERROR, ErrorCode.SERVER_ERROR}
)

#: How often 立即同步 looks whether the background worker's pass has ended (seconds).
WORKER_POLL_SECONDS: Final = 0.1


class StaffDesk:
    """The registry, as one signed-in staff member (what the review queue asks of it).

    Args:
        client: The registry client.
        session: The staff token.
    """

    def __init__(
        self,
        client: RegistryClient,
        session: StaffSessionOut,
        *,
        events: StaffEventStore | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._client = client
        self._session = session
        self._events = events
        self._clock = clock

    async def bindings(self, status: BindingStatus) -> list[StaffBindingOut]:
        """The bindings of ``status`` in the staff member's scope."""
        return await self._client.staff_bindings(self._session, status)

    async def approve(self, binding_id: UUID) -> StaffBindingOut:
        """認證."""
        return await self._client.approve(self._session, binding_id)

    async def reject(self, binding_id: UUID, reason: str) -> StaffBindingOut:
        """不通過 with the reason."""
        return await self._client.reject(self._session, binding_id, reason)

    async def paper_form_received(self, binding_id: UUID) -> StaffBindingOut:
        """紙本同意書已收."""
        return await self._client.paper_form_received(self._session, binding_id)

    async def report(self, action: StaffEventAction) -> None:
        """Tells the registry's audit log what the staff member did on this kiosk.

        Leaving kiosk mode or syncing is never held up by an absent registry: on a kiosk the
        event is then kept (:mod:`store.local.staff_events`) and uploaded with the next sync pass
        that reaches the registry; a refusal is logged.
        """
        at = self._clock()
        try:
            await self._client.staff_event(self._session, action)
        except DomainError as failed:
            if failed.code not in KEEP_ON or self._events is None:
                log.warning("staff action %s not audited: %s", action.value, failed.code.value)
                return
            token = self._session.session_token
            await asyncio.to_thread(self._events.keep, action.value, at=at, staff_token=token)
            log.info("staff action %s kept to upload: %s", action.value, failed.code.value)


class KioskHealth:
    """The kiosk's health, read through the sync side (its outbox and the registry's last word).

    Args:
        syncer: Runs a sync pass when no background worker runs.
        outbox_health: Reads the store's :class:`~store.local.records.SyncHealth` at "now"
            (``OutboxStore.sync_health``).
        settings: Where the data lives (for the disk's free space).
        clock: Gives "now".
        worker: The background sync worker, woken for 立即同步 when it runs.
        staff_events: Counts the staff actions kept to upload (None: none are kept here).
    """

    def __init__(
        self,
        syncer: Syncer,
        *,
        outbox_health: Callable[[datetime], SyncHealth],
        settings: KioskSettings,
        clock: Clock,
        worker: SyncWorker | None,
        staff_events: Callable[[], int] | None = None,
    ) -> None:
        self._staff_events = staff_events
        self._syncer = syncer
        self._outbox_health = outbox_health
        self._settings = settings
        self._clock = clock
        self._worker = worker

    async def view(self, *, uploaded: int | None = None, changes: int = 0) -> HealthView:
        """What stands now."""
        health = await asyncio.to_thread(self._outbox_health, self._clock())
        free = shutil.disk_usage(self._settings.data_dir).free
        kept = await asyncio.to_thread(self._staff_events) if self._staff_events else 0
        return HealthView(
            waiting=health.waiting,
            oldest_waiting_since=health.oldest_waiting_since,
            last_contact_at=health.last_contact_at,
            last_failure_at=health.last_failure_at,
            last_error=health.last_error,
            disk_free_bytes=free,
            uploaded=uploaded,
            changes=changes,
            local_fault=health.local_fault,
            local_fault_at=health.local_fault_at,
            clock_skew_s=health.clock_skew_s,
            staff_events_waiting=kept,
        )

    async def with_kept(self, view: HealthView) -> HealthView:
        """``view`` with the staff actions kept to upload counted again."""
        if self._staff_events is None:
            return view
        kept = await asyncio.to_thread(self._staff_events)
        return dataclasses.replace(view, staff_events_waiting=kept)

    async def sync_now(self) -> HealthView:
        """立即同步: one pass that tries every waiting application now; then what stands."""
        # One pass at a time: with a worker running, it is the worker's pass (never two pushes
        # of one application side by side); without one, a pass here.
        report = await self._syncer.run_once(everything=True)
        if self._worker is not None:
            self._worker.wake()
        return await self.view(uploaded=report.count(Outcome.UPLOADED), changes=len(report.changes))


class Vouching:
    """臨櫃核對身分 on the word of the staff member who started 協助家長申請 (the wizard's
    :data:`kiosk.flow.Vouch`): their confirmation screen, then the registry.

    Held by the wizard for that one parent's session, and dropped with it.

    Args:
        app: The app whose screens are pushed.
        client: The registry (with the kiosk's key: the call needs the kiosk's token).
        translator: The words on screen.
        session: The staff member's token.
    """

    def __init__(
        self,
        app: App[Any],
        client: RegistryClient,
        translator: Translator,
        session: StaffSessionOut,
    ) -> None:
        self._app = app
        self._client = client
        self._translator = translator
        self._session = session

    async def __call__(self, contact: Contact) -> InPersonOut | None:
        """The parent's session, or None when the staff member cancelled."""

        async def vouch(document: IdDocument) -> InPersonOut:
            return await verify_in_person(self._client, self._session, contact, document)

        screen = InPersonScreen(
            self._translator, who=self._session.display_name, contact=contact, vouch=vouch
        )
        return await self._app.push_screen(screen, wait_for_dismiss=True)


class FormReprint:
    """重印申請書 on a kiosk: the form made again from the application this kiosk keeps, as
    「下載留存」 makes it (:meth:`kiosk.progress.FormDesk.deliver_stored`).

    Args:
        applications: The kiosk's stored applications.
        forms: Makes and prints (or saves) a form.
        translator: The words of why not.
    """

    def __init__(
        self, applications: ApplicationStore, forms: FormDesk, translator: Translator
    ) -> None:
        self._applications = applications
        self._forms = forms
        self._ = translator.gettext

    async def __call__(self, row: StaffBindingOut) -> tuple[bool, str]:
        """(Printed or saved, where) or (False, why not)."""
        stored = await asyncio.to_thread(self._applications.get, row.application_id)
        if stored is None:
            return False, self._(NOT_HERE)
        return await asyncio.to_thread(self._forms.deliver_stored, stored)


class StaffConsole:
    """Login, then the queue; 登出 returns to the login, 關閉 ends the console.

    Args:
        app: The app whose screens are pushed.
        client: The registry.
        translator: The words on screen.
        health: The kiosk's health (on a kiosk: it then offers 服務機狀態, 協助家長申請 and
            離開服務機模式; None on a teacher's desk).
        reprint: 重印申請書 (a kiosk's; None on a desk, where the button says why not).
        events: Where a kiosk keeps staff actions the registry could not take (None on a desk).
        clock: Gives "now" (when an action was taken).

    Attributes:
        assisting: After 協助家長申請, the staff member's word for the wizard's next parent.
    """

    def __init__(
        self,
        app: App[Any],
        client: RegistryClient,
        translator: Translator,
        *,
        health: KioskHealth | None,
        reprint: Reprint | None = None,
        events: StaffEventStore | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._app = app
        self._client = client
        self._translator = translator
        self._health = health
        self._reprint = reprint
        self._events = events
        self._clock = clock
        self.assisting: Vouching | None = None

    async def run(self) -> QueueExit | None:
        """Until 關閉 at the login (None), 離開服務機模式 (``QueueExit.LEAVE_KIOSK``) or
        協助家長申請 (``QueueExit.ASSIST``, with :attr:`assisting` set)."""
        notice = ""
        while True:
            session = await self._app.push_screen(
                StaffLoginScreen(self._translator, login=self._client.staff_login, notice=notice),
                wait_for_dismiss=True,
            )
            if session is None:
                return None
            desk = StaffDesk(self._client, session, events=self._events, clock=self._clock)
            left = await self._signed_in(session, desk)
            if left is QueueExit.LEAVE_KIOSK:
                await desk.report(StaffEventAction.LEAVE_KIOSK)
                return left
            if left is QueueExit.ASSIST:
                self.assisting = Vouching(self._app, self._client, self._translator, session)
                return left
            # Expired: the token is dropped, and the login says why it is back.
            notice = self._translator.gettext(EXPIRED) if left is QueueExit.EXPIRED else ""

    async def _signed_in(self, session: StaffSessionOut, desk: StaffDesk) -> QueueExit:
        """The queue, and the health screen from it, until 登出 or 離開服務機模式."""
        health = self._health

        async def sync_now() -> HealthView:
            assert health is not None
            view = await health.sync_now()
            await desk.report(StaffEventAction.SYNC_NOW)
            return await health.with_kept(view)  # this very action may have been kept

        while True:
            left = await self._app.push_screen(
                ReviewQueueScreen(
                    self._translator,
                    who=session.display_name,
                    review=desk,
                    can_leave_kiosk=self._health is not None,
                    reprint=self._reprint,
                ),
                wait_for_dismiss=True,
            )
            if left is not QueueExit.HEALTH or self._health is None:
                return left
            await self._app.push_screen(
                KioskHealthScreen(
                    self._translator,
                    who=session.display_name,
                    view=await self._health.view(),
                    sync_now=sync_now,
                ),
                wait_for_dismiss=True,
            )


def kiosk_console(
    app: App[Any],
    *,
    client: RegistryClient,
    translator: Translator,
    store: LocalStore,
    settings: KioskSettings,
    clock: Clock,
    statement: ConsentStatement,
    worker: SyncWorker | None,
) -> StaffConsole:
    """The console of a kiosk (Ctrl+F12): with its health and 立即同步, 重印申請書 from its stored
    applications, and staff actions kept while the registry is away."""
    health = KioskHealth(
        kiosk_sync_pass(store, client, settings=settings.sync, clock=clock),
        outbox_health=store.outbox.sync_health,
        settings=settings,
        clock=clock,
        worker=worker,
        staff_events=store.staff_events.count,
    )
    forms = FormDesk(
        settings.form, folder=settings.form_folder, statement=statement, translator=translator
    )
    return StaffConsole(
        app,
        client,
        translator,
        health=health,
        reprint=FormReprint(store.applications, forms, translator),
        events=store.staff_events,
        clock=clock,
    )


class StaffApp(App[None]):
    """The staff console alone, on a teacher's desk (``kiosk staff``): quits at 關閉.

    Args:
        client: The registry (no kiosk key needed: staff calls carry the staff token only).
        translator: The words on screen.
        css_paths: The app's stylesheets (:data:`kiosk.app.CSS_FILES`).
    """

    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self, client: RegistryClient, translator: Translator, *, css_paths: list[str]
    ) -> None:
        super().__init__(css_path=list(css_paths))
        self._client = client
        self._translator = translator

    def on_mount(self) -> None:
        """Starts the console."""
        self.run_worker(self._console(), name="staff", exit_on_error=False)

    async def _console(self) -> None:
        try:
            await StaffConsole(self, self._client, self._translator, health=None).run()
        finally:
            self.exit()

    async def on_unmount(self) -> None:
        """Closes the registry connections."""
        await self._client.aclose()
