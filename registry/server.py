"""The registry's HTTP server: uvicorn's httptools protocol on uvloop (``uvicorn[standard]``),
guarded against idle and slow clients.

uvicorn (0.54, checked) arms no timer on a fresh connection, only after a response (keep-alive),
and its ``limit_concurrency`` counts open connections, not requests: 200 connections that send
nothing, or half a request line, made every other caller get 503 for as long as they stayed open.

:class:`ConnectionGuard` fixes that at the protocol, where it is cheap:

- a request (its line, headers and body) must arrive whole within ``request_read_timeout_s`` of
  the connection opening or of the previous answer, else the connection is closed;
- a connection that waits for its request counts for nothing but a socket: the concurrency limit
  (503) counts requests being served, not connections;
- a client (by address) over ``max_connections_per_client``, or everyone over
  ``max_connections``, sheds its oldest connection that has no request in progress, so a newcomer
  is served and the idle ones pay.

In production a reverse proxy stands in front as well (``docs/DEPLOY-registry.md``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How long and how many.

    Attributes:
        request_read_timeout_s: A request must arrive whole within this many seconds.
        keep_alive_s: An idle kept-alive connection is closed after this many seconds.
        max_requests: Requests served at once; more get 503.
        max_connections: Connections open at once before the oldest idle one is shed.
        max_connections_per_client: The same for one client address (0: no per-client bound,
            for a server behind a proxy that shows one address for everyone).
    """

    request_read_timeout_s: float = 10.0
    keep_alive_s: int = 5
    max_requests: int = 200
    max_connections: int = 1000
    max_connections_per_client: int = 50


@dataclass(slots=True)
class ConnectionGuard:
    """The open connections of one server, oldest first, and the limits they answer to."""

    limits: ServerLimits
    open: OrderedDict[_Guarded, str] = field(default_factory=OrderedDict)

    def admit(self, protocol: _Guarded, client: str) -> None:
        """Counts a new connection; sheds idle ones over the bounds."""
        self.open[protocol] = client
        per_client = self.limits.max_connections_per_client
        if per_client > 0:
            mine = [p for p, c in self.open.items() if c == client]
            self._shed(mine, len(mine) - per_client, keep=protocol)
        self._shed(list(self.open), len(self.open) - self.limits.max_connections, keep=protocol)

    def leave(self, protocol: _Guarded) -> None:
        """Forgets a closed connection."""
        self.open.pop(protocol, None)

    def _shed(self, oldest_first: list[_Guarded], excess: int, *, keep: Any) -> None:
        for protocol in oldest_first:
            if excess <= 0:
                return
            if protocol is not keep and protocol.is_idle():
                protocol.close_idle()
                self.open.pop(protocol, None)
                excess -= 1


class _Guarded:
    """The deadline and the :class:`ConnectionGuard` of a connection, whichever HTTP parser
    serves it (the subclasses below tell when a request has begun and when it is in)."""

    guard: ConnectionGuard
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    client: tuple[str, int] | None
    _read_deadline: asyncio.TimerHandle | None
    _serving: bool

    # Their first base is this class, so these wrap the parser's own (uvicorn's protocol).
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_deadline = None
        self._serving = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._admit()

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        self._answered()
        super().on_response_complete()  # type: ignore[misc]

    def is_idle(self) -> bool:
        """Whether this connection waits for a request (none begun, none being answered)."""
        raise NotImplementedError

    def _admit(self) -> None:
        self._arm_read_deadline()
        client = self.client[0] if self.client else ""
        self.guard.admit(self, client)

    def _leave(self) -> None:
        self._disarm_read_deadline()
        self.guard.leave(self)

    def _answered(self) -> None:
        self._serving = False
        if not self.transport.is_closing():
            self._arm_read_deadline()

    def close_idle(self) -> None:
        """Closes this connection, which serves nothing."""
        self._disarm_read_deadline()
        if not self.transport.is_closing():
            self.transport.close()

    def _arm_read_deadline(self) -> None:
        self._disarm_read_deadline()
        self._read_deadline = self.loop.call_later(
            self.guard.limits.request_read_timeout_s, self._read_timed_out
        )

    def _disarm_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if not self.transport.is_closing():
            _log.info("closing a connection whose request did not arrive in time")
            self.transport.close()


