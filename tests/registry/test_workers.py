"""``registry serve --workers 2``: two processes answer on one port, and the limits, which live
in the database, hold across them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kiosk.demo import wait_until_healthy
from kiosk.domain.clock import utc_now
from registry.notify.outbox import FileOutbox
from registry.settings import Limits
from store.engine import make_engine, make_session_factory
from tests.registry.conftest import Database
from tests.registry.harness import enroll_kiosk, free_port

pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)


@dataclass(frozen=True)
class Served:
    """``registry serve --workers 2``."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    data: Path


@pytest.fixture
def served(database: Database, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    data = tmp_path / "data"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "registry", "serve", "--database", database.url),
            *("--data", str(data), "--port", str(port), "--workers", "2"),
        ],
        env={**os.environ, "REGISTRY_PASSWORD_HASHING__TIME_COST": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield Served(url, port, process, data)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def _sockets(pid: int, port: int, state: str) -> int:
    """Sockets on ``port`` in ``state`` (01 established, 0A listening) that process ``pid``
    holds (from /proc). Counted by inode: /proc/net/tcp is read a page at a time, and a table
    that other tests change meanwhile can list a socket twice or skip one."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    held = set()
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == state and fields[9] in inodes:
            held.add(fields[9])
    return len(held)


@pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="reads Linux's /proc")
def test_two_workers_answer_on_one_port(served: Served) -> None:
    workers = _children(served.process.pid)
    assert len(workers) == 2
    deadline = time.monotonic() + 30
    while not all(_sockets(pid, served.port, "0A") for pid in workers):
        assert time.monotonic() < deadline, "a worker never listened"
        time.sleep(0.1)
    connections = []
    try:
        for _ in range(16):
            conn = socket.create_connection(("127.0.0.1", served.port))
            conn.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b" 200 " in conn.recv(4096).split(b"\r\n")[0] + b" "
            connections.append(conn)
        # Read until the table settles: a read can skip a socket that moved meanwhile.
        deadline = time.monotonic() + 5
        held = {pid: _sockets(pid, served.port, "01") for pid in workers}
        while sum(held.values()) != 16 and time.monotonic() < deadline:
            time.sleep(0.1)
            held = {pid: _sockets(pid, served.port, "01") for pid in workers}
        # The kernel spreads connections by their addresses: each process got some of 16.
        assert all(count > 0 for count in held.values()), held
        assert sum(held.values()) == 16, held
    finally:
        for conn in connections:
            conn.close()


@pytest.mark.slow
def test_twenty_concurrent_sms_requests_to_two_workers_send_exactly_two(
    database: Database, served: Served
) -> None:
    engine = make_engine(database.url)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as http:
            kiosk = enroll_kiosk(http, make_session_factory(engine), utc_now, Limits())
    finally:
        engine.dispose()

    def ask(_index: int) -> int:
        # A connection each: the kernel spreads them over both workers.
        answer = httpx.post(
            f"{served.url}/v1/codes",
            json={"channel": "sms", "address": "0912345678"},
            headers=kiosk.headers(),
            timeout=60,
        )
        return answer.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(ask, range(20)))
    assert statuses == [202] * 2 + [429] * 18, statuses
    sent = [
        entry
        for entry in FileOutbox(served.data / "outbox.jsonl").entries()
        if entry.kind == "code" and entry.to == "+886912345678"
    ]
    assert len(sent) == 2


def test_a_taken_port_is_one_line_and_status_1(database: Database, served: Served) -> None:
    answer = subprocess.run(
        [
            *(sys.executable, "-m", "registry", "serve", "--database", database.url),
            *("--data", str(served.data), "--port", str(served.port)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert answer.returncode == 1
    assert answer.stderr.strip().splitlines() == [
        f"registry: cannot listen on 127.0.0.1:{served.port}: Address already in use"
    ]
