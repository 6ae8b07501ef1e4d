"""The registry's FastAPI application, built from settings by :func:`create_app`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.wire import API_PREFIX
from registry.auth import TokenSigner, load_or_create_pepper, load_or_create_signing_key
from registry.deps import Registry
from registry.errors import BodyLimitMiddleware, install_error_handlers
from registry.notify.base import Notifier
from registry.notify.config import build_notifier
from registry.routers import (
    accounts,
    applications,
    bindings,
    changes,
    codes,
    health,
    kiosks,
    parents,
    roster,
    staff,
    status_page,
)
from registry.services import retention
from registry.services.logins import PasswordWork
from registry.settings import RegistrySettings
from store.engine import make_engine, make_session_factory

_log = logging.getLogger(__name__)

#: Requests served at once on the thread pool (each holds a pooled database connection while
#: it runs); more wait for a thread. anyio's default, 40, held more connections than PostgreSQL
#: keeps busy on this machine's cores, and the pool's 5 made the rest connect per request.
DATABASE_THREADS = 16

_ROUTERS = (
    health,
    kiosks,
    codes,
    roster,
    parents,
    applications,
    bindings,
    changes,
    staff,
    accounts,
    status_page,
)


def _without_validation_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Drops FastAPI's automatic 422 answers: validation errors are 400 ErrorOut here."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    schemas = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return schema


def _prune_once(registry: Registry) -> None:
    with registry.sessions.begin() as session:
        removed = retention.prune(session, now=registry.now())
    if any(removed.values()):
        _log.info("pruned past their retention: %s", removed)


async def _prune_every(registry: Registry) -> None:
    """Prunes at start, then every ``prune_every_minutes``, in a worker thread."""
    while True:
        try:
            await asyncio.to_thread(_prune_once, registry)
        except Exception:  # a failed round is logged; the next one tries again
            _log.exception("pruning failed")
        await asyncio.sleep(registry.settings.prune_every_minutes * 60)


def create_app(
    settings: RegistrySettings,
    *,
    clock: Clock = utc_now,
    notifier: Notifier | None = None,
) -> FastAPI:
    """The registry application.

    The database must already be at the central schema's head (``registry serve`` migrates
    before it starts; tests call :func:`store.migrate.upgrade`).

    Args:
        settings: What to serve and how.
        clock: Gives "now" (timezone-aware UTC); tests pass a clock they move.
        notifier: Delivers messages; by default the one ``settings.notify`` describes.

    Returns:
        The app; its engine is disposed when the app shuts down.
    """
    # One pooled connection per worker thread, so that none is opened and closed per request.
    engine = make_engine(settings.database_url, pool_size=DATABASE_THREADS)
    hasher = settings.password_hashing.hasher()
    registry = Registry(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=make_session_factory(engine),
        notifier=notifier if notifier is not None else build_notifier(settings.notify_config),
        signer=TokenSigner(
            load_or_create_signing_key(settings.signing_key_path),
            issuer=settings.issuer,
            audience=settings.audience,
        ),
        pepper=load_or_create_pepper(settings.pepper_path),
        hasher=hasher,
        passwords=PasswordWork(
            hasher,
            at_once=settings.limits.concurrent_hashes,
            per_client=settings.limits.client_concurrent_logins,
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = DATABASE_THREADS
        pruning = asyncio.create_task(_prune_every(registry))
        yield
        pruning.cancel()
        engine.dispose()

    app = FastAPI(
        title="CoolClass parent binding registry",
        version=settings.version,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.registry = registry
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    for module in _ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(status_page.page_router)  # outside /v1: the QR's link must stay short

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _without_validation_answers(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
