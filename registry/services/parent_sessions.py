"""A parent session (a verified contact on one kiosk), checked before a parent's request."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from store.central import ParentSession


def checked(
    session: Session, session_id: uuid.UUID, *, kiosk_id: str, now: datetime, lock: bool
) -> ParentSession:
    """The parent session of a verified parent-session JWT, if it may still be used. Does not
    commit.

    Args:
        session: The database session to read it in.
        session_id: The JWT's subject.
        kiosk_id: The kiosk the request comes from (a session is used on its own kiosk only).
        now: When.
        lock: Whether to lock the row for the transaction (to count a miss on it).

    Raises:
        DomainError: ``SESSION_INVALID`` for no such session or one opened on another kiosk;
            ``SESSION_EXPIRED``; ``SESSION_LOCKED`` after too many misses.
    """
    query = select(ParentSession).where(ParentSession.id == session_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None or row.kiosk_id != kiosk_id:
        raise DomainError(ErrorCode.SESSION_INVALID)
    if now >= row.expires_at:
        raise DomainError(ErrorCode.SESSION_EXPIRED)
    if row.locked_at is not None:
        raise DomainError(ErrorCode.SESSION_LOCKED)
    return row
