"""Staff review: the queue in a staff member's scope, approve, reject, paper form received.

Scope: a homeroom teacher sees the students of the classes they are homeroom teacher of; a school
admin sees the whole school. A binding out of scope is "not found", never "forbidden", so staff
learn nothing about other schools. The first approval for a parent creates their account.

Nothing here commits: the caller's unit of work does, then sends the parent's email.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, joinedload

from kiosk.domain.contact import email_key
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.masking import mask_email, mask_id, mask_phone
from kiosk.domain.review import clean_reason
from kiosk.domain.wire import BindingStatus, StaffBindingOut, StaffRole
from registry.services import audit
from registry.services.accounts import create_parent_account
from registry.services.locks import lock
from registry.settings import Limits
from store.central import (
    Application,
    Binding,
    InPersonVerification,
    ParentAccount,
    SchoolClass,
    StaffAccount,
    Student,
)


@dataclass(frozen=True, slots=True)
class Reviewer:
    """Who is reviewing (from a verified staff token)."""

    staff_id: int
    role: StaffRole
    school_code: str

    @property
    def actor(self) -> str:
        """The audit log's name for them."""
        return f"staff:{self.staff_id}"


def _in_scope(reviewer: Reviewer) -> ColumnElement[bool]:
    if reviewer.role is StaffRole.ADMIN:
        return Binding.student_id.in_(
            select(Student.id).where(Student.school_code == reviewer.school_code)
        )
    return Binding.student_id.in_(
        select(Student.id)
        .join(SchoolClass, Student.class_id == SchoolClass.id)
        .where(
            SchoolClass.homeroom_teacher_id == reviewer.staff_id,
            SchoolClass.school_code == reviewer.school_code,
        )
    )


def _loaded() -> tuple[object, ...]:
    student = joinedload(Binding.student)
    return (
        student.joinedload(Student.school),
        student.joinedload(Student.school_class),
        joinedload(Binding.application)
        .joinedload(Application.in_person)
        .joinedload(InPersonVerification.staff),
        joinedload(Binding.decided_by),
    )


def to_staff_wire(binding: Binding) -> StaffBindingOut:
    """A binding as a reviewer sees it (student, application and decider loaded)."""
    application = binding.application
    return StaffBindingOut(
        binding_id=binding.id,
        application_id=binding.application_id,
        receipt=application.receipt,
        student_name=binding.student.name,
        masked_student_id=mask_id(binding.student.id_number),
        class_name=binding.student.school_class.name,
        school_code=binding.student.school.code,
        school_name=binding.student.school.name,
        parent_name=application.parent_name,
        masked_parent_id=mask_id(binding.parent_id_number),
        masked_parent_email=mask_email(application.parent_email),
        masked_parent_phone=mask_phone(application.parent_phone),
        relationship=binding.relationship,
        relationship_other=binding.relationship_other,
        status=binding.status,
        reason=binding.reason,
        submitted_at=application.submitted_at,
        decided_by=binding.decided_by.display_name if binding.decided_by else None,
        decided_at=binding.decided_at,
        paper_form_received_at=binding.paper_form_received_at,
        in_person_document=application.in_person.document if application.in_person else None,
        in_person_by=application.in_person.staff.display_name if application.in_person else None,
    )


def list_bindings(
    session: Session, reviewer: Reviewer, status: BindingStatus | None
) -> list[Binding]:
    """The bindings in scope (of one status, or all), oldest first. Does not commit."""
    query = (
        select(Binding)
        .where(_in_scope(reviewer), Binding.removed_at.is_(None))
        .options(*_loaded())  # type: ignore[arg-type]
        .order_by(Binding.created_at, Binding.position)
    )
    if status is not None:
        query = query.where(Binding.status == status)
    return list(session.scalars(query).unique().all())


def _binding_in_scope(session: Session, reviewer: Reviewer, binding_id: uuid.UUID) -> Binding:
    # Lock the row first (no outer joins: PostgreSQL refuses FOR UPDATE on their nullable side).
    binding = session.scalars(
        select(Binding)
        .where(Binding.id == binding_id, _in_scope(reviewer), Binding.removed_at.is_(None))
        .with_for_update()
    ).one_or_none()
    if binding is None:
        raise DomainError(ErrorCode.BINDING_NOT_FOUND)
    return binding


def load(session: Session, binding_id: uuid.UUID) -> Binding:
    """A binding with everything :func:`to_staff_wire` reads. Does not commit."""
    return session.scalars(
        select(Binding)
        .where(Binding.id == binding_id)
        .options(*_loaded())  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    ).one()


@dataclass(frozen=True, slots=True)
class Approval:
    """What an approval did, for the notification sent after commit."""

    binding: Binding
    account_created: bool
    email: str
    parent_name: str
    student_name: str


