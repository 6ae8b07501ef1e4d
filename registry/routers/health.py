"""Is the registry up?"""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.wire import HealthOut
from registry.deps import RegistryDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.get("/health")
async def health(registry: RegistryDep) -> HealthOut:
    """The registry answers (no database access: a load balancer polls this; a coroutine, so
    it costs no trip through the thread pool)."""
    return HealthOut(version=registry.settings.version)
