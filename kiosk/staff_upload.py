"""The sync worker's step for staff actions kept while the registry was out of reach.

:class:`StaffEventUpload` runs after each sync pass that reached the registry (a
:class:`~kiosk.sync.Syncer` ``also`` step): every kept event is sent with its id, so one sent
twice (an answer lost on the way) is audited once; an event the registry takes is forgotten here,
one it refuses for good is kept with the refusal and not sent again, and when the registry is out
of reach again the step stops until the next pass.
"""

from __future__ import annotations

import asyncio
import logging

from kiosk.client import RegistryClient
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.late_events import LateStaffEventIn
from kiosk.domain.wire import StaffEventAction
from kiosk.staff_calls import upload_late_event
from store.local.staff_events import StaffEventStore

log = logging.getLogger(__name__)

#: Failures that say nothing about the event itself: it is tried again on the next pass.
_TRANSIENT = frozenset(
    {ErrorCode.REGISTRY_UNREACHABLE, ErrorCode.REGISTRY_ERROR, ErrorCode.SERVER_ERROR}
)


class StaffEventUpload:
    """Uploads the kept staff events.

    Args:
        events: The kiosk's kept staff events.
        client: The registry (the kiosk's own token).
    """

    def __init__(self, events: StaffEventStore, client: RegistryClient) -> None:
        self._events = events
        self._client = client

    async def __call__(self) -> int:
        """One pass; how many events the registry now has."""
        waiting = await asyncio.to_thread(self._events.waiting)
        done = 0
        for event in waiting:
            try:
                action = StaffEventAction(event.action)
            except ValueError:
                await asyncio.to_thread(self._events.failed, event.event_id, refused="unknown")
                continue
            body = LateStaffEventIn(
                event_id=event.event_id, action=action, at=event.at, staff_token=event.staff_token
            )
            try:
                await upload_late_event(self._client, body)
            except DomainError as failed:
                if failed.code in _TRANSIENT:
                    log.info("staff events: the registry is away; %d wait", len(waiting) - done)
                    await asyncio.to_thread(self._events.failed, event.event_id, refused=None)
                    break
                log.warning("staff event %s refused: %s", event.action, failed.code.value)
                await asyncio.to_thread(
                    self._events.failed, event.event_id, refused=failed.code.value
                )
                continue
            await asyncio.to_thread(self._events.uploaded, event.event_id)
            done += 1
        if done:
            log.info("staff events: %d uploaded", done)
        return done
