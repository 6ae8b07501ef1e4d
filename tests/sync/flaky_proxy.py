"""A flaky HTTP proxy on 127.0.0.1: resets, 500s, hangs and lost answers, for a bounded while.

Each connection carries one request (the proxy answers ``Connection: close``). While the chaos
lasts, a seeded random choice decides each request's fate:

- ``reset``: the connection is reset (RST) before anything reaches the registry;
- ``error``: a 500 with an HTML body (not the registry's error contract), nothing forwarded;
- ``hang``: nothing is answered for ``hold`` seconds (longer than the kiosk waits), then reset;
- ``lost``: the request is forwarded, the registry answers (and has committed), but the answer
  is dropped and the connection reset — the kiosk must not count that as "not stored";
- ``ok``: forwarded and answered;
- ``gzip``: forwarded, and the registry's answer replaced by one that claims gzip and is not
  (the registry has committed; the kiosk cannot read its answer);
- ``drip``: forwarded, and the answer sent one byte every ``hold`` seconds.

Besides the random chaos, :meth:`FlakyProxy.script` deals chosen fates to chosen requests (by the
start of their request line, e.g. ``POST /v1/applications``), once each, in the order given.

The chaos stops by itself after ``max_requests`` requests or ``max_seconds`` seconds, whichever
comes first; from then on every request is forwarded. The proxy runs its own event loop in a
thread and is stopped with :meth:`FlakyProxy.stop`.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
import time
from collections import Counter
from typing import Final

FAULTS: Final = ("reset", "error", "hang", "lost")
_ERROR_PAGE: Final = b"<html><body>502 Bad Gateway (proxy)</body></html>"
_MAX_HEADER: Final = 64 * 1024


class FlakyProxy:
    """Forwards HTTP/1.1 requests from its own port to ``upstream``, breaking some.

    Args:
        upstream_port: The registry's port on 127.0.0.1.
        seed: Seeds the choice of faults (a failing run can be repeated).
        weights: How often each fault comes, and ``ok`` (relative weights).
        max_requests: The chaos ends after this many requests...
        max_seconds: ... or this many seconds after :meth:`unleash`.
        hold: How long a ``hang`` holds a request (seconds).
    """

    def __init__(
        self,
        upstream_port: int,
        *,
        seed: int = 1,
        weights: dict[str, float] | None = None,
        max_requests: int = 600,
        max_seconds: float = 90.0,
        hold: float = 1.5,
    ) -> None:
        self._upstream = upstream_port
        self._rng = random.Random(seed)
        self._weights = weights or {"reset": 8, "error": 8, "hang": 2, "lost": 8, "ok": 74}
        self._max_requests = max_requests
        self._max_seconds = max_seconds
        self._hold = hold
        self._started_at: float | None = None
        self._requests = 0
        #: How often each fate was dealt (``ok`` included; ``calm`` after the chaos).
        self.fates: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._script: list[tuple[bytes, str]] = []
        self.port = 0

    # --- control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Listens on a free port of 127.0.0.1 (calm until :meth:`unleash`)."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(10)

    def script(self, *fates: tuple[str, str]) -> None:
        """Deals each ``(request line start, fate)`` once, to the next request that matches.

        Args:
            *fates: E.g. ``("POST /v1/applications", "lost")``; fates as in the module's list.
        """
        self._script.extend((start.encode(), fate) for start, fate in fates)

    @property
    def scripted(self) -> int:
        """How many scripted fates wait for their request."""
        return len(self._script)

    def unleash(self) -> None:
        """Starts the chaos (bounded by ``max_requests`` and ``max_seconds``)."""
        self._started_at = time.monotonic()
        self._requests = 0

    @property
    def chaos_over(self) -> bool:
        """Whether the chaos ended by itself (or never started)."""
        if self._started_at is None:
            return True
        return (
            self._requests >= self._max_requests
            or time.monotonic() - self._started_at >= self._max_seconds
        )

    def stop(self) -> None:
        """Stops listening and ends the proxy's thread."""

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                # Requests still held (a drip, a hang) end with the proxy.
                held = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in held:
                    task.cancel()
                await asyncio.gather(*held, return_exceptions=True)
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.port}"

    # --- serving ---------------------------------------------------------------------------

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def _fate(self, request: bytes) -> str:
        for index, (start, fate) in enumerate(self._script):
            if request.startswith(start):
                del self._script[index]
                return fate
        if self.chaos_over:
            return "calm"
        self._requests += 1
        names = list(self._weights)
        return self._rng.choices(names, weights=[self._weights[n] for n in names])[0]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            if request is None:
                return
            fate = self._fate(request)
            self.fates[fate] += 1
            if fate == "reset":
                return _reset(writer)
            if fate == "error":
                writer.write(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
                    b"Connection: close\r\nContent-Length: "
                    + str(len(_ERROR_PAGE)).encode()
                    + b"\r\n\r\n"
                    + _ERROR_PAGE
                )
                await writer.drain()
                return
            if fate == "hang":
                # Holding a request, as a stalled network does; bounded by ``hold``.
                await asyncio.sleep(self._hold)
                return _reset(writer)
            answer = await self._forward(request)
            if fate == "lost":
                return _reset(writer)
            if fate == "gzip":
                answer = _garbled(answer)
            if fate == "drip":
                for byte in answer:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(self._hold)
                return None
            writer.write(answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def _forward(self, request: bytes) -> bytes:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self._upstream
        )
        try:
            upstream_writer.write(request)
            await upstream_writer.drain()
            # The request asked for Connection: close, so the answer ends at EOF.
            return await upstream_reader.read()
        finally:
            upstream_writer.close()


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request, its Connection header replaced by ``close``; None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    if len(head) > _MAX_HEADER:
        return None
    lines = head[:-4].split(b"\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"connection":
            continue
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        kept.append(line)
    kept.append(b"Connection: close")
    body = await reader.readexactly(length) if length else b""
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def _garbled(answer: bytes) -> bytes:
    """The answer's status line, with a body that claims to be gzip and is not."""
    status = answer.split(b"\r\n", 1)[0]
    body = b"\x1f\x8b\x08\x00garbage, not gzip at all"
    return (
        status
        + b"\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        + b"Connection: close\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes with a TCP RST (SO_LINGER 0), as a crashed peer or a middlebox does."""
    # asyncio hands out a TransportSocket, which passes setsockopt through.
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
