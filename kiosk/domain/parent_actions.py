"""A parent's action on the progress page that waits to be uploaded: 取消 one binding, 註銷全部紀錄.

The kiosk keeps such an action in its queue of actions (:mod:`store.local.actions`) before it
tries it, so that it is done once the registry answers, whether it is reachable at the moment of
the press or not; the sync worker uploads what waits (:mod:`kiosk.sync_actions`). The registry
takes it as ``POST /v1/bindings/actions`` under the kiosk's token, naming the code challenge that
verified the parent on this kiosk (the parent's session may have expired by then), and the
action's id: applying an action again changes nothing more (cancelling a binding cancelled
already is done; a purge removes only what was submitted before it was asked for).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final
from uuid import UUID

from pydantic import AwareDatetime, model_validator

from kiosk.domain.wire import WireModel


class ParentActionKind(StrEnum):
    """The parent's actions the queue carries (its ``kind``)."""

    CANCEL = "binding.cancel"
    """取消: one pending binding (``binding_id``)."""
    PURGE = "bindings.purge"
    """註銷全部紀錄: every pending and rejected binding submitted before ``requested_at``."""


#: The queue kinds that are a parent's binding action.
PARENT_ACTION_KINDS: Final = frozenset(kind.value for kind in ParentActionKind)


class BindingActionIn(WireModel):
    """``POST /v1/bindings/actions``: a parent's cancel or purge, possibly late.

    Attributes:
        action_id: The action's id (kept by the kiosk): the same action sent again is answered
            as done, never applied twice.
        kind: Cancel one binding, or purge.
        challenge_id: The code challenge that verified the parent on this kiosk.
        binding_id: The binding to cancel (for a cancel only).
        requested_at: When the parent pressed it: a purge removes only bindings of applications
            submitted until then.
    """

    action_id: UUID
    kind: ParentActionKind
    challenge_id: UUID
    binding_id: UUID | None = None
    requested_at: AwareDatetime

    @model_validator(mode="after")
    def _binding_for_cancel(self) -> BindingActionIn:
        if (self.kind is ParentActionKind.CANCEL) != (self.binding_id is not None):
            raise ValueError("a cancel names its binding_id, a purge none")
        return self


class BindingActionOut(WireModel):
    """What the action removed now (0 when it was done before, or found nothing)."""

    action_id: UUID
    removed: int
