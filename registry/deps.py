"""FastAPI dependencies: the registry's context, database sessions, the clock and the callers.

Each is an ``Annotated[..., Depends(...)]`` alias (as in fastapi/full-stack-fastapi-template), so a
router states what it needs in its signature: ``def handler(session: SessionDep, kiosk: KioskDep)``.

A request's database work is one unit of work (:mod:`registry.unit_of_work`): the handler's
:data:`SessionDep` is committed in one place, by :class:`UnitOfWorkRoute`, the route class of every
registry router, as the handler returns. Authentication (:data:`KioskDep`, :data:`ParentDep`,
:data:`StaffDep`) reads and writes in short transactions of its own, each closed before its
dependency returns: a kiosk token's id must stay spent even when the request then fails, and a
transaction held open from one call on the thread pool to the next could wait for a thread that
waits for its (SQLite) lock.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import secrets
import typing
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from fastapi import Depends, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.clock import Clock
from kiosk.domain.contact import Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.wire import PARENT_SESSION_HEADER, STAFF_SESSION_HEADER
from registry import unit_of_work
from registry.auth import KioskClaims, TokenSigner, unverified_kiosk_id, verify_kiosk_token
from registry.courier import Courier
from registry.notify.base import Notifier
from registry.services import kiosks, parent_sessions
from registry.services.logins import PasswordWork
from registry.services.review import Reviewer
from registry.settings import RegistrySettings
from store.central import StaffAccount

_log = logging.getLogger(__name__)

#: One call in this many also forgets expired kiosk token ids (spreads the clean-up).
_PURGE_ONE_IN = 64


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything a request may need, built once by :func:`registry.app.create_app`.

    Attributes:
        settings: The registry's settings.
        clock: Gives "now" (timezone-aware UTC); tests inject their own.
        engine: The database engine.
        sessions: Opens database sessions.
        notifier: Delivers email and SMS.
        courier: Sends the queued messages, after the answers.
        signer: Signs and checks parent and staff tokens.
        pepper: The HMAC key of the code hashes.
        hasher: Hashes new passwords (argon2id at the settings' cost).
        passwords: Checks and hashes passwords for requests, a bounded number at once.
        kiosk_keys: The enrolled keys of kiosks, remembered by kiosk id.
    """

    settings: RegistrySettings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    notifier: Notifier
    courier: Courier
    signer: TokenSigner
    pepper: bytes
    hasher: PasswordHasher
    passwords: PasswordWork
    kiosk_keys: dict[str, kiosks.KioskKey] = field(default_factory=dict)
    """Kiosks' keys this process has seen (a revocation or a new key is still checked in the
    database on every request: :func:`registry.services.kiosks.use_token_id`)."""

    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.clock()


# The trivial dependencies are coroutines: a sync one costs a trip through the thread pool.
async def get_registry(request: Request) -> Registry:
    """The registry context of the running app."""
    registry = request.app.state.registry
    assert isinstance(registry, Registry)
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


async def get_client(request: Request) -> str:
    """The caller's address: the peer, or behind a trusted proxy the one it forwarded (uvicorn
    reads ``X-Forwarded-For`` from ``--forwarded-allow-ips``, 127.0.0.1 by default)."""
    return request.client.host if request.client is not None else "unknown"


ClientDep = Annotated[str, Depends(get_client)]


#: Closes sessions left in a transaction (a handler raised) outside the requests' thread pool.
_CLOSING = anyio.CapacityLimiter(4)


async def get_session(registry: RegistryDep) -> AsyncIterator[Session]:
    """The request's database session: its unit of work.

    :class:`UnitOfWorkRoute` commits it as the handler returns; a handler that raises commits
    nothing, and the session is closed here, rolling back, when the request ends (outside the
    thread pool's limit, so waiting for no thread). Handlers and the services they call do not
    commit it, except where a service says it must.

    A coroutine: opening a session touches no database, and closing a committed one only puts
    it back, so neither needs a trip through the thread pool; a rollback does, on its own limiter.
    """
    session = registry.sessions()
    try:
        yield session
    except BaseException:
        await anyio.to_thread.run_sync(session.close, limiter=_CLOSING)
        raise
    if session.in_transaction():
        _log.warning("a handler returned with its transaction still open")
        await anyio.to_thread.run_sync(session.close, limiter=_CLOSING)
    else:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


