"""``registry serve`` as an operator runs it: readiness beside health, the API docs served
without a CDN, JSON logs with a request id and no personal data, and proxy headers believed only
when told.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

EMAIL = "annie.sun2@hy-tech.com.tw"
PHONE = "0928942045"


@dataclass
class Served:
    url: str
    log: Path

    def log_lines(self) -> list[dict[str, object]]:
        """The JSON lines the registry logged so far (its first line, where it listens, is not
        one)."""
        lines = self.log.read_text(encoding="utf-8").splitlines()[1:]
        return [json.loads(line) for line in lines if line.strip()]


@contextmanager
def _serving(data: Path, *flags: str) -> Iterator[Served]:
    log = data.parent / f"{data.name}.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update(
        {
            "REGISTRY_PASSWORD_HASHING__TIME_COST": "1",
            "REGISTRY_PASSWORD_HASHING__MEMORY_COST_KIB": "8",
            "REGISTRY_PASSWORD_HASHING__PARALLELISM": "1",
        }
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "registry", "serve", "--port", "0", "--data", str(data), *flags],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"serving (http://127\.0\.0\.1:\d+)", log.read_text())
            url = found.group(1) if found else None
            time.sleep(0.1)
        assert url is not None, log.read_text()
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield Served(url, log)
    finally:
        process.terminate()
        process.wait(20)


def _first_revision() -> str:
    from alembic.script import ScriptDirectory

    from store.migrate import make_config

    *_, base = ScriptDirectory.from_config(make_config("central")).walk_revisions()
    return base.revision


def test_ready_says_why_not_when_the_database_is_behind(tmp_path: Path) -> None:
    older = _first_revision()
    with _serving(tmp_path / "data") as served:
        ready = httpx.get(f"{served.url}/v1/ready", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready"

        database = sqlite3.connect(tmp_path / "data" / "registry.db")
        try:
            [(head,)] = database.execute("SELECT version_num FROM alembic_version_central")
            with database:
                database.execute("UPDATE alembic_version_central SET version_num = ?", (older,))
            behind = httpx.get(f"{served.url}/v1/ready", timeout=10)
            with database:  # a newer release migrated it: this one still serves
                database.execute("UPDATE alembic_version_central SET version_num = 'f00d'")
            ahead = httpx.get(f"{served.url}/v1/ready", timeout=10)
        finally:
            with database:
                database.execute("UPDATE alembic_version_central SET version_num = ?", (head,))
            database.close()
        assert behind.status_code == 503
        assert behind.json()["status"] == "unavailable"
        assert f"at schema revision {older}, behind" in behind.json()["reason"]
        assert ahead.status_code == 200
        assert "newer" in ahead.json()["reason"]
        assert httpx.get(f"{served.url}/v1/health", timeout=10).status_code == 200


def test_the_api_docs_page_needs_no_other_host(tmp_path: Path) -> None:
    with _serving(tmp_path / "data") as served:
        page = httpx.get(f"{served.url}/v1/docs", timeout=10)
        assert page.status_code == 200
        references = re.findall(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)""", page.text)
        assert references  # the scripts, the styles, the icon and the OpenAPI document
        assert not [ref for ref in references if "//" in ref]  # nothing from another host
        for reference in references:
            answer = httpx.get(f"{served.url}{reference}", timeout=10)
            assert answer.status_code == 200, reference
        script = httpx.get(f"{served.url}/v1/docs/assets/swagger-ui-bundle.js", timeout=10)
        assert "SwaggerUIBundle" in script.text


def test_a_request_logs_one_json_line_with_its_id_and_route_and_no_personal_data(
    tmp_path: Path,
) -> None:
    with _serving(tmp_path / "data", "--access-log") as served:
        answer = httpx.post(
            f"{served.url}/v1/codes",
            json={"channel": "email", "address": EMAIL, "phone": PHONE},
            headers={"X-Request-ID": "kiosk-7-req-42"},
            timeout=10,
        )
        made_up = httpx.get(f"{served.url}/v1/ready", timeout=10)
        time.sleep(0.3)
        lines = served.log_lines()
    assert answer.headers["X-Request-ID"] == "kiosk-7-req-42"
    assert re.fullmatch(r"[0-9a-f]{32}", made_up.headers["X-Request-ID"])
    [line] = [entry for entry in lines if entry.get("request_id") == "kiosk-7-req-42"]
    assert line["logger"] == "registry.access"
    assert line["level"] == "INFO"
    assert (line["method"], line["route"], line["status"]) == (
        "POST",
        "/v1/codes",
        answer.status_code,
    )
    assert isinstance(line["duration_ms"], float)
    logged = served.log.read_text(encoding="utf-8")
    assert EMAIL not in logged
    assert PHONE not in logged
    assert '127.0.0.1"' not in logged.split("\n", 1)[1]  # nor the client's address


def test_without_the_flag_there_is_no_access_log(tmp_path: Path) -> None:
    with _serving(tmp_path / "data") as served:
        httpx.get(f"{served.url}/v1/health", timeout=10)
        time.sleep(0.3)
        assert [line for line in served.log_lines() if line["logger"] == "registry.access"] == []


def _locked_for_another_client(served: Served) -> str:
    """Five wrong passwords from one forwarded address, then one from another: the code the
    other gets."""
    for _ in range(5):
        httpx.post(
            f"{served.url}/v1/staff/login",
            json={"username": "353301.t1", "password": "guess"},
            headers={"X-Forwarded-For": "203.0.113.9"},
            timeout=30,
        )
    answer = httpx.post(
        f"{served.url}/v1/staff/login",
        json={"username": "353301.t1", "password": "guess"},
        headers={"X-Forwarded-For": "198.51.100.7"},
        timeout=30,
    )
    code: str = answer.json()["error"]["code"]
    return code


@pytest.mark.slow
def test_forwarded_addresses_count_only_with_proxy_headers(tmp_path: Path) -> None:
    with _serving(tmp_path / "trusting", "--proxy-headers") as served:
        assert _locked_for_another_client(served) == "login.failed"
    with _serving(tmp_path / "plain") as served:
        # Without the flag a client cannot pass for another: it is all 127.0.0.1, locked.
        assert _locked_for_another_client(served) == "login.locked"


def test_ready_is_503_while_the_database_does_not_answer(tmp_path: Path) -> None:
    from registry.app import create_app
    from registry.settings import RegistrySettings
    from tests.registry.harness import free_port, serve_in_thread

    # Nothing listens there: the registry starts (it connects lazily) but cannot serve.
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/registry"
    app = create_app(RegistrySettings(database_url=unreachable, data_dir=tmp_path))
    url, stop = serve_in_thread(app)
    try:
        ready = httpx.get(f"{url}/v1/ready", timeout=30)
        health = httpx.get(f"{url}/v1/health", timeout=10)
    finally:
        stop()
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "reason": "the database does not answer (OperationalError)",
    }
    assert health.status_code == 200
