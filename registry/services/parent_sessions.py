"""A parent session (a verified contact on one kiosk), checked before a parent's request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from store.central import ParentSession

# Built once (each request only binds the id): building and keying a statement costs more than
# PostgreSQL's answer to it, on the kiosk's most frequent requests.
_READ: Final = select(ParentSession).where(ParentSession.id == bindparam("id"))
_LOCKED: Final = _READ.with_for_update()


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
    query = _LOCKED if lock else _READ
    row = session.scalars(query, {"id": session_id}).one_or_none()
    if row is None or row.kiosk_id != kiosk_id:
        raise DomainError(ErrorCode.SESSION_INVALID)
    if now >= row.expires_at:
        raise DomainError(ErrorCode.SESSION_EXPIRED)
    if row.locked_at is not None:
        raise DomainError(ErrorCode.SESSION_LOCKED)
    return row
