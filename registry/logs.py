"""The registry's logs: one JSON object per line, each with the request it belongs to.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sensible token (a proxy's
or a kiosk's, so one request can be followed through them), else a new one; the answer carries
it back in ``X-Request-ID``, and every log line written while serving it has ``request_id``.
With the access log on (``registry serve --access-log``), each answered request is one line:
method, route (the path's template, ``/v1/applications/{application_id}``, never the path
itself), status and duration.

Nothing personal is logged here: not the path's values, not the query, not a body, not a header
but the request id, and not the client's address. The services log codes and counts, and a
database error its statement without its parameters (``tests/registry/test_log_privacy.py``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from re import Pattern
from typing import Any, Final

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

#: The header a request id comes in and goes back in.
REQUEST_ID_HEADER: Final = "X-Request-ID"
#: The logger of the access log (one line per answered request, at INFO).
ACCESS_LOGGER: Final = "registry.access"

#: A request id from outside is taken only if it looks like one (no spaces, no log injection).
_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_current_request: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served (None outside one)."""
    return _current_request.get()


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``request_id``; None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current_request.get()
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, ``request_id``
    and the record's extra fields."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601, UTC
        # uvicorn's records carry a coloured copy of their message: not for a log file.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def logging_config(level: str = "warning", *, access_log: bool = False) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of ``registry serve``: JSON lines on stderr.

    Args:
        level: The least level written (``warning`` by default).
        access_log: Whether each answered request is logged (INFO, whatever ``level``).
    """
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": json_formatter}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own: its start and stop, errors; its access log (with the client's
            # address and the raw path) stays off, ours is ACCESS_LOGGER.
            "uvicorn": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            ACCESS_LOGGER: {
                "handlers": [],
                "level": "INFO" if access_log else "WARNING",
                "propagate": True,
            },
        },
    }


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            given = value.decode("latin-1").strip()
            if _REQUEST_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


class RouteNames:
    """The template a path was served by (``/v1/applications/{application_id}``), from the app's
    own path templates, so that the log names the route and never the values in the path."""

    def __init__(self, templates: Callable[[], Iterable[str]]) -> None:
        self._templates = templates
        self._compiled: list[tuple[Pattern[str], str]] | None = None

    def of(self, path: str) -> str:
        """The template matching ``path`` (literal ones first), or ``(no route)``."""
        if self._compiled is None:
            from starlette.routing import compile_path

            self._compiled = sorted(
                ((compile_path(template)[0], template) for template in set(self._templates())),
                key=lambda pair: pair[1].count("{"),
            )
        for pattern, template in self._compiled:
            if pattern.match(path):
                return template
        return "(no route)"


class RequestContext:
    """ASGI middleware: the request id (taken or made, sent back) and the access log's line.

    It wraps the whole application, error handling included, so a 500 carries its id too.
    """

    def __init__(self, app: Any, routes: RouteNames) -> None:
        self.app = app
        self._routes = routes
        self._access = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope.get("headers", []))
        token = _current_request.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self._access.isEnabledFor(logging.INFO):
                self._access.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "route": self._routes.of(scope.get("path", "")),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            _current_request.reset(token)
