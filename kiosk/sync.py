"""The sync worker: push the outbox, pull statuses, back off, never double.

「送出資料」 stores an application and its outbox entry in one local transaction
(:meth:`store.local.applications.ApplicationStore.save_submission`); from then on this module sees
that it reaches the registry exactly once, whatever happens to the network, the registry or the
kiosk:

- **Push.** Each outbox entry's exact body is POSTed with the application id as the idempotency
  key: a replay after a crash (the registry committed, the kiosk never heard) is answered with
  the stored result, so sending again is always safe and the registry stores one application.
  Only after the registry's answer is the entry acknowledged in the local database; a crash at
  any step leaves it there for the next run. Passing failures are retried a few times at once
  (``stamina``: exponential backoff with jitter), then the entry is put off — 30 s, 60 s, ...,
  at most 15 min, with jitter, kept in the local database so a restart keeps to it. A refusal
  (the email is another parent's, the student left the school, ...) is final: the application
  shows 不通過 with the refusal's code and is never sent again.
- **Batches.** A backlog is taken ``batch_size`` entries at a time, ``concurrency`` in flight.
- **Pull.** The registry's changes feed (``GET /v1/changes``) tells what became of this kiosk's
  applications; each page is applied together with its cursor in one local transaction.
- **Offline.** The feed doubles as the probe: while the registry cannot be reached nothing is
  pushed (no timeouts by the thousand); when it answers again, entries put off only because it
  could not be reached are tried at once — 網路恢復後自動上傳.
- **Retention.** Applications decided longer than ``retention_days`` ago are reduced to their
  receipt.

:class:`Syncer` is one run (``kiosk sync``); :class:`SyncWorker` runs it inside the kiosk app, when
woken (after a submission) and every ``interval_seconds``. 「送出資料」 itself pushes the one
application just saved through :meth:`Syncer.push_saved`, so every push ends by the same rule:
uploaded, refused for good (不通過), or put off (待上傳). Nothing personal is logged: application
ids, receipt numbers and error codes only. What ``kiosk sync`` prints is the CLI's
(:mod:`kiosk.sync_report`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import stamina

from kiosk.client import RegistryClient
from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.wire import ParentSessionOut, SubmissionIn
from kiosk.logsafe import describe_failure
from kiosk.settings import SyncSettings
from kiosk.sync_clock import ClockWatch
from kiosk.sync_clock import backoff as backoff
from kiosk.sync_crash import CRASH_ENV as CRASH_ENV
from kiosk.sync_crash import Checkpoint as Checkpoint
from kiosk.sync_crash import CrashPoint as CrashPoint
from kiosk.sync_crash import crash_hook_from_env as crash_hook_from_env
from kiosk.sync_upload import (
    BATCH_UNKNOWN,
    MAX_FEED_PAGES,
    RETRY_WAIT_INITIAL,
    RETRY_WAIT_JITTER,
    RETRY_WAIT_MAX,
    chunks,
    in_flight,
    receipt_taken,
    retry_at_once,
    submit_batch,
)
from kiosk.sync_upload import RETRY_AT_ONCE as RETRY_AT_ONCE
from kiosk.sync_upload import TRANSIENT as TRANSIENT
from kiosk.sync_upload import Outcome as Outcome
from kiosk.sync_upload import Push as Push
from store.local.outbox import OutboxStore
from store.local.records import OutboxItem, StatusChange, SyncHealth

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one run moved.

    Attributes:
        pushes: Every push, in the order they ended.
        changes: Statuses the changes feed moved.
        reduced: Receipt numbers of applications reduced to their receipt.
        reachable: Whether the registry answered (None: not asked).
        error: Why it could not be reached.
        health: The outbox and the registry's last word after the run.
    """

    pushes: tuple[Push, ...]
    changes: tuple[StatusChange, ...]
    reduced: tuple[str, ...]
    reachable: bool | None
    error: ErrorCode | None
    health: SyncHealth

    def count(self, outcome: Outcome) -> int:
        """How many pushes ended so."""
        return sum(1 for push in self.pushes if push.outcome is outcome)