def approve(
    session: Session,
    reviewer: Reviewer,
    binding_id: uuid.UUID,
    *,
    now: datetime,
    limits: Limits,
    hasher: PasswordHasher | None = None,
    kiosk_id: str | None = None,
) -> Approval:
    """Approves a pending binding; the first approval for a parent creates their account.

    Does not commit.

    Raises:
        DomainError: ``BINDING_NOT_FOUND``; ``BINDING_NOT_PENDING``; ``PARENT_EMAIL_TAKEN`` when
            the application's email became another parent's login meanwhile.
    """
    binding = _binding_in_scope(session, reviewer, binding_id)
    if binding.status is not BindingStatus.PENDING:
        raise DomainError(ErrorCode.BINDING_NOT_PENDING)
    # Two teachers approving two children of one new parent at once must make one account.
    lock(session, f"parent:{binding.parent_id_number}")
    binding.status = BindingStatus.APPROVED
    binding.decided_by_id = reviewer.staff_id
    binding.decided_at = now
    binding.updated_at = now
    loaded = load(session, binding.id)
    application = loaded.application
    # Two parents' first approvals must not both find the mailbox free.
    lock(session, f"email:{email_key(application.parent_email)}")
    account = session.scalars(
        select(ParentAccount).where(ParentAccount.id_number == binding.parent_id_number)
    ).one_or_none()
    created = account is None
    if account is None:
        taken = session.scalars(
            select(ParentAccount.id).where(
                ParentAccount.email_key == email_key(application.parent_email)
            )
        ).first()
        if taken is not None:
            raise DomainError(ErrorCode.PARENT_EMAIL_TAKEN)
        account = create_parent_account(
            session,
            id_number=binding.parent_id_number,
            name=application.parent_name,
            email=application.parent_email,
            phone=application.parent_phone,
            now=now,
            limits=limits,
            hasher=hasher,
        )
    audit.record(
        session,
        actor=reviewer.actor,
        action="binding.approve",
        subject=f"binding:{binding.id}",
        now=now,
        account_created=created,
        **_on_kiosk(kiosk_id),
    )
    session.flush()
    return Approval(
        binding=loaded,
        account_created=created,
        email=account.email,
        parent_name=account.name,
        student_name=loaded.student.name,
    )


def reject(
    session: Session,
    reviewer: Reviewer,
    binding_id: uuid.UUID,
    reason: str,
    *,
    now: datetime,
    kiosk_id: str | None = None,
) -> Binding:
    """Rejects a pending binding with the reviewer's reason. Does not commit.

    Raises:
        DomainError: ``BINDING_NOT_FOUND``; ``BINDING_NOT_PENDING``; ``REQUEST_INVALID``
            (field ``reason``) for a reason blank once invisible characters are dropped.
    """
    text = clean_reason(reason)
    binding = _binding_in_scope(session, reviewer, binding_id)
    if binding.status is not BindingStatus.PENDING:
        raise DomainError(ErrorCode.BINDING_NOT_PENDING)
    binding.status = BindingStatus.REJECTED
    binding.reason = text
    binding.decided_by_id = reviewer.staff_id
    binding.decided_at = now
    binding.updated_at = now
    audit.record(
        session,
        actor=reviewer.actor,
        action="binding.reject",
        subject=f"binding:{binding.id}",
        now=now,
        **_on_kiosk(kiosk_id),
    )
    session.flush()
    return load(session, binding.id)


def paper_form_received(
    session: Session,
    reviewer: Reviewer,
    binding_id: uuid.UUID,
    *,
    now: datetime,
    kiosk_id: str | None = None,
) -> Binding:
    """Records that the signed paper consent form arrived. Does not commit.

    Raises:
        DomainError: ``BINDING_NOT_FOUND``.
    """
    binding = _binding_in_scope(session, reviewer, binding_id)
    if binding.paper_form_received_at is None:
        binding.paper_form_received_at = now
        binding.updated_at = now
    audit.record(
        session,
        actor=reviewer.actor,
        action="binding.paper_form",
        subject=f"binding:{binding.id}",
        now=now,
        **_on_kiosk(kiosk_id),
    )
    session.flush()
    return load(session, binding.id)


def _on_kiosk(kiosk_id: str | None) -> dict[str, str]:
    """The audit detail naming the (verified) kiosk a console acted from; none from a desk."""
    return {} if kiosk_id is None else {"kiosk": kiosk_id}


def reviewer_of(account: StaffAccount) -> Reviewer:
    """The reviewer a staff account is."""
    return Reviewer(staff_id=account.id, role=account.role, school_code=account.school_code)
