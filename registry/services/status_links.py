"""Short, signed, expiring links to an application's read-only status page (the QR target).

A token is ``base64url(application id (16 bytes) ‖ expiry day (2 bytes) ‖ MAC (8 bytes))``: 35
characters, so the registry's public base URL (at most 24), ``/s/`` and the token fit the 62
characters a version-4 QR code holds at error correction M. The MAC is HMAC-SHA256, truncated to
64 bits, under a key derived from the registry's pepper (shared by every registry process); the
expiry is a day number since 1970-01-01 (UTC), the link good through that day.

The page shows no more than the masked prefill does: the students' names masked, their statuses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.masking import mask_name
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import StatusLinkOut
from store.central import Application, Binding

#: The path the status page is served under.
PAGE_PATH: Final = "/s/"
_EPOCH: Final = date(1970, 1, 1)
_MAC_BYTES: Final = 8
_TOKEN_BYTES: Final = 16 + 2 + _MAC_BYTES
_CONTEXT: Final = b"coolclass-registry/status-link/v1"


class LinkInvalid(Exception):  # noqa: N818 - reads as "the link is invalid"
    """The token was altered, cut short or never made here."""


class LinkExpired(Exception):  # noqa: N818 - reads as "the link has expired"
    """The token is genuine but its day has passed."""


def _key(pepper: bytes) -> bytes:
    return hmac.new(pepper, _CONTEXT, hashlib.sha256).digest()


def _mac(pepper: bytes, body: bytes) -> bytes:
    return hmac.new(_key(pepper), body, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(pepper: bytes, application_id: uuid.UUID, expires: date) -> str:
    """The token naming ``application_id``, good through ``expires``."""
    body = application_id.bytes + (expires - _EPOCH).days.to_bytes(2, "big")
    return base64.urlsafe_b64encode(body + _mac(pepper, body)).rstrip(b"=").decode("ascii")


def read_token(pepper: bytes, token: str, today: date) -> uuid.UUID:
    """The application a token names.

    Raises:
        LinkInvalid: Not a token made with this pepper (altered, cut, made up).
        LinkExpired: Genuine, but past its day.
    """
    if len(token) > 40:
        raise LinkInvalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkInvalid from None
    if len(raw) != _TOKEN_BYTES:
        raise LinkInvalid
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(pepper, body)):
        raise LinkInvalid
    if _EPOCH + timedelta(days=int.from_bytes(body[16:], "big")) < today:
        raise LinkExpired
    return uuid.UUID(bytes=body[:16])


def status_link(
    session: Session,
    pepper: bytes,
    *,
    base_url: str,
    days: int,
    kiosk_id: str,
    application_id: uuid.UUID,
    now: datetime,
) -> StatusLinkOut:
    """The status page link of an application this kiosk submitted. Does not commit.

    Raises:
        DomainError: ``APPLICATION_NOT_FOUND`` when there is none, or another kiosk's.
    """
    application = session.get(Application, application_id)
    if application is None or application.kiosk_id != kiosk_id:
        raise DomainError(ErrorCode.APPLICATION_NOT_FOUND)
    expires = now.astimezone(UTC).date() + timedelta(days=days)
    token = make_token(pepper, application_id, expires)
    return StatusLinkOut(
        url=f"{base_url}{PAGE_PATH}{token}",
        expires_at=datetime.combine(expires, time.max, tzinfo=UTC),
    )


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One student on the status page: the name masked, and the status."""

    masked_name: str
    status: BindingStatus


def status_rows(session: Session, application_id: uuid.UUID) -> list[StatusRow] | None:
    """The application's students (masked) and statuses; None when there is no application.

    Cancelled or purged students are left out. Does not commit.
    """
    if session.get(Application, application_id) is None:
        return None
    bindings = session.scalars(
        select(Binding)
        .where(Binding.application_id == application_id, Binding.removed_at.is_(None))
        .options(joinedload(Binding.student))
        .order_by(Binding.position)
    ).all()
    return [StatusRow(mask_name(binding.student.name), binding.status) for binding in bindings]
