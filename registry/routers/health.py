"""Is the registry up?"""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.wire import Health
from registry.deps import RegistryDep
from registry.errors import ERROR_RESPONSES

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)


@router.get("/health")
def health(registry: RegistryDep) -> Health:
    """The registry answers (no database access: a load balancer polls this)."""
    return Health(version=registry.settings.version)
