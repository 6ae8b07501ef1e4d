"""A kiosk whose terminal closes ends, and takes its demo registry with it.

The kiosk runs as `make run` runs it (``kiosk demo``) on a real pseudo-terminal; the test closes
the terminal's side as a closing terminal window does, and both processes must be gone within
seconds (before the fix the kiosk ran on at 89 % CPU, unseen, with its registry still serving).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from kiosk.terminal import EXIT_HANGUP

pytestmark = pytest.mark.slow

#: How long the demo may take to show its Welcome screen (it makes its demo data first).
START_PATIENCE = 120.0
#: How long both processes may take to end once the terminal is gone.
END_PATIENCE = 15.0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the parent pid follows the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _read_until(master: int, text: str, patience: float) -> str:
    seen = b""
    deadline = time.monotonic() + patience
    while text.encode() not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {text!r} on the terminal within {patience:.0f} s")
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen.decode(errors="replace")


def test_closing_the_terminal_ends_the_kiosk_and_its_registry(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "KIOSK_"))}
    env["TERM"] = "xterm-256color"
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "demo", "--data", str(tmp_path / "data")],
        stdin=slave,
        stdout=slave,
        stderr=slave,  # Textual draws on standard error
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    registry: list[int] = []
    try:
        _read_until(master, "查詢申請進度", START_PATIENCE)
        registry = _children(kiosk.pid)
        assert registry, "the demo's registry runs as the kiosk's child"

        os.close(master)  # the terminal window closes

        deadline = time.monotonic() + END_PATIENCE
        while time.monotonic() < deadline and (
            kiosk.poll() is None or any(_alive(pid) for pid in registry)
        ):
            time.sleep(0.2)
        assert kiosk.poll() == EXIT_HANGUP
        assert not [pid for pid in registry if _alive(pid)]
    finally:
        for pid in [kiosk.pid, *registry]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        kiosk.wait(timeout=10)
