"""The ``registry`` command line: add-staff, and where a database goes by default."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kiosk.demo import wait_until_healthy
from registry.cli import build_parser
from registry.cli.common import settings_from_args
from store.engine import make_engine
from tests.registry.harness import Live


def _registry(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,  # no terminal: add-staff makes a password, asks none
        env={**os.environ, "REGISTRY_PASSWORD_HASHING__TIME_COST": "1", **(env or {})},
    )


def test_add_staff_makes_a_login_that_works(live: Live, tmp_path: Path) -> None:
    made = _registry(
        "add-staff",
        "--username",
        "clerk.353601",
        "--role",
        "admin",
        "--school",
        "353601",
        "--name",
        "教務處",
        "--database",
        live.url,
        "--data",
        str(tmp_path / "cli"),
    )
    assert made.returncode == 0, made.stderr
    printed = json.loads(made.stdout)
    assert (printed["role"], printed["school_code"]) == ("admin", "353601")
    answer = live.http.post(
        "/v1/staff/login", json={"username": "clerk.353601", "password": printed["password"]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["display_name"] == "教務處"


def test_add_staff_refuses_an_unknown_school_with_the_operators_next_step(live: Live) -> None:
    refused = _registry(
        "add-staff",
        "--username",
        "x",
        "--role",
        "teacher",
        "--school",
        "nope",
        "--database",
        live.url,
    )
    assert refused.returncode == 1
    assert refused.stderr == "registry: unknown school code nope; import the roster first\n"


def test_with_only_a_data_folder_the_database_is_a_migrated_sqlite_file_inside(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    answer = _registry("add-kiosk", "--school", "nope", "--data", str(data))
    assert answer.returncode == 1
    engine = make_engine(f"sqlite:///{data / 'registry.db'}")
    try:
        assert "bindings" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_database_argument_wins_over_the_environment_and_that_over_the_data_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "sqlite:///from-env.db")
    parse = build_parser().parse_args
    given = parse(["add-kiosk", "--school", "X", "--database", "sqlite:///a.db", "--data", "d"])
    assert settings_from_args(given).database_url == "sqlite:///a.db"
    from_env = parse(["add-kiosk", "--school", "X", "--data", "d"])
    assert settings_from_args(from_env).database_url == "sqlite:///from-env.db"
    monkeypatch.delenv("REGISTRY_DATABASE_URL")
    in_data = settings_from_args(from_env)
    assert in_data.database_url.endswith("/d/registry.db")
    assert in_data.signing_key_path == Path("d") / "registry-signing-key.pem"


def test_add_staff_gives_an_existing_teacher_a_new_password(live: Live) -> None:
    """A teacher the roster import made (no usable password) gets one from add-staff."""
    made = _registry(
        "add-staff",
        "--username",
        live.roster.teacher,
        "--role",
        "teacher",
        "--school",
        "353301",
        "--password",
        "a-new-password-1",
        "--database",
        live.url,
    )
    assert made.returncode == 0, made.stderr
    answer = live.http.post(
        "/v1/staff/login", json={"username": live.roster.teacher, "password": "a-new-password-1"}
    )
    assert answer.status_code == 200, answer.text


def test_add_staff_refuses_a_login_of_another_school_in_words(live: Live) -> None:
    refused = _registry(
        "add-staff",
        "--username",
        live.roster.teacher,
        "--role",
        "teacher",
        "--school",
        "353601",
        "--password",
        "a-new-password-1",
        "--database",
        live.url,
    )
    assert refused.returncode == 1
    assert "其他學校" in refused.stderr


def test_a_registry_serving_with_exit_with_parent_stops_when_its_parent_is_killed(
    tmp_path: Path,
) -> None:
    """The demo kiosk's registry must not outlive a kiosk killed without its cleanup."""
    import signal
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    starter = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-m', 'registry', 'serve', '--port', "
        f"'{port}', '--data', {str(tmp_path / 'data')!r}, '--exit-with-parent'], "
        "start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", starter],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "REGISTRY_PASSWORD_HASHING__TIME_COST": "1"},
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", timeout=30)

        parent.send_signal(signal.SIGKILL)
        parent.wait(10)

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the registry outlived its parent")
    finally:
        parent.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
