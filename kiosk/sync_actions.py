"""The sync worker's second step: upload the queue of actions (:mod:`store.local.actions`).

A parent's 取消 and 註銷全部紀錄 are saved in the kiosk's queue before they are tried, like a
submission in the outbox; :class:`ActionUploader` sends what waits, oldest first, each by the
handler of its ``kind`` (the parent's binding actions by default; another kind is added with
:meth:`ActionUploader.register`), with the action's id as the registry's idempotency key. A
passing failure puts the action off (the sync's backoff, kept in the database; due again at once
when the registry answers again); any other answer is the registry refusing it for good. A purge
waits until the applications saved before it are at the registry, so it finds them there.

:class:`ActionSyncer` is the sync run with this step after the outbox's push: what
``kiosk sync``, the app's sync worker and the staff console's 立即同步 run.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kiosk.client import RegistryClient
from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.parent_actions import BindingActionIn, ParentActionKind
from kiosk.logsafe import describe_failure
from kiosk.settings import SyncSettings
from kiosk.staff_upload import StaffEventUpload
from kiosk.sync import TRANSIENT, Checkpoint, Syncer, SyncReport
from kiosk.sync_clock import backoff
from store.local.actions import ActionQueue, QueuedItem
from store.local.outbox import OutboxStore

if TYPE_CHECKING:
    from store.local import LocalStore

log = logging.getLogger(__name__)

#: Uploads one action of a kind; raises DomainError when the registry did not take it. What it
#: returns is the registry's answer (the page shows a purge's count).
ActionUpload = Callable[[QueuedItem], Awaitable[object]]


class ActionOutcome(StrEnum):
    """What became of one try of an action."""

    SENT = "sent"
    REFUSED = "refused"
    DEFERRED = "deferred"
    HELD = "held"
    """Not tried: a purge waits for the applications saved before it."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """One action tried (nothing personal).

    Attributes:
        action_id: The action.
        kind: Its kind.
        outcome: Sent, refused (final), deferred (tried again later) or held.
        error: Why it was refused or deferred.
        answer: The registry's answer, when sent.
    """

    action_id: uuid.UUID
    kind: str
    outcome: ActionOutcome
    error: DomainError | None = None
    answer: object = None


def binding_action(item: QueuedItem) -> BindingActionIn:
    """The body of a queued parent's cancel or purge (its payload: the challenge, the binding)."""
    payload: dict[str, Any] = dict(item.payload)
    return BindingActionIn(
        action_id=item.action_id,
        kind=ParentActionKind(item.kind),
        challenge_id=uuid.UUID(str(payload["challenge_id"])),
        binding_id=uuid.UUID(str(payload["binding_id"])) if payload.get("binding_id") else None,
        requested_at=item.created_at,
    )


