"""Staff review: login, the queue in scope, approve, reject, paper form received."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.in_person import InPersonIn, InPersonOut
from kiosk.domain.late_events import LateStaffEventIn
from kiosk.domain.masking import mask_contact
from kiosk.domain.wire import (
    BindingStatus,
    CodeChallengeOut,
    ParentSessionOut,
    RejectIn,
    StaffBindingListOut,
    StaffBindingOut,
    StaffEventIn,
    StaffLoginIn,
    StaffSessionOut,
)
from registry.auth import TokenSigner
from registry.deps import (
    ClientDep,
    KioskDep,
    NowDep,
    OptionalKioskDep,
    RegistryDep,
    SessionDep,
    StaffDep,
    UnitOfWorkRoute,
)
from registry.errors import ERROR_RESPONSES
from registry.notify.messages import (
    account_created_message,
    binding_approved_message,
    binding_rejected_message,
)
from registry.services import accounts, audit, in_person, logins, review
from registry.services.notifications import deliver_after_commit
from store.central import StaffAccount

router = APIRouter(tags=["staff"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post("/staff/login")
def login(
    body: StaffLoginIn, session: SessionDep, registry: RegistryDep, now: NowDep, client: ClientDep
) -> StaffSessionOut:
    """A staff token (5 wrong passwords lock the login for that client for 15 minutes)."""
    limits = registry.settings.limits

    def find(lookup: Session) -> tuple[int, str] | None:
        found = accounts.find_staff(lookup, body.username)
        return None if found is None else (found.id, found.password_hash)

    try:
        account_id = logins.sign_in(
            registry.sessions,
            registry.passwords,
            logins.Attempt(f"staff:{body.username}", client),
            body.password,
            find=find,
            now=now,
            limits=limits,
        )
    except DomainError as refused:
        accounts.audit_failed_staff_login(registry.sessions, body.username, refused, now=now)
        raise
    account = session.get_one(StaffAccount, account_id)
    accounts.audit_staff_login(session, account, now=now)
    token, expires_at = registry.signer.sign(
        TokenSigner.STAFF,
        str(account.id),
        now=now,
        lifetime=timedelta(minutes=limits.staff_session_minutes),
        extra={"role": account.role.value, "school": account.school_code},
    )
    return StaffSessionOut(
        session_token=token,
        expires_at=expires_at,
        role=account.role,
        school_code=account.school_code,
        display_name=account.display_name,
    )


@router.get("/staff/bindings")
def list_bindings(
    session: SessionDep, reviewer: StaffDep, status: BindingStatus | None = BindingStatus.PENDING
) -> StaffBindingListOut:
    """Bindings in scope: a teacher's classes, or an admin's school (pending by default)."""
    bindings = review.list_bindings(session, reviewer, status)
    return StaffBindingListOut(bindings=[review.to_staff_wire(binding) for binding in bindings])


@router.post("/staff/bindings/{binding_id}/approve")
def approve(
    binding_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    reviewer: StaffDep,
    kiosk: OptionalKioskDep,
) -> StaffBindingOut:
    """Approves; the parent's first approval creates their account and emails them."""
    limits = registry.settings.limits
    approval = review.approve(
        session,
        reviewer,
        binding_id,
        now=now,
        limits=limits,
        hasher=registry.hasher,
        kiosk_id=kiosk.kiosk_id if kiosk else None,
    )
    language = Translator(approval.binding.application.language)
    if approval.account_created:
        message = account_created_message(
            approval.email,
            parent_name=approval.parent_name,
            students=[approval.student_name],
            valid_days=limits.account_unused_days,
            translator=language,
        )
    else:
        message = binding_approved_message(
            approval.email,
            parent_name=approval.parent_name,
            student=approval.student_name,
            translator=language,
        )
    deliver_after_commit(session, registry.courier, message, now=now)
    answer = review.to_staff_wire(approval.binding)
    return answer.model_copy(update={"account_created": approval.account_created})


@router.post("/staff/bindings/{binding_id}/reject")
def reject(
    binding_id: uuid.UUID,
    body: RejectIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    reviewer: StaffDep,
    kiosk: OptionalKioskDep,
) -> StaffBindingOut:
    """Rejects with a reason (shown to the parent with 不通過)."""
    binding = review.reject(
        session,
        reviewer,
        binding_id,
        body.reason,
        now=now,
        kiosk_id=kiosk.kiosk_id if kiosk else None,
    )
    deliver_after_commit(
        session,
        registry.courier,
        binding_rejected_message(
            binding.application.parent_email,
            parent_name=binding.application.parent_name,
            student=binding.student.name,
            reason=binding.reason or "",
            translator=Translator(binding.application.language),
        ),
        now=now,
    )
    return review.to_staff_wire(binding)


