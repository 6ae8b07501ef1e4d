"""Signing in over HTTP: a throttle per client before a lock per login and client, and password
hashing bounded and kept outside every database transaction.

A wrong password and an unknown login are one thing here: each adds a ``login_failures`` row for
the login tried (``staff:<username>``, ``parent:<email key>``) and the client that tried it, and
both are answered ``LOGIN_FAILED``, then ``LOGIN_LOCKED`` after :attr:`Limits.login_failures` in
:attr:`Limits.login_lock_minutes` — so the answers tell no one which logins exist. The lock holds
for that client only: knowing a teacher's username (they follow ``<school>.t1``) lets an attacker
lock themselves out, not the teacher. A client with :attr:`Limits.client_login_failures` failures
over all logins in that window is refused every login before any hashing.

An attacker with many addresses could still try one known login forever, a few guesses per
address. So a login that has :attr:`Limits.login_account_failures` failures in the window from
all clients together is under attack: from then until the failures age out of the window, only
clients that have signed in to it with its right password before (``login_clients``, kept
:data:`FAMILIAR_FOR`) may try it; every other client is answered ``LOGIN_LOCKED`` before any
hashing, right password or not. That bounds the guesses at a login to that number per window
whatever the number of addresses, and it cannot be aimed at a teacher: their usual desk (or
their school's network) still signs in. (A slow-down for everyone, one check per N seconds,
would let the attacker keep that one slot busy and lock the teacher out; a captcha needs a
screen the kiosk does not have.) Unknown logins are counted and answered the same way.

argon2id costs 64 MiB a check: :class:`PasswordWork` runs at most
:attr:`Limits.concurrent_hashes` at once in the process, and each client at most
:attr:`Limits.client_concurrent_logins` logins at once. The stored hash is read in a short
transaction of its own, closed before the check, so no lock is held while hashing.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.errors import DomainError, ErrorCode
from registry.services.accounts import hash_password, verify_password
from registry.settings import Limits
from store.central import LoginClient, LoginFailure

#: How long a client that signed in to a login stays one that may try it under attack.
FAMILIAR_FOR = timedelta(days=90)


class PasswordWork:
    """Hashes and checks passwords, a bounded number at once (one per registry process)."""

    def __init__(self, hasher: PasswordHasher, *, at_once: int, per_client: int) -> None:
        self._hasher = hasher
        self._slots = threading.BoundedSemaphore(at_once)
        self._per_client = per_client
        self._clients: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._dummy: str | None = None

    @contextmanager
    def client_turn(self, client: str, limits: Limits) -> Iterator[None]:
        """Holds one of the client's concurrent logins for the block.

        Raises:
            DomainError: ``LOGIN_LOCKED`` when the client has all of its logins running.
        """
        with self._lock:
            if self._clients[client] >= self._per_client:
                raise DomainError(ErrorCode.LOGIN_LOCKED, minutes=limits.login_lock_minutes)
            self._clients[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._clients[client] -= 1
                if not self._clients[client]:
                    del self._clients[client]

    def check(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; as slow for no hash (no account) as for one."""
        with self._slots:
            if stored is None:
                if self._dummy is None:
                    self._dummy = self._hasher.hash("no account has this password")
                verify_password(self._dummy, password)
                return False
            return verify_password(stored, password)

    def hash(self, password: str) -> str:
        """A new hash of ``password`` at the registry's cost."""
        with self._slots:
            return hash_password(password, hasher=self._hasher)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A login tried by a client."""

    login: str
    client: str


def _window(limits: Limits, now: datetime) -> datetime:
    return now - timedelta(minutes=limits.login_lock_minutes)


def _check_open(session: Session, attempt: Attempt, *, now: datetime, limits: Limits) -> None:
    since = _window(limits, now)
    mine = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(
            LoginFailure.login == attempt.login,
            LoginFailure.client == attempt.client,
            LoginFailure.at > since,
        )
    )
    everything = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client == attempt.client, LoginFailure.at > since)
    )
    if (mine or 0) >= limits.login_failures or (everything or 0) >= limits.client_login_failures:
        raise DomainError(ErrorCode.LOGIN_LOCKED, minutes=limits.login_lock_minutes)
    everyone = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.login == attempt.login, LoginFailure.at > since)
    )
    if (everyone or 0) >= limits.login_account_failures and not _familiar(
        session, attempt, now=now
    ):
        raise DomainError(ErrorCode.LOGIN_LOCKED, minutes=limits.login_lock_minutes)


def _familiar(session: Session, attempt: Attempt, *, now: datetime) -> bool:
    """Whether the client signed in to the login with its right password lately."""
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginClient)
            .where(
                LoginClient.login == attempt.login,
                LoginClient.client == attempt.client,
                LoginClient.at > now - FAMILIAR_FOR,
            )
        )
        or 0
    ) > 0


def _remember(session: Session, attempt: Attempt, *, now: datetime) -> None:
    """Records that the client signed in to the login (now), and forgets the login's clients
    not seen for :data:`FAMILIAR_FOR`."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = insert(LoginClient).values(login=attempt.login, client=attempt.client, at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginClient.login, LoginClient.client], set_={"at": now}
        )
    )
    session.execute(
        delete(LoginClient).where(
            LoginClient.login == attempt.login, LoginClient.at <= now - FAMILIAR_FOR
        )
    )


def _record_failure(
    sessions: sessionmaker[Session], attempt: Attempt, *, now: datetime, limits: Limits
) -> bool:
    """Counts a failure (committed at once: the request then fails); True if it locks."""
    with sessions.begin() as session:
        session.add(LoginFailure(login=attempt.login, client=attempt.client, at=now))
        # What is older than the window counts for nothing: forget this client's old failures.
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.client == attempt.client, LoginFailure.at <= _window(limits, now)
            )
        )
        session.flush()
        try:
            _check_open(session, attempt, now=now, limits=limits)
        except DomainError:
            return True
    return False


def sign_in(
    sessions: sessionmaker[Session],
    work: PasswordWork,
    attempt: Attempt,
    password: str,
    *,
    find: Callable[[Session], tuple[int, str] | None],
    now: datetime,
    limits: Limits,
) -> int:
    """Checks a password for a login; the account's id when it is right.

    Commits a failure in a transaction of its own (see :func:`_record_failure`); a success
    clears the client's failures for that login in another.

    Args:
        sessions: Opens the short transactions (never the request's unit of work).
        work: Checks the password.
        attempt: The login tried and the client trying it.
        password: The password given.
        find: Finds the account's id and stored hash (None: no such login).
        now: When.
        limits: The rules' numbers.

    Raises:
        DomainError: ``LOGIN_LOCKED`` (``minutes``) before any hashing when the login is locked
            for this client or the client is throttled, or when this failure locks it;
            ``LOGIN_FAILED`` for a wrong password or an unknown login alike.
    """
    with work.client_turn(attempt.client, limits):
        with sessions() as session:
            _check_open(session, attempt, now=now, limits=limits)
            found = find(session)
        # The transaction is over: nothing is locked while the hash is computed.
        right = work.check(found[1] if found else None, password)
    if found is None or not right:
        if _record_failure(sessions, attempt, now=now, limits=limits):
            raise DomainError(ErrorCode.LOGIN_LOCKED, minutes=limits.login_lock_minutes)
        raise DomainError(ErrorCode.LOGIN_FAILED)
    with sessions.begin() as session:
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.login == attempt.login, LoginFailure.client == attempt.client
            )
        )
        _remember(session, attempt, now=now)
    return found[0]