class ActionUploader:
    """Sends the queue's actions to the registry.

    Args:
        queue: The kiosk's queue of actions.
        client: The registry.
        settings: The backoff.
        clock: Gives "now".
        rng: Jitter of the backoff (tests seed it).
    """

    def __init__(
        self,
        queue: ActionQueue,
        client: RegistryClient,
        *,
        settings: SyncSettings,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._client = client
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.Random()
        self._handlers: dict[str, ActionUpload] = {}
        for kind in ParentActionKind:
            self.register(kind.value, self._binding_action)
        self._lock = asyncio.Lock()

    def register(self, kind: str, upload: ActionUpload) -> None:
        """Uploads actions of ``kind`` with ``upload`` (an action of a kind without one waits)."""
        self._handlers[kind] = upload

    async def _binding_action(self, item: QueuedItem) -> object:
        return await self._client.binding_action(binding_action(item))

    async def upload(self, *, registry_back: bool = False) -> list[ActionResult]:
        """Tries every due action once, oldest first; stops when the registry is out of reach.

        Args:
            registry_back: The registry just answered: actions put off because it was away are
                due now.
        """
        if registry_back:
            await asyncio.to_thread(
                self._queue.retry_now,
                frozenset({ErrorCode.REGISTRY_UNREACHABLE.value}),
                now=self._clock(),
            )
        results: list[ActionResult] = []
        for item in await asyncio.to_thread(self._queue.due, self._clock()):
            result = await self._try(item)
            results.append(result)
            if result.error is not None and result.error.code is ErrorCode.REGISTRY_UNREACHABLE:
                break  # away: the rest waits for the next run
        return results

    async def upload_now(self, action_id: uuid.UUID) -> ActionResult | None:
        """Tries one action now, whatever its backoff (the parent's press): None when nothing of
        it waits any more (a run delivered it)."""
        item = await asyncio.to_thread(self._queue.get, action_id)
        if item is None or not item.waiting:
            return None
        return await self._try(item)

    async def _try(self, item: QueuedItem) -> ActionResult:
        # One try of one action at a time: a run and a press never send it side by side.
        async with self._lock:
            again = await asyncio.to_thread(self._queue.get, item.action_id)
            if again is None or not again.waiting:
                return ActionResult(item.action_id, item.kind, ActionOutcome.SENT)
            upload = self._handlers.get(item.kind)
            if upload is None or await self._held(item):
                return ActionResult(item.action_id, item.kind, ActionOutcome.HELD)
            try:
                answer = await upload(item)
            except DomainError as failed:
                return await self._failed(item, failed)
            await asyncio.to_thread(self._queue.mark_sent, item.action_id, now=self._clock())
            log.info("sync: action %s (%s) uploaded", item.action_id, item.kind)
            return ActionResult(item.action_id, item.kind, ActionOutcome.SENT, answer=answer)

    async def _held(self, item: QueuedItem) -> bool:
        if item.kind != ParentActionKind.PURGE:
            return False
        waiting = await asyncio.to_thread(self._queue.applications_waiting_before, item.created_at)
        return waiting > 0

    async def _failed(self, item: QueuedItem, error: DomainError) -> ActionResult:
        now = self._clock()
        if error.code not in TRANSIENT:
            log.info("sync: action %s refused by the registry (%s)", item.action_id, error.code)
            await asyncio.to_thread(
                self._queue.mark_refused, item.action_id, error.code.value, now=now
            )
            return ActionResult(item.action_id, item.kind, ActionOutcome.REFUSED, error)
        later: datetime = now + backoff(item.attempts + 1, self._settings, self._rng)
        await asyncio.to_thread(
            self._queue.mark_attempt_failed,
            item.action_id,
            error.code.value,
            next_attempt_at=later,
        )
        return ActionResult(item.action_id, item.kind, ActionOutcome.DEFERRED, error)


class ActionSyncer(Syncer):
    """One sync run (:class:`kiosk.sync.Syncer`), then the queue of actions when the registry
    answered.

    Args:
        outbox: The kiosk's outbox and sync state.
        client: The registry.
        actions: The kiosk's queue of actions.
        settings: Batch size, concurrency, backoff and retention.
        clock: Gives "now".
        checkpoint: Called at each step of every push (the crash tests' hook).
        rng: Jitter of the backoff (tests seed it).
        also: Another upload step after the push (:class:`kiosk.staff_upload.StaffEventUpload`).
    """

    def __init__(
        self,
        outbox: OutboxStore,
        client: RegistryClient,
        *,
        actions: ActionQueue,
        settings: SyncSettings,
        clock: Clock = utc_now,
        checkpoint: Checkpoint | None = None,
        rng: random.Random | None = None,
        also: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        super().__init__(
            outbox,
            client,
            settings=settings,
            clock=clock,
            checkpoint=checkpoint,
            rng=rng,
            also=also,
        )
        self.actions = ActionUploader(actions, client, settings=settings, clock=clock, rng=rng)

    async def run_once(self, *, everything: bool = False, pull: bool = True) -> SyncReport:
        """The run (feed, push, retention), then the due actions unless the registry is away."""
        report = await super().run_once(everything=everything, pull=pull)
        if report.error is not ErrorCode.REGISTRY_UNREACHABLE:
            try:
                await self.actions.upload(registry_back=report.reachable is True)
            except Exception as failed:  # the run's report stands; the actions wait
                log.error("sync: the queued actions wait: %s", describe_failure(failed))
        return report


def kiosk_sync_pass(
    store: LocalStore,
    client: RegistryClient,
    *,
    settings: SyncSettings,
    clock: Clock = utc_now,
    checkpoint: Checkpoint | None = None,
) -> ActionSyncer:
    """A kiosk's whole sync pass — the feed and the outbox, its queued actions, then the staff
    events kept while the registry was away — as the background worker, ``kiosk sync`` and the
    console's 立即同步 each run it."""
    return ActionSyncer(
        store.outbox,
        client,
        actions=store.actions,
        settings=settings,
        clock=clock,
        checkpoint=checkpoint,
        also=StaffEventUpload(store.staff_events, client),
    )
