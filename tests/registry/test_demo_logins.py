"""``registry demo-logins`` (what ``make run`` prints first): the demo school's homeroom teacher
and admin logins, which log in at a registry holding the demo data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.live import LiveRegistry, demo_template, running_registry


@pytest.fixture(scope="module")
def demo_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """A registry serving the demo data (made by the demo-data code, the default seed)."""
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def _demo_logins(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", "demo-logins", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "120", **(env or {})},
    )


#: What rich takes for a terminal (``make run`` prints the table to one).
TERMINAL = {"TTY_COMPATIBLE": "1", "NO_COLOR": "1"}


def test_the_printed_teacher_and_admin_log_in(demo_registry: LiveRegistry) -> None:
    printed = _demo_logins(env=TERMINAL)
    assert printed.returncode == 0, printed.stderr
    logins = dict(re.findall(r"(353301\.\w+)\s*│\s*(demo-\d{6})", printed.stdout))
    assert set(logins) == {"353301.t1", "353301.admin"}
    assert "導師" in printed.stdout
    assert "學校管理者" in printed.stdout
    roles = {}
    for username, password in logins.items():
        answer = httpx.post(
            f"{demo_registry.url}/v1/staff/login",
            json={"username": username, "password": password},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        roles[username] = (answer.json()["role"], answer.json()["school_code"])
    assert roles == {"353301.t1": ("teacher", "353301"), "353301.admin": ("admin", "353301")}


def test_piped_the_logins_are_json_lines_whole() -> None:
    printed = _demo_logins()
    assert printed.returncode == 0, printed.stderr
    logins = [json.loads(line) for line in printed.stdout.splitlines()]
    assert {(login["kind"], login["username"]) for login in logins} == {
        ("teacher", "353301.t1"),
        ("admin", "353301.admin"),
    }
    assert all(login["password"].startswith("demo-") for login in logins)


def test_a_school_without_demo_logins_is_said_so() -> None:
    printed = _demo_logins("--school", "999999")
    assert printed.returncode == 1
    assert printed.stdout == ""
    [line] = printed.stderr.splitlines()
    assert line.startswith("registry: ")
    assert "999999" in line
