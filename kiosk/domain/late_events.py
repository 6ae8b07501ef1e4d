"""Staff actions taken on a kiosk while the registry could not be reached, as uploaded later.

The kiosk keeps each (:mod:`store.local.staff_events`) with the staff token the member was signed
in with, and uploads it when the registry answers again, like an application; the registry checks
that token's signature (not its expiry: the upload may come hours later), that the action falls
within the token's life, and records the event in its audit log once, however often it is sent.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime

from kiosk.domain.wire import StaffEventAction, Token, WireModel


class LateStaffEventIn(WireModel):
    """A staff action taken on this kiosk while the registry could not be reached, uploaded
    later (``POST /v1/staff/events/late``, kiosk token): the staff token the member was signed in
    with then (checked, though it may have expired since) and when it happened."""

    event_id: UUID
    """The kiosk's id of the event: an upload repeated is recorded once."""
    action: StaffEventAction
    at: AwareDatetime
    staff_token: Token
