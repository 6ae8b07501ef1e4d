"""The registry's FastAPI application, built from settings by :func:`create_app`.

Around it: the request id and the access log (:mod:`registry.logs`), outermost so that even an
unexpected 500 carries its id. The API docs page (``/v1/docs``) is Swagger UI served from this
process (the ``swagger-ui-bundle-v2`` package), not from a CDN a kiosk network may not reach.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.wire import API_PREFIX
from registry.auth import TokenSigner, load_or_create_pepper, load_or_create_signing_key
from registry.courier import Courier
from registry.deps import Registry
from registry.errors import BodyLimitMiddleware, install_error_handlers
from registry.logs import RequestContext, RouteNames
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
    parent_email,
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
    parent_email,
    applications,
    bindings,
    changes,
    staff,
    accounts,
    status_page,
)


#: The API docs page, and where its scripts and styles are served from.
DOCS_PATH = f"{API_PREFIX}/docs"
DOCS_ASSETS = f"{DOCS_PATH}/assets"


class RegistryApp(FastAPI):
    """FastAPI with :class:`~registry.logs.RequestContext` around everything, error handling
    included (``add_middleware`` would put it inside Starlette's handler of unexpected errors)."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestContext(super().build_middleware_stack(), RouteNames(self._route_templates))

    def _route_templates(self) -> list[str]:
        templates: list[str] = getattr(self.state, "route_templates", [])
        return templates


def _serve_docs(app: FastAPI, title: str) -> None:
    """``/v1/docs``: Swagger UI from the installed bundle, nothing from another host."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title=f"{title} – API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )


def _paths(router: APIRouter) -> list[APIRoute]:
    return [route for route in router.routes if isinstance(route, APIRoute)]


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
    sessions = make_session_factory(engine)
    notifier = notifier if notifier is not None else build_notifier(settings.notify_config)
    registry = Registry(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        notifier=notifier,
        courier=Courier(notifier, sessions, clock, every=settings.outbox_every_seconds),
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
        registry.courier.start()
        yield
        pruning.cancel()
        await asyncio.to_thread(registry.courier.stop)
        engine.dispose()

    title = "CoolClass parent binding registry"
    app = RegistryApp(
        title=title,
        version=settings.version,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below, from this process
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.registry = registry
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    for module in _ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(status_page.page_router)  # outside /v1: the QR's link must stay short
    _serve_docs(app, title)
    # What the access log names a request by: the templates of every path served.
    app.state.route_templates = [
        *(f"{API_PREFIX}{route.path}" for module in _ROUTERS for route in _paths(module.router)),
        *(route.path for route in _paths(status_page.page_router)),
        f"{API_PREFIX}/openapi.json",
        DOCS_PATH,
        f"{DOCS_ASSETS}/{{path:path}}",
    ]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _without_validation_answers(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
