"""Every error the registry answers is an :class:`~kiosk.domain.wire.ErrorOut` with a stable code.

:func:`install_error_handlers` turns domain errors, validation errors, Starlette's HTTP errors
(404, 405) and anything unexpected (500 ``server.error``, never with details) into that body;
:class:`BodyLimitMiddleware` refuses bodies over the cap with 413 ``request.too_large`` while
counting the bytes as they arrive, so a client that lies about (or omits) ``Content-Length``
cannot make the registry read more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.domain.errors import DomainError, DomainErrors, ErrorCode
from kiosk.domain.wire import ErrorDetailOut, ErrorOut

_log = logging.getLogger(__name__)

#: The HTTP status of each code the registry sends; anything not listed is 400 (bad input).
STATUS: Final[Mapping[ErrorCode, int]] = MappingProxyType(
    {
        ErrorCode.AUTH_REQUIRED: 401,
        ErrorCode.AUTH_INVALID: 401,
        ErrorCode.SESSION_INVALID: 401,
        ErrorCode.SESSION_EXPIRED: 401,
        ErrorCode.LOGIN_FAILED: 401,
        ErrorCode.KIOSK_ENROLLMENT_INVALID: 401,
        ErrorCode.AUTH_FORBIDDEN: 403,
        ErrorCode.ACCOUNT_EXPIRED: 403,
        ErrorCode.PASSWORD_CHANGE_REQUIRED: 403,
        ErrorCode.STUDENT_NOT_FOUND: 404,
        ErrorCode.APPLICATION_NOT_FOUND: 404,
        ErrorCode.BINDING_NOT_FOUND: 404,
        ErrorCode.REQUEST_NOT_FOUND: 404,
        ErrorCode.REQUEST_METHOD: 405,
        ErrorCode.APPLICATION_CONFLICT: 409,
        ErrorCode.BINDING_NOT_PENDING: 409,
        ErrorCode.PARENT_EMAIL_TAKEN: 409,
        ErrorCode.STUDENT_ALREADY_BOUND: 409,
        ErrorCode.STUDENT_ALREADY_PENDING: 409,
        ErrorCode.STUDENT_LEFT_SCHOOL: 409,
        ErrorCode.REQUEST_TOO_LARGE: 413,
        ErrorCode.SESSION_LOCKED: 423,
        ErrorCode.LOGIN_LOCKED: 423,
        ErrorCode.LIMIT_SMS: 429,
        ErrorCode.LIMIT_EMAIL: 429,
        ErrorCode.LIMIT_IN_PERSON: 429,
        ErrorCode.SERVER_ERROR: 500,
        ErrorCode.NOTIFY_FAILED: 503,
    }
)

#: Codes for the statuses Starlette raises itself.
_HTTP_CODES: Final[Mapping[int, ErrorCode]] = MappingProxyType(
    {
        401: ErrorCode.AUTH_REQUIRED,
        403: ErrorCode.AUTH_FORBIDDEN,
        404: ErrorCode.REQUEST_NOT_FOUND,
        405: ErrorCode.REQUEST_METHOD,
        413: ErrorCode.REQUEST_TOO_LARGE,
    }
)

#: The statuses every endpoint may answer with an ErrorOut (for the OpenAPI document).
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "Bad input: `request.invalid` with the field, or a rule's own code"),
        (401, "Missing or invalid credentials (`auth.*`, `session.*`)"),
        (403, "Not allowed (`auth.forbidden`)"),
        (404, "Not found"),
        (409, "Conflict with what is stored"),
        (413, "Body over the cap (`request.too_large`)"),
        (423, "Locked (`session.locked`, `login.locked`)"),
        (429, "A send limit was reached (`limit.sms`, `limit.email`)"),
        (500, "The registry failed (`server.error`)"),
        (503, "A message could not be sent (`notify.failed`)"),
    )
}


def status_of(code: ErrorCode) -> int:
    """The HTTP status the registry answers ``code`` with."""
    return STATUS.get(code, 400)


def error_response(
    code: ErrorCode,
    *,
    field: str | None = None,
    params: Mapping[str, str | int] | None = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The JSON error answer for ``code``."""
    body = ErrorOut(error=ErrorDetailOut(code=code, field=field, params=dict(params or {})))
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=status if status is not None else status_of(code),
        headers=dict(headers) if headers else None,
    )


def _field_of(loc: Sequence[int | str]) -> str:
    # ("body", "students", 0, "level") → "students.0.level"; a query or header keeps its name.
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if status_of(exc.code) == 401 else None
    params = dict(exc.params)
    if exc.code is ErrorCode.REQUEST_INVALID and exc.field:
        # The message names the field; DomainError's own ``field`` keyword cannot carry it.
        params.setdefault("field", exc.field)
    return error_response(exc.code, field=exc.field, params=params, headers=headers)


async def _domain_errors(request: Request, exc: Exception) -> JSONResponse:
    # A form-level check failed several fields at once; the answer names the first.
    assert isinstance(exc, DomainErrors)
    return await _domain_error(request, exc.errors[0])


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    # A body that is no JSON at all has its error at a character offset, not at a field.
    field = "body" if first.get("type") == "json_invalid" else _field_of(first.get("loc", ()))
    return error_response(ErrorCode.REQUEST_INVALID, field=field, params={"field": field})


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, ErrorCode.REQUEST_INVALID)
    status = exc.status_code if exc.status_code in _HTTP_CODES else 400
    headers = dict(exc.headers) if exc.headers else None
    return error_response(code, status=status, headers=headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the operator's log; the caller learns only that it failed.
    _log.error("unexpected error", exc_info=exc)
    return error_response(ErrorCode.SERVER_ERROR)


def install_error_handlers(app: FastAPI) -> None:
    """Makes every error ``app`` answers an ErrorOut."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(DomainErrors, _domain_errors)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` once a body passes the cap (the HTTP handler answers 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


#: A refused body up to this size is read and dropped before the 413 is sent. A server that
#: answers and closes while the client is still sending makes the client's socket see a reset
#: instead of the answer; larger bodies are not worth reading, and get the reset.
DRAIN_LIMIT_BYTES: Final = 1024 * 1024


async def _drain(receive: Receive) -> None:
    """Reads what is left of a request body and drops it."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


class BodyLimitMiddleware:
    """Pure ASGI: refuses request bodies over ``max_bytes`` with 413 ``request.too_large``.

    A declared ``Content-Length`` over the cap is refused without reaching the application (a
    body up to :data:`DRAIN_LIMIT_BYTES` is read and dropped first, so that the client reads the
    413 instead of a reset); otherwise the bytes are counted as the application reads them and
    reading stops at the cap.

    Args:
        app: The application to protect.
        max_bytes: The largest body let through.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    if declared <= DRAIN_LIMIT_BYTES:
                        await _drain(receive)
                    await self._refuse(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(ErrorCode.REQUEST_TOO_LARGE, headers={"Connection": "close"})
        await response(scope, receive, send)
