"""In-person verification (臨櫃核對身分): a staff member who saw a parent's identity document opens
the parent's session for the contact the parent gave, instead of a code.

The staff member must belong to the school of the kiosk the parent stands at, and may do this at
most :attr:`~registry.settings.Limits.in_person_per_day` times a day (Taipei time). A used code
challenge stands for the code (no code exists, so none can ever be typed), so everything after the
code step — student look-ups, the application's ``challenge_id`` — works as for a code; the
application made under it is marked (:func:`verified_in_person`) and reviewers see who vouched.

Nothing here commits: the caller's unit of work does (the session, the verification and its audit
row together).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.contact import Channel, Contact, parse_contact
from kiosk.domain.documents import IdDocument
from kiosk.domain.errors import DomainError, ErrorCode
from registry.services import audit
from registry.services.locks import lock
from registry.services.review import Reviewer
from registry.settings import Limits
from store.central import CodeChallenge, InPersonVerification, ParentSession

#: The limit counts school days.
TAIPEI: Final = ZoneInfo("Asia/Taipei")


@dataclass(frozen=True, slots=True)
class Vouched:
    """The parent session opened on a staff member's word."""

    session: ParentSession
    challenge: CodeChallenge
    contact: Contact


def _start_of_day(now: datetime) -> datetime:
    day = now.astimezone(TAIPEI).date()
    return datetime.combine(day, time(), tzinfo=TAIPEI)


def count_today(session: Session, staff_id: int, now: datetime) -> int:
    """In-person verifications this staff member made today (Taipei)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(InPersonVerification)
            .where(
                InPersonVerification.staff_id == staff_id,
                InPersonVerification.at >= _start_of_day(now),
            )
        )
        or 0
    )


def vouch(
    session: Session,
    reviewer: Reviewer,
    *,
    kiosk_id: str,
    kiosk_school: str,
    channel: Channel,
    address: str,
    document: IdDocument,
    now: datetime,
    limits: Limits,
) -> Vouched:
    """Opens a parent session for a contact a staff member vouches for. Does not commit.

    Args:
        session: The request's unit of work.
        reviewer: The staff member (a verified staff token).
        kiosk_id: The kiosk the parent stands at (a verified kiosk token).
        kiosk_school: That kiosk's school.
        channel: Email or SMS.
        address: The contact as the parent gave it, checked as for a code.
        document: What the staff member saw.
        now: When.
        limits: The per-day limit and the session's lifetime.

    Raises:
        DomainError: ``AUTH_FORBIDDEN`` for staff of another school than the kiosk's; the
            contact's own codes (``email.*``, ``phone.*``, field ``address``);
            ``LIMIT_IN_PERSON`` (``max``) when the staff member's day is used up.
    """
    if reviewer.school_code != kiosk_school:
        raise DomainError(ErrorCode.AUTH_FORBIDDEN)
    contact = parse_contact(channel, address, field="address")
    # One staff member's verifications one at a time: two at once must not both find room.
    lock(session, f"in-person:{reviewer.staff_id}")
    if count_today(session, reviewer.staff_id, now) >= limits.in_person_per_day:
        raise DomainError(ErrorCode.LIMIT_IN_PERSON, max=limits.in_person_per_day)
    challenge = CodeChallenge(
        id=uuid.uuid4(),
        channel=contact.channel,
        address=contact.address,
        # No code exists: a hash of nothing anyone knows, and the challenge is used already.
        code_hash=secrets.token_hex(32),
        created_at=now,
        expires_at=now,
        used_at=now,
    )
    session.add(challenge)
    session.flush()
    parent_session = ParentSession(
        id=uuid.uuid4(),
        channel=contact.channel,
        address=contact.address,
        challenge_id=challenge.id,
        kiosk_id=kiosk_id,
        created_at=now,
        expires_at=now + timedelta(minutes=limits.parent_session_minutes),
    )
    session.add(parent_session)
    session.add(
        InPersonVerification(
            id=uuid.uuid4(),
            challenge_id=challenge.id,
            staff_id=reviewer.staff_id,
            kiosk_id=kiosk_id,
            document=document,
            at=now,
        )
    )
    audit.record(
        session,
        actor=reviewer.actor,
        action="parent.verify_in_person",
        subject=f"kiosk:{kiosk_id}",
        now=now,
        school=kiosk_school,
        kiosk=kiosk_id,
        document=document.value,
        channel=contact.channel.value,
        parent_session=str(parent_session.id),
    )
    session.flush()
    return Vouched(parent_session, challenge, contact)


#: The in-person verifications behind challenges (built once: each submission asks).
_IN_PERSON_AMONG: Final = select(InPersonVerification.challenge_id).where(
    InPersonVerification.challenge_id.in_(bindparam("challenge_ids", expanding=True))
)


def verified_in_person(session: Session, challenge_id: uuid.UUID) -> bool:
    """Whether this challenge stands for an in-person verification (the application's mark)."""
    return challenge_id in in_person_of(session, [challenge_id])


def in_person_of(session: Session, challenge_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Of these challenges, those that stand for an in-person verification (one query)."""
    return set(session.scalars(_IN_PERSON_AMONG, {"challenge_ids": list(challenge_ids)}))


def audit_refused(
    sessions: sessionmaker[Session],
    reviewer: Reviewer,
    refused: DomainError,
    *,
    kiosk_id: str,
    now: datetime,
) -> None:
    """Records a refused in-person verification (``parent.verify_in_person_refused``: over the
    day's limit, or staff of another school). Commits, in a transaction of its own: the request
    fails, so its unit of work is not kept, and the refusal must be."""
    with sessions.begin() as session:
        audit.record(
            session,
            actor=reviewer.actor,
            action="parent.verify_in_person_refused",
            subject=f"kiosk:{kiosk_id}",
            now=now,
            school=reviewer.school_code,
            kiosk=kiosk_id,
            reason=refused.code.value,
        )
