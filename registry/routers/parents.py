"""Does a parent already have an account? (The prefill of step 4.)"""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.wire import ParentLookupIn, ParentLookupOut
from registry.deps import ParentDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import roster

router = APIRouter(tags=["parents"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post("/parents/lookup")
def lookup(
    body: ParentLookupIn, session: SessionDep, registry: RegistryDep, parent: ParentDep
) -> ParentLookupOut:
    """Whether the ID has an account; name, email and phone masked when it has.

    At most ``limits.parent_lookups`` per parent session; then 423 ``session.locked``.
    """
    answer = roster.lookup_parent(session, body.parent_id)  # a malformed ID is not counted
    roster.count_parent_lookup(session, parent.session_id, registry.settings.limits)
    return answer
