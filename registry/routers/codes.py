"""One-time codes: request one for an email or a mobile number, verify it."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, status

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.masking import mask_contact
from kiosk.domain.wire import CodeChallengeOut, CodeRequestIn, CodeVerifyIn, ParentSessionOut
from registry.auth import TokenSigner
from registry.deps import KioskDep, NowDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.notify.messages import code_message
from registry.services import codes
from registry.services.notifications import deliver

router = APIRouter(tags=["codes"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post("/codes", status_code=status.HTTP_202_ACCEPTED)
def request_code(
    body: CodeRequestIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    _kiosk: KioskDep,
) -> CodeChallengeOut:
    """Sends a 6-digit code (SMS: 2 per number per hour; email: 5 per address per hour)."""
    limits = registry.settings.limits
    issued = codes.request_code(
        session,
        channel=body.channel,
        address=body.address,
        now=now,
        limits=limits,
        pepper=registry.pepper,
    )
    # Sent only now that the limit check and the new challenge are committed.
    failure = deliver(
        registry.notifier,
        code_message(
            issued.contact,
            issued.code,
            limits.code_ttl_minutes,
            translator=Translator(body.language),
        ),
        sessions=registry.sessions,
        now=now,
    )
    if failure is not None:
        codes.kill_challenge(session, issued.challenge_id)
        raise DomainError(ErrorCode.NOTIFY_FAILED)
    contact = issued.contact
    return CodeChallengeOut(
        challenge_id=issued.challenge_id,
        channel=contact.channel,
        masked_address=mask_contact(contact),
        expires_at=issued.expires_at,
    )


@router.post("/codes/verify")
def verify_code(
    body: CodeVerifyIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    kiosk: KioskDep,
) -> ParentSessionOut:
    """Checks a code; a right one opens a parent session bound to its contact."""
    limits = registry.settings.limits
    parent_session = codes.verify_code(
        session,
        challenge_id=body.challenge_id,
        code=body.code,
        kiosk_id=kiosk.kiosk_id,
        now=now,
        limits=limits,
        pepper=registry.pepper,
    )
    token, expires_at = registry.signer.sign(
        TokenSigner.PARENT,
        str(parent_session.id),
        now=now,
        lifetime=timedelta(minutes=limits.parent_session_minutes),
    )
    return ParentSessionOut(
        session_token=token,
        expires_at=expires_at,
        channel=parent_session.channel,
        address=parent_session.address,
    )
