"""Several registry processes on one database: the limits still hold.

Two ``python -m registry serve`` processes share one database (and one data folder: the signing
key, the code pepper, the file outbox); 20 requests for an SMS code to one number arrive at both
at once. Exactly two codes may go out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from kiosk.demo import DemoError, wait_until_healthy
from kiosk.domain.clock import utc_now
from kiosk.domain.wire import STAFF_SESSION_HEADER
from registry.notify.outbox import FileOutbox
from registry.settings import Limits
from store.engine import make_engine, make_session_factory
from tests.registry.conftest import Database
from tests.registry.harness import enroll_kiosk, free_port

MOBILE = "0912345678"
E164 = "+886912345678"


def _serve(database: Database, data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REGISTRY_PASSWORD_HASHING__TIME_COST": "1"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "registry",
            "serve",
            "--database",
            database.url,
            "--data",
            str(data),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    try:
        wait_until_healthy(url, process)
    except DemoError as exc:
        exited = process.poll() is not None
        why = process.stderr.read().decode(errors="replace") if exited and process.stderr else ""
        raise AssertionError(f"registry at {url}: {exc} {why}") from exc


@pytest.fixture
def two_registries(database: Database, tmp_path: Path) -> Iterator[list[str]]:
    """Two registry processes serving ``database``; yields their base URLs."""
    data = tmp_path / "data"
    ports = [free_port(), free_port()]
    processes = [_serve(database, data, port) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_twenty_concurrent_sms_requests_to_two_processes_send_exactly_two(
    database: Database, tmp_path: Path, two_registries: list[str]
) -> None:
    engine = make_engine(database.url)
    try:
        with httpx.Client(base_url=two_registries[0], timeout=30) as http:
            kiosk = enroll_kiosk(http, make_session_factory(engine), utc_now, Limits())
    finally:
        engine.dispose()

    def ask(index: int) -> int:
        url = two_registries[index % 2]
        answer = httpx.post(
            f"{url}/v1/codes",
            json={"channel": "sms", "address": MOBILE},
            headers=kiosk.headers(),
            timeout=60,
        )
        return answer.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(ask, range(20)))
    assert statuses == [202] * 2 + [429] * 18, statuses
    sent = [
        entry
        for entry in FileOutbox(tmp_path / "data" / "outbox.jsonl").entries()
        if entry.kind == "code" and entry.to == E164
    ]
    assert len(sent) == 2
    # A token signed by one process is good at the other (one signing key for both).
    code = sent[-1].meta["code"]
    assert code.isdigit()
    staff = httpx.post(
        f"{two_registries[0]}/v1/staff/login",
        json={"username": "t.lin", "password": "staff-password-1"},
    ).json()["session_token"]
    listed = httpx.get(
        f"{two_registries[1]}/v1/staff/bindings", headers={STAFF_SESSION_HEADER: staff}
    )
    assert listed.status_code == 200, listed.text


def test_serve_says_where_it_listens_and_never_the_database_password(
    database: Database, tmp_path: Path
) -> None:
    port = free_port()
    process = _serve(database, tmp_path / "data", port)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process)
        assert process.stderr is not None
        first = process.stderr.readline().decode()
        assert f"serving http://127.0.0.1:{port} (database " in first
        assert first.startswith("registry ")
        password = make_url(database.url).password
        assert not password or str(password) not in first
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
