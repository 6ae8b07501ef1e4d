"""Pushing saved applications: what a failure means (passing or a refusal), the push's record
(:class:`Push`), and the batch upload (``POST /v1/applications/batch``): many saved applications
in one request, packed under the registry's body cap, each answered as its own push would be.

:mod:`kiosk.sync` decides what to do with the answers; this module only asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

import stamina

from kiosk.client import RegistryClient
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import MAX_BODY_BYTES, BindingOut, SubmissionIn
from kiosk.domain.wire_batch import MAX_BATCH, ApplicationBatchIn, ApplicationBatchOut
from store.local.outbox import OutboxStore
from store.local.records import OutboxItem

#: Failures that are not the application's fault: it stays queued and is tried again later.
#: Every other error the registry answers a submission with is a refusal of the application.
TRANSIENT: Final = frozenset(
    {
        ErrorCode.REGISTRY_UNREACHABLE,
        ErrorCode.REGISTRY_ERROR,
        ErrorCode.SERVER_ERROR,
        ErrorCode.AUTH_REQUIRED,
        ErrorCode.AUTH_INVALID,
        ErrorCode.AUTH_FORBIDDEN,
        ErrorCode.REQUEST_NOT_FOUND,
        ErrorCode.REQUEST_METHOD,
        ErrorCode.NOTIFY_FAILED,
        ErrorCode.LIMIT_SMS,
        ErrorCode.LIMIT_EMAIL,
        # The kiosk's own fault (its disk full): the application waits until it is mended.
        ErrorCode.KIOSK_FAULT,
    }
)
#: Failures worth another try at once, within the same run (the answer may differ in a moment).
RETRY_AT_ONCE: Final = frozenset(
    {ErrorCode.REGISTRY_UNREACHABLE, ErrorCode.REGISTRY_ERROR, ErrorCode.SERVER_ERROR}
)
#: The short backoff between tries within a run, in seconds (stamina's exponential + jitter).
RETRY_WAIT_INITIAL: Final = 0.2
RETRY_WAIT_MAX: Final = 2.0
RETRY_WAIT_JITTER: Final = 0.3
#: Pages of the changes feed applied in one run at most (the rest waits for the next run).
MAX_FEED_PAGES: Final = 100


class Outcome(StrEnum):
    """What became of one push."""

    UPLOADED = "uploaded"
    REFUSED = "refused"
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class Push:
    """One outbox entry pushed (nothing personal).

    Attributes:
        application_id: The application.
        receipt: Its receipt number.
        outcome: Uploaded, refused (final) or deferred (tried again later).
        error: Why it was refused or deferred: the registry's error, with the field it names
            (「送出資料」 shows a refusal beside that field).
        statuses: The registry's status of each student, when uploaded.
        next_attempt_at: When a deferred entry is tried again.
    """

    application_id: uuid.UUID
    receipt: str
    outcome: Outcome
    error: DomainError | None = None
    statuses: tuple[BindingStatus, ...] = ()
    next_attempt_at: datetime | None = None

    @property
    def code(self) -> ErrorCode | None:
        """The error code of :attr:`error`, if any."""
        return None if self.error is None else self.error.code


def receipt_taken(error: DomainError) -> bool:
    """Whether the registry refused a push because its receipt number names another application."""
    return error.code is ErrorCode.APPLICATION_CONFLICT and error.field == "receipt"


def retry_at_once(error: Exception) -> bool:
    """Whether a failure is worth another try at once, within the same run."""
    return isinstance(error, DomainError) and error.code in RETRY_AT_ONCE


#: Answers meaning the registry has no batch upload (an older one): push one at a time.
BATCH_UNKNOWN: Final = frozenset({ErrorCode.REQUEST_NOT_FOUND, ErrorCode.REQUEST_METHOD})
#: Room left in a batch's body for its envelope and each entry's comma.
_ENVELOPE_BYTES: Final = 1024


def chunks(items: Sequence[OutboxItem], max_bytes: int = MAX_BODY_BYTES) -> list[list[OutboxItem]]:
    """The entries in order, packed into batches of at most :data:`MAX_BATCH` whose bodies stay
    under ``max_bytes`` (an entry too big to share a body goes alone)."""
    packed: list[list[OutboxItem]] = []
    size = 0
    for item in items:
        length = len(item.payload) + 1
        if (
            not packed
            or len(packed[-1]) >= MAX_BATCH
            or size + length > max_bytes - _ENVELOPE_BYTES
        ):
            packed.append([])
            size = 0
        packed[-1].append(item)
        size += length
    return packed


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """What the registry answered for one application of a batch."""

    bindings: tuple[BindingOut, ...] = ()
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """Stored (or a replay of what was stored)."""
        return self.error is None


async def submit_batch(
    client: RegistryClient, submissions: Sequence[SubmissionIn], *, attempts: int
) -> list[BatchAnswer]:
    """``POST /v1/applications/batch``, tried again at once on a passing failure.

    Returns:
        One answer per submission, in order.

    Raises:
        DomainError: The batch as a whole was not answered (the registry away or erring, the
            request refused whole); nothing of it is known to be stored.
    """
    body = ApplicationBatchIn(applications=list(submissions))
    async for attempt in stamina.retry_context(
        on=retry_at_once,
        attempts=attempts,
        timeout=None,
        wait_initial=RETRY_WAIT_INITIAL,
        wait_max=RETRY_WAIT_MAX,
        wait_jitter=RETRY_WAIT_JITTER,
    ):
        with attempt:
            # The client's one request path (its signing, clock and error handling).
            answer = await client._call(
                "POST", "/applications/batch", ApplicationBatchOut, body=body
            )
    items = answer.results
    if [item.application_id for item in items] != [s.application_id for s in submissions]:
        raise DomainError(ErrorCode.REGISTRY_ERROR)
    answers = []
    for item in items:
        if item.result is not None and item.status in (200, 201):
            answers.append(BatchAnswer(bindings=tuple(item.result.bindings)))
        elif item.error is not None:
            error = DomainError(item.error.code, field=item.error.field, **item.error.params)
            answers.append(BatchAnswer(error=error))
        else:
            raise DomainError(ErrorCode.REGISTRY_ERROR)
    return answers


class InFlight:
    """The applications whose push is on the wire right now, by any :class:`Syncer` of one
    outbox (the worker's and the wizard's share the kiosk's store): a withdrawal waits for such
    a push to end, so it never looks at the registry before a push it cannot stop has landed.
    """

    def __init__(self) -> None:
        self._pushing: Counter[uuid.UUID] = Counter()
        self._ended: dict[uuid.UUID, asyncio.Event] = {}

    @contextlib.contextmanager
    def pushing(self, application_ids: Sequence[uuid.UUID]) -> Iterator[None]:
        """While these applications' push is on its way (and its answer being recorded)."""
        self._pushing.update(application_ids)
        try:
            yield
        finally:
            self._pushing.subtract(application_ids)
            for application_id in application_ids:
                if self._pushing[application_id] <= 0:
                    del self._pushing[application_id]
                    ended = self._ended.pop(application_id, None)
                    if ended is not None:
                        ended.set()

    async def ended(self, application_id: uuid.UUID) -> None:
        """Returns once no push of this application is on its way."""
        if application_id in self._pushing:
            await self._ended.setdefault(application_id, asyncio.Event()).wait()


#: One tracker per outbox, whichever Syncer pushes from it.
_IN_FLIGHT: weakref.WeakKeyDictionary[OutboxStore, InFlight] = weakref.WeakKeyDictionary()


def in_flight(outbox: OutboxStore) -> InFlight:
    """The tracker of pushes from ``outbox`` (made on first use)."""
    tracker = _IN_FLIGHT.get(outbox)
    if tracker is None:
        tracker = _IN_FLIGHT[outbox] = InFlight()
    return tracker
