"""The parent's progress page: list, cancel one pending, purge pending and rejected."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from kiosk.domain.wire import BindingListOut, PurgeOut
from registry.deps import NowDep, ParentDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import bindings, parent_view

router = APIRouter(tags=["bindings"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.get("/bindings")
def list_bindings(session: SessionDep, parent: ParentDep) -> BindingListOut:
    """Every binding visible to the session's verified contact, and masked the other bindings of
    the parents named by applications this session submitted."""
    view = parent_view.parent_view(session, parent.contact, parent.session_id)
    return BindingListOut(bindings=view.to_wire())


@router.delete("/bindings/{binding_id}", status_code=status.HTTP_204_NO_CONTENT)
def cancel(binding_id: uuid.UUID, session: SessionDep, now: NowDep, parent: ParentDep) -> Response:
    """Cancels one pending binding (409 ``binding.not_pending`` otherwise)."""
    bindings.cancel_binding(session, parent.contact, binding_id, actor=parent.actor, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/bindings/purge")
def purge(session: SessionDep, now: NowDep, parent: ParentDep) -> PurgeOut:
    """Removes all pending and rejected bindings of the verified contact."""
    removed = bindings.purge_bindings(session, parent.contact, actor=parent.actor, now=now)
    return PurgeOut(removed=len(removed))
