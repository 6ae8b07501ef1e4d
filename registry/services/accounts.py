"""Parent and staff accounts: argon2id hashes, logins with lockout, password changes.

A parent account is made at the first approval (:func:`create_parent_account`): login = the
email, initial password = the last six characters of the parent's ID, which must be changed at the
first login; unused, it expires after :attr:`Limits.account_unused_days`. A new password may not
be the initial one nor be made from the ID. Signing in over HTTP, with its throttle and lockout, is
:mod:`registry.services.logins`.

Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.contact import email_key, parse_email, parse_phone
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.ids import normalize_id, parse_id
from kiosk.domain.people import parse_name
from kiosk.domain.wire import StaffRole
from registry.services import audit
from registry.settings import Limits
from store.central import ParentAccount, School, StaffAccount

#: The shortest new password accepted.
MIN_PASSWORD_LENGTH: Final = 8
#: Characters of the ID that make the initial password.
INITIAL_PASSWORD_LENGTH: Final = 6


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash of ``password`` (salted, its parameters encoded in the string).

    Args:
        password: The password.
        hasher: The cost to hash with (the registry's settings); argon2-cffi's defaults (argon2id,
            RFC 9106's low-memory profile) when None.
    """
    return (hasher or PasswordHasher()).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (the hash carries its own cost)."""
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def initial_password(id_number: str) -> str:
    """The initial password of a parent account: the last six characters of the ID."""
    return id_number[-INITIAL_PASSWORD_LENGTH:]


def check_new_password(new_password: str, id_number: str) -> None:
    """Refuses the initial password, a password that is too short, or one made from the ID.

    "Made from the ID": after the same normalisation as an ID (full-width to half-width, upper
    case, spaces and dashes dropped), it contains any six consecutive characters of the ID,
    forwards or backwards.

    Raises:
        DomainError: ``PASSWORD_TOO_SHORT`` (``min``), ``PASSWORD_INITIAL``,
            ``PASSWORD_FROM_ID`` (field ``new_password``).
    """
    folded = normalize_id(new_password)
    if folded == initial_password(id_number):
        raise DomainError(ErrorCode.PASSWORD_INITIAL, field="new_password")
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            ErrorCode.PASSWORD_TOO_SHORT, field="new_password", min=MIN_PASSWORD_LENGTH
        )
    size = INITIAL_PASSWORD_LENGTH
    windows = {
        text[start : start + size]
        for text in (id_number, id_number[::-1])
        for start in range(len(text) - size + 1)
    }
    if any(window in folded for window in windows):
        raise DomainError(ErrorCode.PASSWORD_FROM_ID, field="new_password")


def create_parent_account(
    session: Session,
    *,
    id_number: str,
    name: str,
    email: str,
    phone: str,
    now: datetime,
    limits: Limits,
    password: str | None = None,
    must_change_password: bool = True,
    hasher: PasswordHasher | None = None,
) -> ParentAccount:
    """Makes a parent account (added to the session). Does not commit.

    Args:
        session: Where to add it.
        id_number: The parent's ID (checked and normalised).
        name: The parent's name (checked).
        email: The login (checked and normalised).
        phone: A mobile or landline number (stored as E.164).
        now: When it was made; it expires unused after :attr:`Limits.account_unused_days`.
        limits: The rules' numbers.
        password: The password; the initial one (last six of the ID) when None.
        must_change_password: Whether the first login must change it.
        hasher: The hashing cost (argon2-cffi's default when None).

    Raises:
        DomainError: the values' own errors.
    """
    number = parse_id(id_number, field="id").value
    login = parse_email(email, field="email").value
    account = ParentAccount(
        id_number=number,
        name=parse_name(name, field="name"),
        email=login,
        email_key=email_key(login),
        phone=parse_phone(phone, field="phone").e164,
        password_hash=hash_password(
            password if password is not None else initial_password(number), hasher=hasher
        ),
        must_change_password=must_change_password,
        created_at=now,
        expires_at=now + timedelta(days=limits.account_unused_days),
        failed_logins=0,
    )
    session.add(account)
    return account


def create_staff_account(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: StaffRole,
    school_code: str,
    password: str,
    now: datetime,
    hasher: PasswordHasher | None = None,
) -> StaffAccount:
    """Makes a staff account (added to the session). Does not commit.

    ``hasher`` sets the hashing cost (argon2-cffi's default when None).

    Raises:
        DomainError: ``SCHOOL_UNKNOWN`` for a school not on the roster; ``PASSWORD_TOO_SHORT``.
    """
    if session.get(School, school_code) is None:
        raise DomainError(ErrorCode.SCHOOL_UNKNOWN, field="school")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.PASSWORD_TOO_SHORT, field="password", min=MIN_PASSWORD_LENGTH)
    account = StaffAccount(
        username=username,
        display_name=display_name,
        role=role,
        school_code=school_code,
        password_hash=hash_password(password, hasher=hasher),
        failed_logins=0,
        created_at=now,
    )
    session.add(account)
    return account


def set_staff_password(
    session: Session,
    *,
    username: str,
    school_code: str,
    password: str,
    now: datetime,
    hasher: PasswordHasher | None = None,
) -> StaffAccount:
    """Gives an existing staff account (e.g. a teacher the roster import made) a new password.

    Failed logins and a lock are cleared with it, and the account's staff tokens end. Does not
    commit.

    Raises:
        DomainError: ``STAFF_USERNAME_TAKEN`` when the login belongs to another school;
            ``PASSWORD_TOO_SHORT``; ``REQUEST_NOT_FOUND`` when there is no such account.
    """
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == username)
    ).one_or_none()
    if account is None:
        raise DomainError(ErrorCode.REQUEST_NOT_FOUND, field="username")
    if account.school_code != school_code:
        raise DomainError(ErrorCode.STAFF_USERNAME_TAKEN, field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.PASSWORD_TOO_SHORT, field="password", min=MIN_PASSWORD_LENGTH)
    account.password_hash = hash_password(password, hasher=hasher)
    account.failed_logins = 0
    account.locked_until = None
    # Whoever held the old password holds no session made with it any more.
    account.sessions_ended_at = now
    return account


def find_staff(session: Session, username: str) -> StaffAccount | None:
    """The staff account signed in to as ``username``. Does not commit."""
    return session.scalars(
        select(StaffAccount).where(StaffAccount.username == username)
    ).one_or_none()


def find_parent(session: Session, email: str) -> ParentAccount | None:
    """The parent account whose login is ``email`` (compared by its key). Does not commit."""
    try:
        address = parse_email(email, field="email").value
    except DomainError:
        return None
    return session.scalars(
        select(ParentAccount).where(ParentAccount.email_key == email_key(address))
    ).one_or_none()


def end_staff_sessions(session: Session, username: str, *, now: datetime) -> StaffAccount:
    """Ends every staff token of ``username`` issued until ``now``. Does not commit.

    Raises:
        DomainError: ``REQUEST_NOT_FOUND`` (field ``username``) when there is no such account.
    """
    account = find_staff(session, username)
    if account is None:
        raise DomainError(ErrorCode.REQUEST_NOT_FOUND, field="username")
    account.sessions_ended_at = now
    return account


def check_not_expired(account: ParentAccount, *, now: datetime, limits: Limits) -> None:
    """An account never signed in to lapses :attr:`Limits.account_unused_days` after it was made.

    Raises:
        DomainError: ``ACCOUNT_EXPIRED`` (``days``).
    """
    expires_at = account.expires_at
    if account.last_login_at is None and expires_at is not None and now >= expires_at:
        raise DomainError(ErrorCode.ACCOUNT_EXPIRED, days=limits.account_unused_days)


def signed_in(account: ParentAccount, *, now: datetime, limits: Limits) -> None:
    """Records a parent's sign-in with a right password (the first one keeps the account).

    Raises:
        DomainError: ``ACCOUNT_EXPIRED`` (``days``).
    """
    check_not_expired(account, now=now, limits=limits)
    account.last_login_at = now
    account.expires_at = None


def parent_login(
    session: Session, *, email: str, password: str, now: datetime, limits: Limits
) -> ParentAccount:
    """Signs a parent in, in process (the demo data does): no throttle, the hash in the session.

    The HTTP login goes through :mod:`registry.services.logins`, which throttles per client and
    hashes outside any transaction. Does not commit.

    Raises:
        DomainError: ``LOGIN_FAILED``; ``ACCOUNT_EXPIRED``.
    """
    account = find_parent(session, email)
    if account is None or not verify_password(account.password_hash, password):
        raise DomainError(ErrorCode.LOGIN_FAILED)
    signed_in(account, now=now, limits=limits)
    return account


def staff_login(
    session: Session, *, username: str, password: str, now: datetime, limits: Limits
) -> StaffAccount:
    """Signs a staff member in, in process (as :func:`parent_login`). Does not commit.

    Raises:
        DomainError: ``LOGIN_FAILED``.
    """
    del now, limits  # the same signature as parent_login; a staff account does not lapse
    account = find_staff(session, username)
    if account is None or not verify_password(account.password_hash, password):
        raise DomainError(ErrorCode.LOGIN_FAILED)
    return account


def audit_staff_login(session: Session, account: StaffAccount, *, now: datetime) -> None:
    """Records a staff member's login (``staff.login``). Does not commit."""
    audit.record(
        session,
        actor=f"staff:{account.id}",
        action="staff.login",
        subject=None,
        now=now,
        school=account.school_code,
    )


def audit_failed_staff_login(
    sessions: sessionmaker[Session], username: str, refused: DomainError, *, now: datetime
) -> None:
    """Records a refused staff login (``staff.login_failed``).

    Commits, in a transaction of its own: the request fails, so its unit of work is not kept,
    and the refusal must be. What was typed as the login is not kept (it may be a password typed
    in the wrong box): the row names the account only when the login is one.
    """
    with sessions.begin() as session:
        account = find_staff(session, username)
        audit.record(
            session,
            actor=f"staff:{account.id}" if account is not None else "unknown",
            action="staff.login_failed",
            subject=None,
            now=now,
            school=account.school_code if account is not None else None,
            locked=refused.code is ErrorCode.LOGIN_LOCKED,
        )