class Syncer:
    """One sync run (pull, push, reduce), and 「送出資料」's push of the application just saved.

    Args:
        outbox: The kiosk's outbox and sync state.
        client: The registry.
        settings: Batch size, concurrency, backoff and retention.
        clock: Gives "now".
        checkpoint: Called at each step of every push (the crash tests' hook).
        rng: Jitter of the backoff (tests seed it).
    """

    def __init__(
        self,
        outbox: OutboxStore,
        client: RegistryClient,
        *,
        settings: SyncSettings,
        clock: Clock = utc_now,
        checkpoint: Checkpoint | None = None,
        rng: random.Random | None = None,
        also: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._also = also  # another upload step after the push (kiosk.staff_upload)
        self._outbox = outbox
        self._client = client
        self._settings = settings
        self._clock = clock
        self._checkpoint = checkpoint or (lambda _point: None)
        self._rng = rng or random.Random()
        self._clock_watch = ClockWatch(clock)
        self._in_flight = in_flight(outbox)

    async def run_once(self, *, everything: bool = False, pull: bool = True) -> SyncReport:
        """One run: the changes feed, then the due outbox entries, then the retention.

        Args:
            everything: Push every waiting entry now, whatever its backoff (``kiosk sync --all``).
            pull: Ask the changes feed first (it also tells whether the registry answers; when
                it cannot be reached, nothing is pushed).
        """
        jumped = self._clock_watch.jump()
        if jumped is not None:  # waits set by the clock before it was put right move with it
            await asyncio.to_thread(self._outbox.shift_waits, jumped)
        changes: list[StatusChange] = []
        reachable: bool | None = None
        error: ErrorCode | None = None
        if pull:
            try:
                changes = await self.pull()
                reachable = True
            except DomainError as failed:
                reachable, error = False, failed.code
            await asyncio.to_thread(
                self._outbox.record_contact, now=self._clock(), error_code=error
            )
            if reachable:
                # Entries put off only because the registry was away need not wait any more.
                await asyncio.to_thread(
                    self._outbox.retry_now, {ErrorCode.REGISTRY_UNREACHABLE}, now=self._clock()
                )
                await self._resume_receipts()
        pushes: list[Push] = []
        if error is not ErrorCode.REGISTRY_UNREACHABLE:
            pushes = await self.push(everything=everything)
            if self._also is not None:
                await self._also()
        reduced = await self.reduce()
        health = await asyncio.to_thread(self._outbox.sync_health, self._clock())
        health = dataclasses.replace(health, clock_skew_s=self._client.clock_skew)
        report = SyncReport(
            pushes=tuple(pushes),
            changes=tuple(changes),
            reduced=tuple(reduced),
            reachable=reachable,
            error=error,
            health=health,
        )
        log.info(
            "sync: %d uploaded, %d refused, %d deferred, %d status changes, %d reduced, "
            "%d waiting%s",
            report.count(Outcome.UPLOADED),
            report.count(Outcome.REFUSED),
            report.count(Outcome.DEFERRED),
            len(changes),
            len(reduced),
            health.waiting,
            f" (registry: {error.value})" if error is not None else "",
        )
        return report

    async def _resume_receipts(self) -> None:
        # A lost counter resumes past the registry's last number; not knowing it is no failure.
        try:
            last = (await self._client.me()).last_receipt
        except DomainError as failed:
            log.info("sync: the last receipt could not be asked (%s)", failed.code.value)
            return
        if last is not None and await asyncio.to_thread(self._outbox.resume_receipts, last):
            log.warning("sync: the receipt counter resumed past %s", last)

    # --- pull ------------------------------------------------------------------------------

    async def pull(self) -> list[StatusChange]:
        """Applies the registry's changes feed from the kept cursor (each page with its cursor).

        Raises:
            DomainError: The registry could not be asked (``REGISTRY_UNREACHABLE``, ...).
        """
        moved: list[StatusChange] = []
        cursor = await asyncio.to_thread(self._outbox.changes_cursor)
        for _page in range(MAX_FEED_PAGES):
            feed = await self._client.changes(cursor)
            if feed.changes or feed.cursor != cursor:
                moved += await asyncio.to_thread(
                    self._outbox.apply_changes, feed.changes, feed.cursor, now=self._clock()
                )
            cursor = feed.cursor
            if not feed.more:
                break
        return moved

    # --- push ------------------------------------------------------------------------------

    async def push(self, *, everything: bool = False) -> list[Push]:
        """Pushes the due outbox entries, a batch at a time, until none is left.

        Stops early when a whole batch found the registry unreachable (it is away: the rest
        waits for the next run instead of timing out one by one).

        Args:
            everything: Every waiting entry, whatever its backoff (each tried once).
        """
        settings = self._settings
        gate = asyncio.Semaphore(settings.concurrency)
        tried: set[uuid.UUID] = set()
        done: list[Push] = []
        # With ``everything``, entries put off again sort last: once a batch brings back only
        # entries already tried, every entry has had its try.
        until = datetime.max.replace(tzinfo=UTC) if everything else self._clock()
        while True:
            # A wait beyond the longest backoff was set by a clock that was ahead: due now.
            horizon = timedelta(seconds=settings.backoff_max_seconds)
            due = await asyncio.to_thread(self._outbox.due, until, settings.batch_size, horizon)
            batch = [item for item in due if item.application_id not in tried]
            if not batch:
                return done
            tried.update(item.application_id for item in batch)

            async def bounded(items: list[OutboxItem]) -> list[Push]:
                async with gate:
                    return await self._push_many(items)

            # Every push of the batch ends (acknowledged or not) before a failure goes up.
            ended = await asyncio.gather(*map(bounded, chunks(batch)), return_exceptions=True)
            for outcome in ended:
                if isinstance(outcome, BaseException):
                    raise outcome
            pushes = [push for part in ended if isinstance(part, list) for push in part]
            done += pushes
            if all(push.code is ErrorCode.REGISTRY_UNREACHABLE for push in pushes):
                return done
            if not everything:
                until = self._clock()

    async def push_saved(self, application_id: uuid.UUID) -> Push | None:
        """Pushes one saved application now, whatever its backoff: 「送出資料」's upload.

        One try, no retry at once (a parent is waiting for the answer); how it ended is recorded
        as for any push: uploaded, refused for good, or put off for the next run.

        Args:
            application_id: The application just saved (or saved before, on a second press).

        Returns:
            How the push ended; None when nothing of it waits any more (a run delivered it).

        Raises:
            DomainError: The registry answered but its answer could not be recorded here (it
                does not fit the application): the parent is told at once, and a second press
                sends the saved body again (the registry answers a replay with what it stored).
        """
        item = await asyncio.to_thread(self._outbox.unsent, application_id)
        if item is None:
            return None
        return await self._push_one(item, attempts=1, parent_waiting=True)

    async def withdraw(self, application_id: uuid.UUID, session: ParentSessionOut) -> int:
        """Withdraws a saved version the parent changed since (返回修改 after an error): here
        first (no push sends it any more), then at the registry, where an earlier press may have
        taken it: its bindings the parent's session sees are cancelled (gone counts as done).

        Returns the bindings cancelled there. Raises DomainError when the registry could not be
        asked (pressing again asks again) or a binding was decided already.
        """
        await asyncio.to_thread(self._outbox.withdraw, application_id, now=self._clock())
        # A push that left before may still land there: the registry is asked once it has.
        await self._in_flight.ended(application_id)
        cancelled = 0
        for binding in (await self._client.bindings(session)).bindings:
            if binding.application_id != application_id:
                continue
            try:
                await self._client.cancel_binding(session, binding.binding_id)
            except DomainError as failed:
                if failed.code is not ErrorCode.BINDING_NOT_FOUND:
                    raise
            cancelled += 1
        if cancelled:
            log.info("sync: application %s withdrawn at the registry", application_id)
        return cancelled

    async def _push_one(
        self,
        item: OutboxItem,
        *,
        attempts: int | None = None,
        parent_waiting: bool = False,
        renumbered: bool = False,
    ) -> Push:
        with self._in_flight.pushing([item.application_id]):
            return await self._push_one_now(
                item, attempts=attempts, parent_waiting=parent_waiting, renumbered=renumbered
            )

    async def _push_one_now(
        self,
        item: OutboxItem,
        *,
        attempts: int | None,
        parent_waiting: bool,
        renumbered: bool,
    ) -> Push:
        submission = SubmissionIn.model_validate_json(item.payload)
        key, receipt = item.application_id, submission.receipt
        self._checkpoint(CrashPoint.BEFORE_SEND)
        try:
            async for attempt in stamina.retry_context(
                on=retry_at_once,
                attempts=self._settings.attempts if attempts is None else attempts,
                timeout=None,
                wait_initial=RETRY_WAIT_INITIAL,
                wait_max=RETRY_WAIT_MAX,
                wait_jitter=RETRY_WAIT_JITTER,
            ):
                with attempt:
                    result = await self._client.submit(submission)
        except DomainError as failed:
            if receipt_taken(failed) and not renumbered:
                # Its number names another application there (a lost counter): the next free one.
                try:
                    item = await self._renumber(item)
                except DomainError as unasked:  # the registry away again: tried later
                    return await self._failed(item, receipt, unasked)
                return await self._push_one(
                    item, attempts=attempts, parent_waiting=parent_waiting, renumbered=True
                )
            return await self._failed(item, receipt, failed)
        self._checkpoint(CrashPoint.AFTER_COMMIT)
        try:
            await asyncio.to_thread(
                self._outbox.mark_pushed, key, result.bindings, now=self._clock()
            )
        except DomainError as failed:
            if parent_waiting:
                raise
            return await self._failed(item, receipt, failed)
        self._checkpoint(CrashPoint.AFTER_ACK)
        statuses = tuple(binding.status for binding in result.bindings)
        return Push(key, receipt, Outcome.UPLOADED, statuses=statuses)

    async def _push_many(self, items: list[OutboxItem]) -> list[Push]:
        """Pushes several entries in one request (``POST /v1/applications/batch``) and records
        the answers in one local transaction; each ends as its own push would."""
        with self._in_flight.pushing([item.application_id for item in items]):
            return await self._push_many_now(items)

    async def _push_many_now(self, items: list[OutboxItem]) -> list[Push]:
        if len(items) == 1:
            return [await self._push_one(items[0])]
        sent = [SubmissionIn.model_validate_json(item.payload) for item in items]
        self._checkpoint(CrashPoint.BEFORE_SEND)
        try:
            answers = await submit_batch(self._client, sent, attempts=self._settings.attempts)
        except DomainError as failed:
            if failed.code in TRANSIENT and failed.code not in BATCH_UNKNOWN:
                pairs = zip(items, sent, strict=True)
                return [await self._failed(item, s.receipt, failed) for item, s in pairs]
            # Refused whole, or a registry without batches: one at a time, each its own answer.
            return [await self._push_one(item) for item in items]
        self._checkpoint(CrashPoint.AFTER_COMMIT)
        answered = zip(items, answers, strict=True)
        stored = [(item.application_id, answer.bindings) for item, answer in answered if answer.ok]
        try:
            await asyncio.to_thread(self._outbox.mark_pushed_many, stored, now=self._clock())
        except DomainError:  # an answer that does not fit: each on its own (the registry replays)
            return [await self._push_one(item) for item in items]
        self._checkpoint(CrashPoint.AFTER_ACK)
        pushes = []
        for item, submission, answer in zip(items, sent, answers, strict=True):
            if answer.error is None:
                statuses = tuple(binding.status for binding in answer.bindings)
                pushes.append(
                    Push(
                        item.application_id, submission.receipt, Outcome.UPLOADED, statuses=statuses
                    )
                )
            elif receipt_taken(answer.error):
                pushes.append(await self._push_one(item))  # renumbered there
            else:
                pushes.append(await self._failed(item, submission.receipt, answer.error))
        return pushes

    async def _renumber(self, item: OutboxItem) -> OutboxItem:
        last = (await self._client.me()).last_receipt
        log.warning("sync: application %s renumbered past %s", item.application_id, last)
        return await asyncio.to_thread(
            self._outbox.renumber, item.application_id, last, now=self._clock()
        )

    async def _failed(self, item: OutboxItem, receipt: str, error: DomainError) -> Push:
        # The one outcome policy of a push that did not go: a passing failure is put off, any
        # other answer is the registry refusing the application for good.
        key, code = item.application_id, error.code
        now = self._clock()
        if code not in TRANSIENT:
            log.info("sync: application %s refused by the registry (%s)", key, code.value)
            await asyncio.to_thread(self._outbox.mark_refused, key, code, now=now)
            return Push(key, receipt, Outcome.REFUSED, error)
        later = now + backoff(item.attempts + 1, self._settings, self._rng)
        log.info("sync: application %s deferred (%s)", key, code.value)
        await asyncio.to_thread(self._outbox.mark_attempt_failed, key, code, later)
        return Push(key, receipt, Outcome.DEFERRED, error, next_attempt_at=later)

    # --- retention -------------------------------------------------------------------------

    async def reduce(self) -> list[str]:
        """Reduces applications decided longer than the retention period ago to their receipt."""
        now = self._clock()
        cutoff = now - timedelta(days=self._settings.retention_days)
        return await asyncio.to_thread(self._outbox.reduce_decided, decided_before=cutoff, now=now)


class SyncWorker:
    """Runs :class:`Syncer` inside the kiosk app: when woken, and every ``interval`` seconds.

    A run that fails is logged and the next one comes as usual: the worker never stops by
    itself (the app cancels it when it quits).

    Args:
        syncer: One run.
        interval: Seconds between runs when nothing wakes the worker.

    Attributes:
        last_report: What the last run moved (the staff console's kiosk health).
    """

    def __init__(self, syncer: Syncer, *, interval: float) -> None:
        self._syncer = syncer
        self._interval = interval
        self._wake = asyncio.Event()
        self.last_report: SyncReport | None = None
        self.runs = 0

    def wake(self) -> None:
        """Asks for a run now (after a submission: the registry answered, or may again)."""
        self._wake.set()

    async def run(self) -> None:
        """Runs forever: a run at once, then on every wake or interval."""
        while True:
            self._wake.clear()
            try:
                self.last_report = await self._syncer.run_once()
            except Exception as failed:
                log.error("sync: the run failed; next run as usual: %s", describe_failure(failed))
            self.runs += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)


def summarise(reports: Sequence[SyncReport]) -> dict[str, int]:
    """Totals over several runs (the benchmark's and the CLI's)."""
    return {
        "uploaded": sum(report.count(Outcome.UPLOADED) for report in reports),
        "refused": sum(report.count(Outcome.REFUSED) for report in reports),
        "deferred": sum(report.count(Outcome.DEFERRED) for report in reports),
        "changes": sum(len(report.changes) for report in reports),
        "reduced": sum(len(report.reduced) for report in reports),
    }
