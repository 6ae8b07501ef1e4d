"""A configuration that cannot be used is one line on stderr and exit status 2, never a traceback.

An operator reads errors, not tracebacks: `kiosk sync`, `kiosk enroll` and `kiosk restore` with a
missing, non-TOML or invalid config, and `kiosk run` with one (which used to show
「服務機無法啟動」 and never exit, the reason appearing only after Ctrl+Q).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

CASES = {
    "missing": (None, "cannot read the config file"),
    "not TOML": ("[registry\nurl = 1", "is not TOML"),
    "invalid": ("idle_seconds = 1\n", "idle_seconds: Expected `int` >= 10"),
}


def _config(tmp_path: Path, text: str | None) -> Path:
    config = tmp_path / "kiosk.toml"
    if text is not None:
        config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize(
    "command", [["sync"], ["enroll", "--token", "enroll-x"], ["restore"], ["staff"]]
)
def test_a_command_with_a_config_it_cannot_use_says_why_in_one_line(
    tmp_path: Path, case: str, command: list[str]
) -> None:
    text, words = CASES[case]
    config = _config(tmp_path, text)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", command[0], "--config", str(config), *command[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("kiosk: ")
    assert words in line


@pytest.mark.slow
@pytest.mark.parametrize("case", ["invalid", "not enrolled"])
def test_kiosk_run_with_a_config_it_cannot_use_exits_with_the_reason(
    tmp_path: Path, case: str
) -> None:
    if case == "invalid":
        config = _config(tmp_path, "idle_seconds = 1\n")
        words: tuple[str, ...] = ("kiosk: the kiosk's settings in", "idle_seconds")
    else:  # a key, but the config was never given the kiosk's id
        key = tmp_path / "kiosk.key"
        key.write_bytes(b"-----BEGIN PRIVATE KEY-----\n")
        key.chmod(0o600)
        config = _config(
            tmp_path, f'data_dir = "{tmp_path}"\n[registry]\nurl = "http://127.0.0.1:9"\n'
        )
        words = ("kiosk: ", "not enrolled", "kiosk enroll")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "KIOSK_"))}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        assert process.wait(timeout=10) == 2
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    text = seen.decode(errors="replace")
    assert all(word in text for word in words), text
    assert "Traceback" not in text
