"""Idle and slow clients cannot starve the registry (``registry serve`` as operators run it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kiosk.demo import wait_until_healthy
from tests.registry.conftest import Database
from tests.registry.harness import free_port

IDLE = 200


@dataclass(frozen=True)
class Served:
    """A ``registry serve`` process."""

    url: str
    pid: int


@pytest.fixture
def served(database: Database, tmp_path: Path) -> Iterator[Served]:
    """``registry serve`` on the test's database (production hashing memory, one pass)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "registry",
            "serve",
            "--database",
            database.url,
            "--data",
            str(tmp_path / "data"),
            "--port",
            str(port),
            "--request-read-timeout",
            "2",
            # As behind a proxy on this machine: the login tests play several clients by
            # X-Forwarded-For (registry serve believes it only when told).
            "--proxy-headers",
        ],
        env={**os.environ, "REGISTRY_PASSWORD_HASHING__TIME_COST": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield Served(url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def _open(url: str, count: int, first_bytes: bytes) -> list[socket.socket]:
    port = int(url.rsplit(":", 1)[1])
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if first_bytes:
            sock.sendall(first_bytes)
        sockets.append(sock)
    return sockets


def _closed_by_server(sock: socket.socket, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_health_answers_beside_200_idle_and_half_sent_connections(served: Served) -> None:
    idle = _open(served.url, IDLE // 2, b"")
    half = _open(served.url, IDLE // 2, b"GET /v1/heal")
    try:
        started = time.monotonic()
        answer = httpx.get(f"{served.url}/v1/health", timeout=5)
        took = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert took < 1.0, f"/v1/health took {took:.2f} s"
    finally:
        for sock in idle + half:
            sock.close()


def test_a_client_that_never_finishes_its_request_is_disconnected(served: Served) -> None:
    (silent,) = _open(served.url, 1, b"")
    (slow,) = _open(served.url, 1, b"POST /v1/codes HTTP/1.1\r\nHost: x\r\n")
    try:
        # The deadline is 2 s here; the connection must go within a few seconds of it.
        assert _closed_by_server(silent, within_s=8)
        assert _closed_by_server(slow, within_s=8)
    finally:
        silent.close()
        slow.close()


def test_one_client_holds_at_most_its_share_of_idle_connections(served: Served) -> None:
    sockets = _open(served.url, 60, b"")
    try:
        # 50 per client by default: the oldest ten were closed to make room.
        assert all(_closed_by_server(sock, within_s=1) for sock in sockets[:10])
        assert not any(_closed_by_server(sock, within_s=0.2) for sock in sockets[-5:])
    finally:
        for sock in sockets:
            sock.close()
