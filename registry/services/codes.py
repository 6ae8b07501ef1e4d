"""One-time codes: request (with the send limits), verify (with attempts), parent sessions.

Policy (SPEC §1, issue 3): 6 digits from :mod:`secrets`; stored only as an HMAC under the
registry's pepper; compared in constant time; valid :attr:`Limits.code_ttl_minutes`; dead on first
use, after :attr:`Limits.code_attempts` wrong entries, or when a newer code is requested for the
same address. SMS: at most :attr:`Limits.sms_max` sends per number in any
:attr:`Limits.sms_window_minutes`; email likewise. The limits count rows in ``send_events`` under
a per-address lock, so they hold across registry processes sharing one database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.codes import CODE_LENGTH, parse_code
from kiosk.domain.contact import Channel, Contact, parse_contact
from kiosk.domain.errors import DomainError, ErrorCode
from registry.services.locks import lock
from registry.settings import Limits
from store.central import CodeChallenge, ParentSession, SendEvent


def code_hash(pepper: bytes, challenge_id: uuid.UUID, code: str) -> str:
    """The keyed hash a code is stored as (bound to its challenge, so equal codes differ)."""
    message = f"{challenge_id}:{code}".encode()
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def new_code() -> str:
    """Six digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def normalize_code(raw: str) -> str:
    """The code as typed, checked by the domain's rule (six digits, full-width allowed).

    Raises:
        DomainError: ``CODE_FORMAT`` unless six ASCII digits remain.
    """
    return parse_code(raw, field="code")


def _window(limits: Limits, channel: Channel) -> tuple[int, int]:
    if channel is Channel.SMS:
        return limits.sms_max, limits.sms_window_minutes
    return limits.email_max, limits.email_window_minutes


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A challenge made and committed; the code is still to be sent."""

    challenge_id: uuid.UUID
    contact: Contact
    code: str
    expires_at: datetime


def request_code(
    session: Session,
    *,
    channel: Channel,
    address: str,
    now: datetime,
    limits: Limits,
    pepper: bytes,
) -> IssuedCode:
    """Checks the address and the send limit, kills earlier codes, and stores a new one.

    Commits, because the caller sends the code next: a code is never sent for a challenge that
    was not stored, nor past a limit not yet counted, and the address's lock (PostgreSQL) is not
    held while a gateway answers. Rolls back when the limit is reached.

    Raises:
        DomainError: the address's own error (``email.*``, ``phone.*``, ``phone.not_mobile``);
            ``LIMIT_SMS`` / ``LIMIT_EMAIL`` (``max``, ``minutes``) when the window is full.
    """
    contact = parse_contact(channel, address, field="address")
    maximum, minutes = _window(limits, contact.channel)
    # Serialise every request for this address, across processes, before counting.
    # Counted by the contact's key: ``ANNIE@…`` and ``annie@…`` are one mailbox.
    lock(session, f"code:{contact.channel.value}:{contact.key}")
    sent = session.scalar(
        select(func.count())
        .select_from(SendEvent)
        .where(
            SendEvent.channel == contact.channel,
            SendEvent.address == contact.key,
            SendEvent.at > now - timedelta(minutes=minutes),
        )
    )
    if (sent or 0) >= maximum:
        session.rollback()
        limit = ErrorCode.LIMIT_SMS if contact.channel is Channel.SMS else ErrorCode.LIMIT_EMAIL
        raise DomainError(limit, max=maximum, minutes=minutes)
    session.execute(
        update(CodeChallenge)
        .where(
            CodeChallenge.channel == contact.channel,
            CodeChallenge.address_key == contact.key,
            CodeChallenge.used_at.is_(None),
            CodeChallenge.dead.is_(False),
        )
        .values(dead=True)
    )
    challenge_id = uuid.uuid4()
    code = new_code()
    expires_at = now + limits.code_ttl
    session.add(
        CodeChallenge(
            id=challenge_id,
            channel=contact.channel,
            address=contact.address,
            code_hash=code_hash(pepper, challenge_id, code),
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.add(SendEvent(channel=contact.channel, address=contact.key, at=now))
    # Sends older than the window count for nothing any more; forget them while we hold the lock.
    session.execute(
        delete(SendEvent).where(
            SendEvent.channel == contact.channel,
            SendEvent.address == contact.key,
            SendEvent.at <= now - timedelta(minutes=minutes),
        )
    )
    session.commit()
    return IssuedCode(challenge_id, contact, code, expires_at)


def kill_challenge(session: Session, challenge_id: uuid.UUID) -> None:
    """Marks a challenge dead (its code could not be sent).

    Commits, because the request then fails (``NOTIFY_FAILED``) and its unit of work is not kept.
    """
    session.execute(update(CodeChallenge).where(CodeChallenge.id == challenge_id).values(dead=True))
    session.commit()


def verify_code(
    session: Session,
    *,
    challenge_id: uuid.UUID,
    code: str,
    kiosk_id: str,
    now: datetime,
    limits: Limits,
    pepper: bytes,
) -> ParentSession:
    """Checks a code and opens a parent session for its contact.

    Commits a wrong entry before raising: the attempt must count although the request fails. A
    right code's session is left to the caller's unit of work (does not commit).

    Raises:
        DomainError: ``CODE_FORMAT``; ``CODE_UNKNOWN`` (no such challenge, or superseded by a
            newer code); ``CODE_USED``; ``CODE_DEAD`` (too many wrong entries); ``CODE_EXPIRED``;
            ``CODE_WRONG`` (``remaining``).
    """
    typed = normalize_code(code)
    challenge = session.scalars(
        select(CodeChallenge).where(CodeChallenge.id == challenge_id).with_for_update()
    ).one_or_none()
    if challenge is None:
        raise DomainError(ErrorCode.CODE_UNKNOWN, field="code")
    if challenge.used_at is not None:
        raise DomainError(ErrorCode.CODE_USED, field="code")
    if challenge.attempts >= limits.code_attempts:
        raise DomainError(ErrorCode.CODE_DEAD, field="code")
    if challenge.dead:
        raise DomainError(ErrorCode.CODE_UNKNOWN, field="code")
    if now >= challenge.expires_at:
        raise DomainError(ErrorCode.CODE_EXPIRED, field="code")
    if not hmac.compare_digest(code_hash(pepper, challenge.id, typed), challenge.code_hash):
        challenge.attempts += 1
        remaining = limits.code_attempts - challenge.attempts
        if remaining <= 0:
            challenge.dead = True
        session.commit()
        if remaining <= 0:
            raise DomainError(ErrorCode.CODE_DEAD, field="code")
        raise DomainError(ErrorCode.CODE_WRONG, field="code", remaining=remaining)
    challenge.used_at = now
    parent_session = ParentSession(
        id=uuid.uuid4(),
        channel=challenge.channel,
        address=challenge.address,
        challenge_id=challenge.id,
        kiosk_id=kiosk_id,
        created_at=now,
        expires_at=now + timedelta(minutes=limits.parent_session_minutes),
    )
    session.add(parent_session)
    return parent_session
