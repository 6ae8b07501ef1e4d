"""The parent's progress page: list, cancel one pending, purge pending and rejected; and the same
cancel and purge queued on a kiosk, uploaded late (idempotent on the action's id)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from kiosk.domain.parent_actions import BindingActionIn, BindingActionOut
from kiosk.domain.wire import BindingListOut, PurgeOut
from registry.deps import KioskDep, NowDep, ParentDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import bindings, parent_view

router = APIRouter(tags=["bindings"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.get("/bindings")
def list_bindings(session: SessionDep, parent: ParentDep) -> BindingListOut:
    """Every binding visible to the session's verified contact, and masked the other bindings of
    the parents named by applications this session submitted."""
    view = parent_view.parent_view(session, parent.contact, parent.session_id)
    return BindingListOut(bindings=view.to_wire(), logged_in=view.logged_in)


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


@router.post("/bindings/actions")
def action(
    body: BindingActionIn, session: SessionDep, now: NowDep, kiosk: KioskDep
) -> BindingActionOut:
    """A parent's cancel or purge queued on this kiosk: applied once however often it is sent
    (a cancel of a binding cancelled already is done; a purge spares what came after it)."""
    removed = bindings.apply_action(session, body, kiosk_id=kiosk.kiosk_id, now=now)
    return BindingActionOut(action_id=body.action_id, removed=removed)