class UnitOfWorkRoute(APIRoute):
    """The route class of every registry router: the handler's session is committed as it returns.

    The handler is wrapped so that, when it returns, its :data:`SessionDep` is committed with
    :func:`registry.unit_of_work.commit` (then the messages queued on it are handed over) in the
    handler's own worker thread, before FastAPI serialises the answer.

    Why not after the ``yield`` of :func:`get_session`, as usual? FastAPI (0.165, checked) runs a
    yield dependency's teardown only after the answer is serialised, and for a sync handler it
    serialises on the same bounded thread pool the waiting requests occupy. On SQLite every
    transaction holds the write lock (``BEGIN IMMEDIATE``): a lock still held then would wait for
    a thread that waits for the lock.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)


def _committing(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler``, committing the session it was given as it returns (not when it raises)."""
    if getattr(handler, "_commits_its_session", False):
        return handler
    if inspect.iscoroutinefunction(handler):
        # An async handler runs on the event loop, where a commit would block every request:
        # only one that takes no session may be async (``/v1/health``).
        hints = typing.get_type_hints(handler, include_extras=True).values()
        if any(Session in (hint, *typing.get_args(hint)) for hint in hints):
            raise TypeError(f"registry handlers with a session are sync: {handler.__qualname__}")
        return handler

    @functools.wraps(handler)
    def handle(*args: Any, **kwargs: Any) -> Any:
        answer = handler(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                unit_of_work.commit(value)
        return answer

    handle._commits_its_session = True  # type: ignore[attr-defined]
    return handle


async def get_now(registry: RegistryDep) -> datetime:
    """The time of this request, read once from the injected clock."""
    return registry.now()


NowDep = Annotated[datetime, Depends(get_now)]

_kiosk_bearer = HTTPBearer(
    scheme_name="KioskToken",
    bearerFormat="JWT",
    description="A short-lived EdDSA JWT signed by the kiosk's enrolled key.",
    auto_error=False,
)
_parent_header = APIKeyHeader(
    name=PARENT_SESSION_HEADER,
    scheme_name="ParentSession",
    description="The parent-session JWT from /v1/codes/verify.",
    auto_error=False,
)
_staff_header = APIKeyHeader(
    name=STAFF_SESSION_HEADER,
    scheme_name="StaffSession",
    description="The staff JWT from /v1/staff/login.",
    auto_error=False,
)


@dataclass(frozen=True, slots=True)
class KioskCaller:
    """A kiosk whose token was verified (and its token id spent)."""

    kiosk_id: str
    school_code: str


def require_kiosk(
    registry: RegistryDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_kiosk_bearer)],
) -> KioskCaller:
    """Verifies the kiosk JWT of ``Authorization: Bearer``.

    The kiosk's key comes from what this process remembers (read from the database the first
    time, and again when a token does not verify with it); the token's id is then spent in one
    statement that also checks the kiosk is still in service with that key.

    Raises:
        DomainError: ``AUTH_REQUIRED`` without a token; ``AUTH_INVALID`` for a token that is
            malformed, of another algorithm, badly signed, expired, too long-lived, for another
            audience or issuer, from an unknown kiosk, or replayed.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise DomainError(ErrorCode.AUTH_REQUIRED)
    token = credentials.credentials
    kiosk_id = unverified_kiosk_id(token)
    limits = registry.settings.limits

    def verify(key: kiosks.KioskKey) -> KioskClaims:
        return verify_kiosk_token(
            token,
            kiosk_id=kiosk_id,
            public_key=key.public_key,
            audience=registry.settings.audience,
            now=now,
            max_lifetime_s=limits.kiosk_token_max_lifetime_s,
            skew_s=limits.clock_skew_s,
        )

    key = registry.kiosk_keys.get(kiosk_id)
    claims = None
    if key is not None:
        with contextlib.suppress(DomainError):
            claims = verify(key)
    if key is None or claims is None:
        with registry.sessions() as session:
            key = kiosks.kiosk_key(session, kiosk_id)
        claims = verify(key)
        registry.kiosk_keys[kiosk_id] = key
    with registry.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One statement needs no BEGIN and COMMIT around it (two round trips fewer).
            connection.execution_options(isolation_level="AUTOCOMMIT")
        kiosks.use_token_id(
            connection,
            claims,
            public_key=key.public_key,
            now=now,
            purge=secrets.randbelow(_PURGE_ONE_IN) == 0,
        )
    return KioskCaller(kiosk_id=kiosk_id, school_code=key.school_code)


KioskDep = Annotated[KioskCaller, Depends(require_kiosk)]


def kiosk_if_any(
    registry: RegistryDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_kiosk_bearer)],
) -> KioskCaller | None:
    """The kiosk a staff console runs on, when it sent its JWT (a teacher's desk sends none).

    A token that is sent is verified as :func:`require_kiosk` does (a bad one is refused, never
    ignored), so the audit log names only a kiosk that proved itself.
    """
    if credentials is None:
        return None
    return require_kiosk(registry, now, credentials)


OptionalKioskDep = Annotated[KioskCaller | None, Depends(kiosk_if_any)]


@dataclass(frozen=True, slots=True)
class ParentCaller:
    """A parent whose verified contact opened a session on this kiosk."""

    session_id: uuid.UUID
    contact: Contact
    kiosk_id: str

    @property
    def actor(self) -> str:
        """The audit log's name for them."""
        return f"parent:{self.session_id}"


@dataclass(frozen=True, slots=True)
class ParentToken:
    """A parent-session JWT that verified, beside a kiosk's: its session is not read yet."""

    session_id: uuid.UUID
    kiosk_id: str


async def require_parent_token(
    registry: RegistryDep,
    now: NowDep,
    kiosk: KioskDep,
    token: Annotated[str | None, Security(_parent_header)],
) -> ParentToken:
    """Verifies the parent-session JWT (beside the kiosk's), without reading its session: for a
    handler that reads (and locks) the session in its own unit of work, one transaction fewer.

    Raises:
        DomainError: ``SESSION_INVALID`` without a token or for a bad one; ``SESSION_EXPIRED``.
    """
    if not token:
        raise DomainError(ErrorCode.SESSION_INVALID)
    claims = registry.signer.verify(TokenSigner.PARENT, token, now=now)
    try:
        session_id = uuid.UUID(str(claims.get("sub")))
    except ValueError:
        raise DomainError(ErrorCode.SESSION_INVALID) from None
    return ParentToken(session_id, kiosk.kiosk_id)


ParentTokenDep = Annotated[ParentToken, Depends(require_parent_token)]


def require_parent(registry: RegistryDep, now: NowDep, parent: ParentTokenDep) -> ParentCaller:
    """Verifies the parent-session JWT (beside the kiosk's) and its session.

    Raises:
        DomainError: ``SESSION_INVALID`` without a token, for a bad one, or for a session opened
            on another kiosk; ``SESSION_EXPIRED``; ``SESSION_LOCKED`` after too many misses.
    """
    with registry.sessions() as session:
        row = parent_sessions.checked(
            session, parent.session_id, kiosk_id=parent.kiosk_id, now=now, lock=False
        )
        return ParentCaller(parent.session_id, Contact(row.channel, row.address), parent.kiosk_id)


ParentDep = Annotated[ParentCaller, Depends(require_parent)]


def require_staff(
    registry: RegistryDep,
    now: NowDep,
    token: Annotated[str | None, Security(_staff_header)],
) -> Reviewer:
    """Verifies the staff JWT, that the account still exists and that its sessions were not
    ended after the token was issued.

    Raises:
        DomainError: ``AUTH_REQUIRED`` without a token; ``AUTH_INVALID`` for a bad or ended one.
    """
    if not token:
        raise DomainError(ErrorCode.AUTH_REQUIRED)
    claims = registry.signer.verify(TokenSigner.STAFF, token, now=now)
    try:
        staff_id = int(str(claims.get("sub")))
    except ValueError:
        raise DomainError(ErrorCode.AUTH_INVALID) from None
    issued = claims.get("iat")
    with registry.sessions() as session:
        account = session.get(StaffAccount, staff_id)
        if account is None:
            raise DomainError(ErrorCode.AUTH_INVALID)
        ended = account.sessions_ended_at
        # Whole seconds, as ``iat``: a token of the second its sessions ended is ended too.
        if ended is not None and (not isinstance(issued, int) or issued <= ended.timestamp()):
            raise DomainError(ErrorCode.AUTH_INVALID)
        return Reviewer(staff_id=account.id, role=account.role, school_code=account.school_code)


StaffDep = Annotated[Reviewer, Depends(require_staff)]
