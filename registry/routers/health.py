"""Is the registry up (``/v1/health``), and can it serve (``/v1/ready``)?"""

from __future__ import annotations

import logging
from functools import cache
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kiosk.domain.wire import HealthOut
from registry.deps import RegistryDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)

_log = logging.getLogger(__name__)


class ReadyOut(BaseModel):
    """Whether this registry process can serve: its database answers and is at the schema's head.

    Attributes:
        status: ``ready``, or ``unavailable`` (with HTTP 503).
        reason: Why not (None when ready); never a password or personal data.
    """

    status: Literal["ready", "unavailable"]
    reason: str | None = None


@cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This release's head revisions of the central schema, and every revision it knows."""
    from alembic.script import ScriptDirectory

    from store.migrate import make_config

    scripts = ScriptDirectory.from_config(make_config("central"))
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return frozenset(scripts.get_heads()), known


@router.get("/health")
async def health(registry: RegistryDep) -> HealthOut:
    """The registry answers (no database access: a load balancer polls this; a coroutine, so
    it costs no trip through the thread pool)."""
    return HealthOut(version=registry.settings.version)


@router.get(
    "/ready",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "the database is unreachable or behind"}},
)
def ready(registry: RegistryDep) -> JSONResponse:
    """The registry can serve: its database answers and is at this release's schema head, or
    at a newer one (a newer release migrated it; migrations only add, so this one still works).

    503 with the reason otherwise: the database does not answer, or has no schema or an older one
    (a process manager or proxy takes the process out of rotation).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from store.migrate import current

    try:
        revision = current(registry.engine, "central")
    except SQLAlchemyError as error:
        _log.warning("not ready: the database does not answer (%s)", type(error).__name__)
        return _answer(503, f"the database does not answer ({type(error).__name__})")
    heads, known = _revisions()
    needed = ", ".join(sorted(heads))
    if revision in heads:
        return _answer(200, None)
    if revision is None or revision in known:
        reason = (
            f"the database is at schema revision {revision or 'none'}, behind this release's "
            f"{needed}: run registry migrate (or restart a registry process)"
        )
        return _answer(503, reason)
    newer = f"the database is at revision {revision}, newer than this release's {needed}"
    return _answer(200, newer)


def _answer(status: int, reason: str | None) -> JSONResponse:
    body = ReadyOut(status="ready" if status == 200 else "unavailable", reason=reason)
    return JSONResponse(
        body.model_dump(), status_code=status, headers={"Cache-Control": "no-store"}
    )
