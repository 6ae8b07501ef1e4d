"""The parent's progress page at the registry: whose bindings a parent session sees.

A session sees in full the bindings its verified contact may see
(:func:`registry.services.bindings.visible_bindings`), and, masked, the other bindings of the
parents named by applications this very session submitted — the tutorial's case: an existing
account's parent verified with another email sees the account's children as 吳○寶, with their
statuses and nothing more than the masked prefill already gave away. Never by guessing: only
through an application the session itself submitted (its code challenge, on its kiosk).

Nothing here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from kiosk.domain.contact import Contact
from kiosk.domain.masking import mask_name
from kiosk.domain.wire import BindingOut
from registry.services.applications import binding_options, to_wire
from registry.services.bindings import visible_bindings
from store.central import Application, Binding, ParentAccount, ParentSession


def _parents_named_by_session(session_id: uuid.UUID) -> ColumnElement[bool]:
    """Bindings of the parents named by an application submitted in this parent session.

    An application belongs to a session when it was submitted on the session's kiosk with the
    code challenge that opened the session: a session sees another parent's bindings only
    through an application it submitted itself (never by guessing an id number).
    """
    named = (
        select(Application.parent_id_number)
        .join(
            ParentSession,
            and_(
                ParentSession.challenge_id == Application.challenge_id,
                ParentSession.kiosk_id == Application.kiosk_id,
            ),
        )
        .where(ParentSession.id == session_id)
    )
    return and_(Binding.removed_at.is_(None), Binding.parent_id_number.in_(named))


@dataclass(frozen=True, slots=True)
class ParentView:
    """What a parent session sees on its progress page.

    Attributes:
        own: Bindings the verified contact may see in full (and cancel or purge).
        others: The other bindings of the parents this session's applications name (the
            tutorial's existing account, verified with another contact): shown masked.
        logged_in: Whether the account of a parent these bindings name has been used to sign in
            (its ``last_login_at``, set at each parent login): 申請流程說明's 登入系統.
    """

    own: list[Binding]
    others: list[Binding]
    logged_in: bool = False

    def to_wire(self) -> list[BindingOut]:
        """The bindings in order of their making, the others masked (:func:`to_masked_wire`)."""
        both = [(binding, False) for binding in self.own]
        both.extend((binding, True) for binding in self.others)
        both.sort(
            key=lambda item: (
                _aware(item[0].created_at),
                str(item[0].application_id),
                item[0].position,
            )
        )
        return [to_masked_wire(binding) if masked else to_wire(binding) for binding, masked in both]


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC times back; PostgreSQL aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_masked_wire(binding: Binding) -> BindingOut:
    """A binding seen through another contact: the name masked (吳○寶), school and class left out,
    no reason (the reviewer's words may name the student)."""
    return BindingOut(
        binding_id=binding.id,
        application_id=binding.application_id,
        position=binding.position,
        student_name=mask_name(binding.student.name),
        class_name="",
        school_name="",
        relationship=binding.relationship,
        relationship_other=None,
        status=binding.status,
        reason=None,
        updated_at=binding.updated_at,
        masked=True,
    )


def parent_view(session: Session, contact: Contact, session_id: uuid.UUID) -> ParentView:
    """The contact's own bindings, and masked the others of the parents its session's
    applications name. Does not commit.

    Args:
        session: The unit of work.
        contact: The verified contact.
        session_id: The parent session (its challenge and kiosk say which applications are its).
    """
    own = visible_bindings(session, contact)
    seen = {binding.id for binding in own}
    others = [
        binding
        for binding in session.scalars(
            select(Binding)
            .where(_parents_named_by_session(session_id))
            .options(*binding_options())  # type: ignore[arg-type]
            .order_by(Binding.created_at, Binding.application_id, Binding.position)
        ).all()
        if binding.id not in seen
    ]
    parents = {binding.parent_id_number for binding in (*own, *others)}
    logged_in = bool(parents) and (
        session.scalar(
            select(ParentAccount.id)
            .where(ParentAccount.id_number.in_(parents), ParentAccount.last_login_at.is_not(None))
            .limit(1)
        )
        is not None
    )
    return ParentView(own, others, logged_in)
