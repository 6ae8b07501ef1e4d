"""A stand-in SMS gateway on loopback: a real HTTP server that records what it is sent.

It speaks like the common Taiwanese gateways (Mitake style): a form POST with ``username``,
``password``, ``dstaddr`` and ``smbody``, answered with ``key=value`` lines. A real gateway costs
money per message, so this is the one fake the suite allows; everything in front of it (httpx,
the form encoding, the reply parsing) is the real thing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

#: How long a "hang" reply waits at most, so a forgotten double can never hold a test run.
HANG_LIMIT_SECONDS = 5.0


class Mode(StrEnum):
    """How the double answers the next posts."""

    ACCEPT = "accept"
    """200 with ``statuscode=1`` and a ``msgid``."""
    REFUSE = "refuse"
    """200 with an error status code (``statuscode=e``: bad account or password)."""
    SERVER_ERROR = "server_error"
    """HTTP 500."""
    GARBLED = "garbled"
    """200 with a body that holds no status code."""
    HANG = "hang"
    """No answer until the double is stopped (or :data:`HANG_LIMIT_SECONDS` passed)."""


@dataclass
class GatewayDouble:
    """The double's state, shared with its request handler.

    Attributes:
        url: Where to post (set once it listens).
        mode: How it answers now.
        posts: Every form received, decoded (one value per field), in order.
        released: Set when the double stops; a hanging reply gives up then.
    """

    url: str = ""
    mode: Mode = Mode.ACCEPT
    posts: list[dict[str, str]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, form: dict[str, str]) -> int:
        """Keeps one posted form and returns its sequence number (from 1)."""
        with self._lock:
            self.posts.append(form)
            return len(self.posts)


def _handler(double: GatewayDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            number = double.record(form)
            mode = double.mode
            if mode is Mode.HANG:
                double.released.wait(HANG_LIMIT_SECONDS)
                return
            if mode is Mode.SERVER_ERROR:
                self._reply(500, "internal error")
            elif mode is Mode.REFUSE:
                self._reply(200, "[1]\r\nstatuscode=e\r\nError=帳號、密碼錯誤\r\n")
            elif mode is Mode.GARBLED:
                self._reply(200, "<html>maintenance</html>")
            else:
                self._reply(
                    200, f"[1]\r\nmsgid=#{number:09d}\r\nstatuscode=1\r\nAccountPoint=98\r\n"
                )

        def _reply(self, status: int, text: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is not the place for an access log."""

    return Handler


@contextmanager
def running_gateway() -> Iterator[GatewayDouble]:
    """Runs the double on a free 127.0.0.1 port for the duration of the block."""
    double = GatewayDouble()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(double))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    double.url = f"http://{host!s}:{port}/api/mtk/SmSend"
    # A short poll interval: shutdown() waits for the next poll, and tests stop the double often.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="sms-gateway-double", daemon=True
    )
    thread.start()
    try:
        yield double
    finally:
        double.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
