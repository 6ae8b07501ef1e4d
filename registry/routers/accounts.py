"""Parent accounts: login (with lockout) and the password change forced at first login."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from kiosk.domain.contact import email_key
from kiosk.domain.wire import AccountLoginIn, AccountLoginOut, PasswordChangeIn
from registry.deps import ClientDep, NowDep, Registry, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import accounts, logins
from store.central import ParentAccount

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


def _signed_in(
    session: Session, registry: Registry, email: str, password: str, client: str, now: NowDep
) -> ParentAccount:
    """The account whose password was checked (throttled per client, hashed outside any
    transaction), read again in the request's unit of work."""

    def find(lookup: Session) -> tuple[int, str] | None:
        found = accounts.find_parent(lookup, email)
        return None if found is None else (found.id, found.password_hash)

    account_id = logins.sign_in(
        registry.sessions,
        registry.passwords,
        logins.Attempt(f"parent:{email_key(email.strip())}", client),
        password,
        find=find,
        now=now,
        limits=registry.settings.limits,
    )
    return session.get_one(ParentAccount, account_id, with_for_update=True)


@router.post("/accounts/login")
def login(
    body: AccountLoginIn, session: SessionDep, registry: RegistryDep, now: NowDep, client: ClientDep
) -> AccountLoginOut:
    """Checks the email and password; says whether the password must be changed first."""
    account = _signed_in(session, registry, body.email, body.password, client, now)
    accounts.signed_in(account, now=now, limits=registry.settings.limits)
    return AccountLoginOut(must_change_password=account.must_change_password)


@router.post("/accounts/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChangeIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    client: ClientDep,
) -> Response:
    """Changes the password; refuses the initial one and anything made from the ID."""
    account = _signed_in(session, registry, body.email, body.password, client, now)
    accounts.check_not_expired(account, now=now, limits=registry.settings.limits)
    accounts.check_new_password(body.new_password, account.id_number)
    session.rollback()  # no transaction stays open while the new password is hashed
    new_hash = registry.passwords.hash(body.new_password)
    account = session.get_one(ParentAccount, account.id, with_for_update=True)
    account.password_hash = new_hash
    account.must_change_password = False
    account.last_login_at = account.last_login_at or now
    account.expires_at = None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
