"""The changes feed a kiosk pulls: its applications' bindings as they change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kiosk.domain.wire import DEFAULT_CHANGES_PAGE, MAX_CHANGES_PAGE, ChangeFeedOut
from registry.deps import KioskDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import changes

router = APIRouter(tags=["changes"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.get("/changes")
def changes_feed(
    session: SessionDep,
    kiosk: KioskDep,
    after: Annotated[
        # Bounded to a 64-bit integer: larger numbers cannot be compared in the database.
        int, Query(ge=0, le=2**63 - 1, description="the cursor of the last page applied")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES_PAGE)] = DEFAULT_CHANGES_PAGE,
) -> ChangeFeedOut:
    """The calling kiosk's binding changes numbered above ``after``, oldest first."""
    return changes.feed(session, kiosk.kiosk_id, after=after, limit=limit)
