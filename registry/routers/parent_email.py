"""Is the email a new parent typed another parent ID's? (Told at step 4, before signing.)"""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.wire_parent import ParentEmailCheckIn, ParentEmailCheckOut
from registry.deps import ParentDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import roster
from registry.services.submission_checks import email_taken_early

router = APIRouter(tags=["parents"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post("/parents/email-check")
def email_check(
    body: ParentEmailCheckIn, session: SessionDep, registry: RegistryDep, parent: ParentDep
) -> ParentEmailCheckOut:
    """Whether the email belongs to a parent with another ID (account or live application).

    The session's verified email is answered freely; any other counts as one of the session's
    ``limits.parent_lookups`` parent look-ups (then 423 ``session.locked``).
    """
    taken = email_taken_early(
        session,
        parent_id=body.parent_id,
        email=body.email,
        verified=parent.contact,
        count=lambda: roster.count_parent_lookup(
            session, parent.session_id, registry.settings.limits
        ),
    )
    return ParentEmailCheckOut(taken=taken)
