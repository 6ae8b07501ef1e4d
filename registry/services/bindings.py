"""A verified contact's own bindings: which it may see, cancelling one, purging them.

What a parent session sees of other parents' bindings (masked) is :mod:`.parent_view`; applying
is :mod:`.applications`. :func:`apply_action` is the same cancel and purge, queued on a kiosk and
uploaded late, perhaps twice: applied once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.parent_actions import BindingActionIn, ParentActionKind
from kiosk.domain.wire import BindingStatus
from registry.services import audit
from registry.services.applications import binding_options
from registry.services.submission_checks import locked_session_of
from store.central import Application, Binding, ParentAccount


def _visible(contact: Contact, *, removed: bool = False) -> ColumnElement[bool]:
    """Bindings a verified contact may see: of applications made with it, or naming it as the
    parent's email or phone, or of the parent whose account has it (an email compared in its
    canonical form, :attr:`Contact.key`: ``ANNIE.SUN2@…`` is ``annie.sun2@…``; not removed ones,
    unless ``removed``)."""
    if contact.channel is Channel.EMAIL:
        application_match = or_(
            and_(
                Application.channel == Channel.EMAIL,
                Application.contact_key == contact.key,
            ),
            Application.parent_email_key == contact.key,
        )
        account_match = ParentAccount.email_key == contact.key
    else:
        application_match = or_(
            and_(
                Application.channel == Channel.SMS,
                Application.contact_address == contact.address,
            ),
            Application.parent_phone == contact.address,
        )
        account_match = ParentAccount.phone == contact.address
    return and_(
        true() if removed else Binding.removed_at.is_(None),
        or_(
            Binding.application_id.in_(select(Application.id).where(application_match)),
            Binding.parent_id_number.in_(select(ParentAccount.id_number).where(account_match)),
        ),
    )


def visible_bindings(session: Session, contact: Contact) -> list[Binding]:
    """Every binding the contact may see, oldest application first, with students loaded.

    Does not commit.
    """
    return list(
        session.scalars(
            select(Binding)
            .where(_visible(contact))
            .options(*binding_options())  # type: ignore[arg-type]
            .order_by(Binding.created_at, Binding.application_id, Binding.position)
        ).all()
    )


def cancel_binding(
    session: Session, contact: Contact, binding_id: uuid.UUID, *, actor: str, now: datetime
) -> Binding:
    """Removes one pending binding the contact may see, and audits it. Does not commit.

    Args:
        session: The unit of work.
        contact: The verified contact asking.
        binding_id: The binding.
        actor: Who asks, for the audit log (``parent:<session id>``).
        now: When.

    Raises:
        DomainError: ``BINDING_NOT_FOUND`` (not there or not visible); ``BINDING_NOT_PENDING``.
    """
    binding = session.scalars(
        select(Binding).where(Binding.id == binding_id, _visible(contact)).with_for_update()
    ).one_or_none()
    if binding is None:
        raise DomainError(ErrorCode.BINDING_NOT_FOUND)
    if binding.status is not BindingStatus.PENDING:
        raise DomainError(ErrorCode.BINDING_NOT_PENDING)
    binding.removed_at = now
    binding.updated_at = now
    audit.record(
        session, actor=actor, action="binding.cancel", subject=f"binding:{binding.id}", now=now
    )
    return binding


def purge_bindings(
    session: Session, contact: Contact, *, actor: str, now: datetime
) -> list[Binding]:
    """Removes every pending and rejected binding the contact may see, and audits it (with the
    count). Does not commit.

    Args:
        session: The unit of work.
        contact: The verified contact asking.
        actor: Who asks, for the audit log (``parent:<session id>``).
        now: When.
    """
    bindings = list(
        session.scalars(
            select(Binding)
            .where(_visible(contact), Binding.status != BindingStatus.APPROVED)
            .with_for_update()
        ).all()
    )
    for binding in bindings:
        binding.removed_at = now
        binding.updated_at = now
    audit.record(
        session, actor=actor, action="binding.purge", subject=None, now=now, removed=len(bindings)
    )
    return bindings


def apply_action(session: Session, action: BindingActionIn, *, kiosk_id: str, now: datetime) -> int:
    """A parent's cancel or purge queued on a kiosk (perhaps uploaded late, perhaps again).

    The parent is the contact the action's code challenge verified on this kiosk, whether or
    not that session has expired since. Sending the same action again changes nothing more: a
    binding cancelled already counts as done (0 removed), and a purge removes only bindings of
    applications submitted until the action's ``requested_at``, so what came after the press
    stays. Audited when it removed something. Does not commit.

    Returns:
        How many bindings it removed now.

    Raises:
        DomainError: ``CODE_UNKNOWN`` (the challenge verified nobody on this kiosk),
            ``SESSION_LOCKED``, ``BINDING_NOT_FOUND`` (not the contact's to cancel),
            ``BINDING_NOT_PENDING`` (decided before the cancel arrived).
    """
    parent_session, contact = locked_session_of(session, action.challenge_id, kiosk_id)
    actor = f"parent:{parent_session.id}"
    if action.kind is ParentActionKind.CANCEL:
        assert action.binding_id is not None  # the wire model requires it for a cancel
        if _cancelled_already(session, contact, action.binding_id):
            return 0
        cancel_binding(session, contact, action.binding_id, actor=actor, now=now)
        return 1
    removed = list(
        session.scalars(
            select(Binding)
            .where(
                _visible(contact),
                Binding.status != BindingStatus.APPROVED,
                Binding.application_id.in_(
                    select(Application.id).where(Application.submitted_at <= action.requested_at)
                ),
            )
            .with_for_update()
        ).all()
    )
    for binding in removed:
        binding.removed_at = now
        binding.updated_at = now
    if removed:
        audit.record(
            session,
            actor=actor,
            action="binding.purge",
            subject=None,
            now=now,
            removed=len(removed),
        )
    return len(removed)


def _cancelled_already(session: Session, contact: Contact, binding_id: uuid.UUID) -> bool:
    """Whether the binding is one the contact could see, removed already."""
    return (
        session.scalar(
            select(Binding.id).where(
                Binding.id == binding_id,
                Binding.removed_at.is_not(None),
                _visible(contact, removed=True),
            )
        )
        is not None
    )