@router.post("/staff/bindings/{binding_id}/paper-form")
def paper_form(
    binding_id: uuid.UUID,
    session: SessionDep,
    now: NowDep,
    reviewer: StaffDep,
    kiosk: OptionalKioskDep,
) -> StaffBindingOut:
    """Records that the signed paper consent form was received."""
    binding = review.paper_form_received(
        session, reviewer, binding_id, now=now, kiosk_id=kiosk.kiosk_id if kiosk else None
    )
    return review.to_staff_wire(binding)


@router.post("/staff/events", status_code=204)
def kiosk_event(
    body: StaffEventIn, session: SessionDep, kiosk: KioskDep, reviewer: StaffDep, now: NowDep
) -> None:
    """Audits a staff action taken on the calling kiosk (leaving kiosk mode, 立即同步)."""
    audit.record_kiosk_action(
        session,
        staff_id=reviewer.staff_id,
        school=reviewer.school_code,
        kiosk_id=kiosk.kiosk_id,
        action=body.action.value,
        now=now,
    )


@router.post("/staff/events/late", status_code=204)
def late_kiosk_event(
    body: LateStaffEventIn, session: SessionDep, registry: RegistryDep, kiosk: KioskDep, now: NowDep
) -> None:
    """Audits a staff action this kiosk kept while the registry was out of reach (leaving kiosk
    mode, 立即同步), once per ``event_id``: the staff token it was taken under must be this
    registry's (expired since is fine), of a staff member of the kiosk's school, and the action
    must fall within that token's life."""
    claims = registry.signer.verify(TokenSigner.STAFF, body.staff_token, now=now, expired_ok=True)
    issued, expires = claims.get("iat"), claims.get("exp")
    try:
        staff_id = int(str(claims.get("sub")))
    except ValueError:
        raise DomainError(ErrorCode.AUTH_INVALID) from None
    skew = registry.settings.limits.clock_skew_s
    if not isinstance(issued, int) or not isinstance(expires, int | float):
        raise DomainError(ErrorCode.AUTH_INVALID)
    if not issued - skew <= body.at.timestamp() <= expires + skew:
        raise DomainError(ErrorCode.AUTH_INVALID)
    account = session.get(StaffAccount, staff_id)
    if account is None or account.school_code != kiosk.school_code:
        raise DomainError(ErrorCode.AUTH_INVALID)
    audit.record_late_kiosk_action(
        session,
        event_id=body.event_id,
        staff_id=account.id,
        school=account.school_code,
        kiosk_id=kiosk.kiosk_id,
        action=body.action.value,
        at=body.at,
        now=now,
    )


@router.post("/staff/in-person")
def verify_in_person(
    body: InPersonIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    kiosk: KioskDep,
    reviewer: StaffDep,
) -> InPersonOut:
    """臨櫃核對身分: staff of the kiosk's school saw the parent's document; a parent session for
    the contact given, on their word (audited; limited per staff member per day, 429)."""
    limits = registry.settings.limits
    try:
        vouched = in_person.vouch(
            session,
            reviewer,
            kiosk_id=kiosk.kiosk_id,
            kiosk_school=kiosk.school_code,
            channel=body.channel,
            address=body.address,
            document=body.document,
            now=now,
            limits=limits,
        )
    except DomainError as refused:
        if refused.code in (ErrorCode.LIMIT_IN_PERSON, ErrorCode.AUTH_FORBIDDEN):
            session.rollback()  # its lock and reads go; the refusal is kept on its own
            in_person.audit_refused(
                registry.sessions, reviewer, refused, kiosk_id=kiosk.kiosk_id, now=now
            )
        raise
    token, expires_at = registry.signer.sign(
        TokenSigner.PARENT,
        str(vouched.session.id),
        now=now,
        lifetime=timedelta(minutes=limits.parent_session_minutes),
    )
    return InPersonOut(
        challenge=CodeChallengeOut(
            challenge_id=vouched.challenge.id,
            channel=vouched.contact.channel,
            masked_address=mask_contact(vouched.contact),
            expires_at=vouched.session.expires_at,
        ),
        session=ParentSessionOut(
            session_token=token,
            expires_at=expires_at,
            channel=vouched.contact.channel,
            address=vouched.contact.address,
        ),
    )
