"""Installing a kiosk as the operators' guide says: ``kiosk enroll`` writes the kiosk id into the
config it was given (its comments kept), ``kiosk sync`` before that says to enroll, and
``kiosk check`` says line by line what is right and what is not, exiting 1 when anything is not.

The commands run as an operator runs them, against a registry serving on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.services.kiosks import add_kiosk
from registry.settings import RegistrySettings
from tests.e2e.live import LiveRegistry, demo_template, running_registry
from tests.registry.harness import free_port

SCHOOL = "353301"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    template = demo_template(tmp_path_factory.getbasetemp() / "registry-template")
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def _token(registry: LiveRegistry) -> str:
    with registry.sessions() as session:
        made = add_kiosk(
            session,
            school_code=SCHOOL,
            now=datetime.now(UTC),
            limits=RegistrySettings().limits,
        )
    return made.enrollment_token


def _kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def _config(tmp_path: Path, url: str, *, form: str = "") -> Path:
    font = tmp_path / "font.ttf"
    font.write_bytes(b"\0" * 64)  # kiosk check only asks whether the configured file is there
    config = tmp_path / "kiosk.toml"
    config.write_text(
        "# The kiosk at the 日曜 office.\n"
        f'data_dir = "{tmp_path / "data"}"\n'
        "\n"
        "[registry]\n"
        "# The registry behind the city's proxy.\n"
        f'url = "{url}"\n'
        "\n"
        "[form]\n"
        f'font_path = "{font}"  # Noto Sans CJK TC\n'
        f"{form}",
        encoding="utf-8",
    )
    return config


def test_enroll_writes_the_kiosk_id_into_the_config_and_check_is_all_green(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    config = _config(tmp_path, registry.url)

    before = _kiosk("sync", "--config", str(config))
    assert before.returncode == 2
    [line] = before.stderr.splitlines()
    assert line.startswith("kiosk: not enrolled: run kiosk enroll")
    assert "無法連線" not in before.stderr

    enrolled = _kiosk("enroll", "--config", str(config), "--token", _token(registry))
    assert enrolled.returncode == 0, enrolled.stderr
    text = config.read_text(encoding="utf-8")
    kiosk_id = tomllib.loads(text)["registry"]["kiosk_id"]
    assert kiosk_id.startswith("k-")
    for kept in ("# The kiosk at the 日曜 office.", "# The registry behind", "# Noto Sans CJK TC"):
        assert kept in text

    checked = _kiosk("check", "--config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert all(line.startswith("✓ ") for line in lines), checked.stdout
    said = "\n".join(lines)
    for part in ("config:", "key:", "enrolment:", "registry:", "clock:", "CJK font:", "printer:"):
        assert part in said
    assert f"the registry knows {kiosk_id} (school {SCHOOL})" in said

    synced = _kiosk("sync", "--config", str(config))
    assert synced.returncode == 0, synced.stderr


def test_check_says_what_is_wrong_line_by_line_and_fails(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        f"http://127.0.0.1:{free_port()}",
        form='printer = "no-such-printer"\n',
    )
    (tmp_path / "font.ttf").unlink()
    key = tmp_path / "data" / "kiosk.key"
    key.parent.mkdir()
    key.write_text("not a key")
    key.chmod(0o644)

    checked = _kiosk("check", "--config", str(config))

    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr
    failed = {line.split(":")[0] for line in checked.stdout.splitlines() if line.startswith("✗")}
    assert failed == {"✗ key", "✗ enrolment", "✗ registry", "✗ CJK font", "✗ printer"}
    assert f"chmod 600 {key}" in checked.stdout
    assert "not enrolled: run kiosk enroll" in checked.stdout


def test_check_of_a_config_that_does_not_parse_is_one_failed_line(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[registry\n", encoding="utf-8")
    checked = _kiosk("check", "--config", str(config))
    assert checked.returncode == 1
    [line] = checked.stdout.splitlines()
    assert line.startswith("✗ config: ")


def test_enroll_where_the_key_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    # /proc takes no new folders, not even from root.
    config.write_text(
        'data_dir = "/proc/no-kiosk-here"\n[registry]\nurl = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    done = _kiosk("enroll", "--config", str(config), "--token", "enroll-x")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == ["kiosk: /proc/no-kiosk-here: No such file or directory"]
    debug = _kiosk("--debug", "enroll", "--config", str(config), "--token", "enroll-x")
    assert "Traceback" in debug.stderr


def test_check_names_a_clock_minutes_off(tmp_path: Path) -> None:
    """A registry whose Date header is 3 minutes ahead: the clock line fails and says why."""
    import threading
    import time
    from email.utils import formatdate
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class AheadRegistry(BaseHTTPRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return formatdate(time.time() + 180, usegmt=True)

        def do_GET(self) -> None:
            body = b'{"status": "ok", "version": "0.1.0"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), AheadRegistry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = _config(tmp_path, f"http://127.0.0.1:{server.server_address[1]}")
        checked = _kiosk("check", "--config", str(config))
    finally:
        server.shutdown()
        server.server_close()
    assert checked.returncode == 1
    [clock] = [line for line in checked.stdout.splitlines() if "clock:" in line]
    assert re.match(r"✗ clock: this kiosk's clock is 1(79|80|81) s behind the registry's", clock)
    assert "time synchronisation" in clock
