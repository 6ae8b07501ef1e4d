"""Kiosks: a one-time enrollment token, the kiosk's own key, and single-use token ids."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Connection, Insert, LargeBinary, String, bindparam, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from registry.auth import KioskClaims, decode_public_key, kiosk_issuer
from registry.services import audit
from registry.settings import Limits
from store.base import UtcDateTime
from store.central import Kiosk, School, UsedTokenId


def _token_hash(token: str) -> str:
    # The token is 256 random bits, so a plain digest is enough to keep it out of the database.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewKiosk:
    """A kiosk made by :func:`add_kiosk`; the token is shown once and never stored."""

    kiosk_id: str
    school_code: str
    enrollment_token: str
    expires_at: datetime


def add_kiosk(session: Session, *, school_code: str, now: datetime, limits: Limits) -> NewKiosk:
    """Registers a kiosk for a school and makes its one-time enrollment token.

    Commits: this is the whole of an operator's command (``registry add-kiosk``, the demo data,
    test set-ups), never part of a request, and the token it returns is shown once and must
    already be stored when it is.

    Raises:
        DomainError: ``SCHOOL_UNKNOWN`` (field ``school``).
    """
    if session.get(School, school_code) is None:
        raise DomainError(ErrorCode.SCHOOL_UNKNOWN, field="school")
    kiosk_id = f"k-{secrets.token_hex(8)}"
    # A prefix keeps the token from starting with "-": an operator pastes it after --token,
    # and argparse would take a leading dash for an option.
    token = f"enroll-{secrets.token_urlsafe(32)}"
    expires_at = now + timedelta(days=limits.enrollment_token_days)
    session.add(
        Kiosk(
            id=kiosk_id,
            school_code=school_code,
            enrollment_token_hash=_token_hash(token),
            enrollment_expires_at=expires_at,
            created_at=now,
        )
    )
    audit.record(session, actor="cli", action="kiosk.add", subject=f"kiosk:{kiosk_id}", now=now)
    session.commit()
    return NewKiosk(kiosk_id, school_code, token, expires_at)


def enroll(session: Session, *, token: str, public_key: str, now: datetime) -> Kiosk:
    """Stores a kiosk's public key against its one-time token (which dies). Does not commit.

    Raises:
        DomainError: ``REQUEST_INVALID`` (``public_key``) for a key that is not a base64 Ed25519
            public key; ``KIOSK_ENROLLMENT_INVALID`` for an unknown, used or expired token.
    """
    raw_key = decode_public_key(public_key)
    kiosk = session.scalars(
        select(Kiosk).where(Kiosk.enrollment_token_hash == _token_hash(token)).with_for_update()
    ).one_or_none()
    if (
        kiosk is None
        or kiosk.enrolled_at is not None
        or kiosk.revoked_at is not None
        or (kiosk.enrollment_expires_at is not None and now >= kiosk.enrollment_expires_at)
    ):
        raise DomainError(ErrorCode.KIOSK_ENROLLMENT_INVALID)
    kiosk.public_key = raw_key
    kiosk.enrolled_at = now
    kiosk.enrollment_token_hash = None
    audit.record(
        session, actor=kiosk_issuer(kiosk.id), action="kiosk.enroll", subject=None, now=now
    )
    return kiosk


def revoke_kiosk(session: Session, kiosk_id: str, *, now: datetime) -> Kiosk:
    """Takes a kiosk out of service: its tokens and its enrollment token are refused from now
    on (a stolen or retired terminal). Does not commit.

    Raises:
        DomainError: ``REQUEST_NOT_FOUND`` (field ``kiosk_id``) for an unknown kiosk.
    """
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise DomainError(ErrorCode.REQUEST_NOT_FOUND, field="kiosk_id")
    if kiosk.revoked_at is None:
        kiosk.revoked_at = now
        audit.record(
            session, actor="cli", action="kiosk.revoke", subject=f"kiosk:{kiosk_id}", now=now
        )
    return kiosk


@dataclass(frozen=True, slots=True)
class KioskKey:
    """A kiosk's enrolled public key and its school, as a registry process remembers them."""

    public_key: bytes
    school_code: str


def kiosk_key(session: Session, kiosk_id: str) -> KioskKey:
    """The enrolled public key (and school) of a kiosk in service. Reads only; does not commit.

    Raises:
        DomainError: ``AUTH_INVALID`` for an unknown, unenrolled or revoked kiosk.
    """
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.public_key is None or kiosk.revoked_at is not None:
        raise DomainError(ErrorCode.AUTH_INVALID)
    return KioskKey(kiosk.public_key, kiosk.school_code)


def _spend_statement(dialect: str) -> Insert:
    """``INSERT … SELECT … WHERE EXISTS (the kiosk, in service, with that key) ON CONFLICT DO
    NOTHING RETURNING``, with its values as parameters: built once per dialect, so that each
    request only binds them (building and keying it took about 0.1 ms a request)."""
    in_service = exists().where(
        Kiosk.id == bindparam("kiosk_id", type_=String()),
        Kiosk.public_key == bindparam("public_key", type_=LargeBinary()),
        Kiosk.revoked_at.is_(None),
    )
    new_id = select(
        bindparam("jti", type_=String()).label("jti"),
        bindparam("expires_at", type_=UtcDateTime()).label("expires_at"),
    ).where(in_service)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(UsedTokenId)
        .from_select(["jti", "expires_at"], new_id)
        .on_conflict_do_nothing(index_elements=[UsedTokenId.jti])
        .returning(UsedTokenId.jti)
    )


_SPEND: Final = {dialect: _spend_statement(dialect) for dialect in ("postgresql", "sqlite")}


def use_token_id(
    connection: Connection, claims: KioskClaims, *, public_key: bytes, now: datetime, purge: bool
) -> None:
    """Records a kiosk token's id, refusing one seen before, or a kiosk that no longer holds
    ``public_key`` in service (revoked since, or given another key).

    One statement (``INSERT … SELECT … WHERE EXISTS (the kiosk, in service, with that key)
    ON CONFLICT DO NOTHING RETURNING``), so a process may remember kiosks' keys and still see a
    revocation at once: the key is checked in the same statement that spends the id. Commits
    (or rolls back) on ``connection`` before the request's handler runs: a token's id must stay
    spent even when the request then fails, or the token could be replayed.

    Args:
        connection: A connection of its own, outside any transaction (committed here).
        claims: The verified token.
        public_key: The key the token's signature was checked with.
        now: When; ids of tokens expired before it are forgotten when ``purge`` is set.
        purge: Whether to forget expired ids on this call (callers spread the work).

    Raises:
        DomainError: ``AUTH_INVALID`` for a replayed id, or a kiosk out of service or rekeyed.
    """
    statement = _SPEND[connection.dialect.name]
    values = {
        "jti": claims.jti,
        "expires_at": claims.expires_at,
        "kiosk_id": claims.kiosk_id,
        "public_key": public_key,
    }
    with connection.begin():
        if purge:
            connection.execute(delete(UsedTokenId).where(UsedTokenId.expires_at < now))
        spent = connection.execute(statement, values).first()
    if spent is None:
        raise DomainError(ErrorCode.AUTH_INVALID)
