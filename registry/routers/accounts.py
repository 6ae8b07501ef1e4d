"""Parent accounts: login (with lockout) and the password change forced at first login."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kiosk.domain.wire import AccountLoginIn, AccountLoginOut, PasswordChangeIn
from registry.deps import NowDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import accounts

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post("/accounts/login")
def login(
    body: AccountLoginIn, session: SessionDep, registry: RegistryDep, now: NowDep
) -> AccountLoginOut:
    """Checks the email and password; says whether the password must be changed first."""
    account = accounts.parent_login(
        session,
        email=body.email,
        password=body.password,
        now=now,
        limits=registry.settings.limits,
    )
    return AccountLoginOut(must_change_password=account.must_change_password)


@router.post("/accounts/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChangeIn, session: SessionDep, registry: RegistryDep, now: NowDep
) -> Response:
    """Changes the password; refuses the initial one and anything made from the ID."""
    accounts.change_parent_password(
        session,
        email=body.email,
        password=body.password,
        new_password=body.new_password,
        now=now,
        limits=registry.settings.limits,
        hasher=registry.hasher,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