class GuardedH11Protocol(_Guarded, H11Protocol):
    """uvicorn's h11 protocol with a request-read deadline and the :class:`ConnectionGuard`."""

    def handle_events(self) -> None:
        super().handle_events()
        # The whole request (line, headers, body) is in: the deadline has done its job.
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm_read_deadline()
        if self.conn.their_state is not h11.IDLE:
            self._serving = True

    def is_idle(self) -> bool:
        """Whether this connection waits for a request (none begun, none being answered)."""
        return not self._serving and self.conn.their_state is h11.IDLE


class GuardedHttpToolsProtocol(_Guarded, HttpToolsProtocol):
    """uvicorn's httptools protocol (the C parser ``uvicorn[standard]`` brings) with the
    same deadline and guard: a request counts as begun once its headers are in, as h11's."""

    def on_headers_complete(self) -> None:
        self._serving = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        # The whole request (line, headers, body) is in: the deadline has done its job.
        self._disarm_read_deadline()
        super().on_message_complete()

    def is_idle(self) -> bool:
        """Whether this connection waits for a request (none begun, none being answered)."""
        return not self._serving


class RequestLimit:
    """An ASGI wrapper answering 503 while ``max_requests`` requests are being served.

    It runs on the event loop, so its count needs no lock.
    """

    def __init__(self, app: Any, max_requests: int) -> None:
        self.app = app
        self.max_requests = max_requests
        self.serving = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.serving >= self.max_requests:
            _log.warning("%d requests being served: answering 503", self.serving)
            await service_unavailable(scope, receive, send)
            return
        self.serving += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.serving -= 1


def guarded_protocol(limits: ServerLimits) -> type[asyncio.Protocol]:
    """A protocol class for one server (httptools, the C parser; :class:`GuardedH11Protocol`
    is the pure-Python one, kept for a platform without it): its connections share one
    :class:`ConnectionGuard`."""
    return type(
        "RegistryHttpProtocol", (GuardedHttpToolsProtocol,), {"guard": ConnectionGuard(limits)}
    )


@dataclass(frozen=True, slots=True)
class ProxyTrust:
    """Whether to believe a proxy's ``X-Forwarded-For`` / ``X-Forwarded-Proto``.

    Attributes:
        enabled: Off by default: a client could otherwise name any address it likes, and the
            per-client login throttles go by that address.
        allowed_ips: The proxies believed (addresses or networks, comma-separated; ``*`` for
            any), as uvicorn's ``forwarded_allow_ips``.
    """

    enabled: bool = False
    allowed_ips: str = "127.0.0.1,::1"


def server_config(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    limits: ServerLimits,
    proxy: ProxyTrust | None = None,
    access_log: bool = False,
) -> uvicorn.Config:
    """The uvicorn configuration ``registry serve`` runs ``app`` with.

    Logs are JSON lines on stderr (:func:`registry.logs.logging_config`); uvicorn's own access log
    stays off (it would write the client's address and the raw path), ``access_log`` switches
    on the registry's. Behind a trusted proxy (``proxy``), the client address the app sees, and
    so the per-client throttles, is the one the proxy forwarded.
    """
    from registry.logs import logging_config

    proxy = proxy or ProxyTrust()
    return uvicorn.Config(
        RequestLimit(app, limits.max_requests),
        host=host,
        port=port,
        log_level=log_level,
        log_config=logging_config(log_level, access_log=access_log),
        access_log=False,
        proxy_headers=proxy.enabled,
        forwarded_allow_ips=proxy.allowed_ips,
        http=guarded_protocol(limits),
        # uvicorn counts open connections here; RequestLimit counts requests being served.
        limit_concurrency=None,
        timeout_keep_alive=limits.keep_alive_s,
    )
