"""The staff console's registry calls that :mod:`kiosk.client` does not hold (it is near its size
limit): 臨櫃核對身分, a parent session on a staff member's word; and the upload of a staff action
kept while the registry was out of reach (:mod:`kiosk.staff_upload`).

Each call goes through the client's own request plumbing (its error mapping, kiosk token, clock
handling), so it fails exactly as every other call does.
"""

from __future__ import annotations

from kiosk.client import RegistryClient
from kiosk.domain.contact import Contact
from kiosk.domain.documents import IdDocument
from kiosk.domain.in_person import InPersonIn, InPersonOut
from kiosk.domain.late_events import LateStaffEventIn
from kiosk.domain.wire import StaffSessionOut


async def verify_in_person(
    client: RegistryClient, staff: StaffSessionOut, contact: Contact, document: IdDocument
) -> InPersonOut:
    """``POST /v1/staff/in-person``: the parent's session for ``contact``, on ``staff``'s word.

    Sent with the kiosk's token and the staff token (the registry checks that the staff member
    belongs to this kiosk's school, and counts the day's verifications).

    Raises:
        DomainError: ``AUTH_*`` (no or an expired staff token, no kiosk key),
            ``AUTH_FORBIDDEN`` (another school's staff), ``LIMIT_IN_PERSON``, the contact's own
            codes, or as any call (``REGISTRY_UNREACHABLE``...).
    """
    body = InPersonIn(channel=contact.channel, address=contact.address, document=document)
    # The client's own plumbing, by design (see the module's docstring).
    return await client._call("POST", "/staff/in-person", InPersonOut, body=body, staff=staff)


async def upload_late_event(client: RegistryClient, event: LateStaffEventIn) -> None:
    """``POST /v1/staff/events/late``: a staff action kept while the registry was out of reach
    (kiosk token; the staff token it was taken under is in the body).

    Raises:
        DomainError: ``AUTH_INVALID`` (a token the registry does not take), or as any call.
    """
    await client._request("POST", "/staff/events/late", body=event)
