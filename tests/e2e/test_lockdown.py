"""Lockdown: in production (``kiosk run``) no key quits the kiosk, suspends it or opens anything;
the demo (``kiosk demo``) still quits on Ctrl+Q.

Once through the pilot, and once as the real process on a pseudo-terminal, the way a kiosk's
keyboard reaches it: the keys' bytes are written to the terminal and the kiosk must stay on the
same screen, alive and answering.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from cryptography.hazmat.primitives import serialization
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from screens.welcome import WelcomeScreen
from tests.e2e.live import PATIENCE, Kiosk, LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.e2e.walk import Walk

#: Keys that quit, interrupt, suspend or open something in a terminal app (Textual key names).
LOCKDOWN_KEYS: Final = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+p")
#: The same keys as the terminal sends them: Ctrl+Q, Ctrl+C, Ctrl+Z, Ctrl+\, Ctrl+P.
LOCKDOWN_BYTES: Final = (b"\x11", b"\x03", b"\x1a", b"\x1c", b"\x10")
ROOT: Final = Path(__file__).resolve().parents[2]


def shown(pilot: Pilot[Any]) -> Screen[Any]:
    """The screen on top now."""
    return pilot.app.screen


@pytest.fixture
def locked(registry: LiveRegistry, tmp_path: Path) -> Iterator[Kiosk]:
    """A kiosk in lockdown, as ``kiosk run`` makes it."""
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, lockdown=True
    ) as made:
        yield made


async def test_no_key_leaves_a_locked_down_kiosk(locked: Kiosk, registry: LiveRegistry) -> None:
    """On Welcome and on a step with something typed, every lockdown key does nothing: the app
    runs on, on the same screen, with what was typed, and says nothing about quitting."""
    async with locked.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        welcome = await walk.welcome()
        await pilot.press(*LOCKDOWN_KEYS)
        await pilot.pause()
        assert locked.app.is_running
        assert shown(pilot) is welcome

        contact = await walk.apply()
        await walk.type("#email", "locked@example.com")
        await pilot.press(*LOCKDOWN_KEYS)
        await pilot.pause()
        assert locked.app.is_running
        assert shown(pilot) is contact
        assert contact.query_one("#email", Input).value == "locked@example.com"
        assert not locked.app._notifications  # no "press ctrl+q to quit" hint either
        assert locked.app.return_code is None


async def test_the_demo_still_quits_on_ctrl_q(registry: LiveRegistry, tmp_path: Path) -> None:
    """Without lockdown (``kiosk demo``), Ctrl+Q quits, as its banner says."""
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, demo=True
    ) as demo:
        async with demo.app.run_test(size=(100, 32)) as pilot:
            await wait_for_screen(pilot, WelcomeScreen)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: not demo.app.is_running, "the demo to quit")


# --- the real process on a pseudo-terminal ---------------------------------------------------


class Terminal:
    """The master end of a pseudo-terminal a process runs on: what it shows, and typing."""

    def __init__(self, master: int) -> None:
        self._master = master
        self.shown = b""

    def type(self, data: bytes) -> None:
        """Sends bytes as a keyboard would."""
        os.write(self._master, data)

    def wait_for(self, text: str, process: subprocess.Popen[bytes]) -> None:
        """Reads the screen until ``text`` appears on it (bounded by PATIENCE)."""
        wanted = text.encode("utf-8")
        deadline = time.monotonic() + PATIENCE * 2
        start = len(self.shown)
        while wanted not in self.shown[start:]:
            assert process.poll() is None, f"the kiosk exited ({process.returncode})"
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never appeared"
            ready, _, _ = select.select([self._master], [], [], min(left, 0.5))
            if ready:
                try:
                    self.shown += os.read(self._master, 65536)
                except OSError:  # the slave end closed: the process is gone
                    break
        assert wanted in self.shown[start:], f"{text!r} never appeared"

    def mark(self) -> None:
        """Forgets what was shown so far (the next wait looks at what comes after)."""
        self.shown = b""


def _config(tmp_path: Path, registry: LiveRegistry) -> Path:
    data = tmp_path / "kiosk-data"
    data.mkdir()
    key = data / "kiosk.key"
    key.write_bytes(
        registry.key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'data_dir = "{data}"\n\n[registry]\nurl = "{registry.url}"\n'
        f'kiosk_id = "{registry.kiosk_id}"\n',
        encoding="utf-8",
    )
    return config


def _controlling_terminal() -> None:
    # In the child, after setsid: the pseudo-terminal on stdin becomes its controlling
    # terminal, so the tty would turn Ctrl+C / Ctrl+Z / Ctrl+\ into signals if allowed to.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_kiosk_run_on_a_terminal_ignores_every_lockdown_key(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    """``kiosk run`` on a 100×32 pseudo-terminal: after Ctrl+Q, Ctrl+C, Ctrl+Z, Ctrl+\\ and
    Ctrl+P the process is alive and still on Welcome (Enter then opens the contact step, which
    only Welcome leads to)."""
    config = _config(tmp_path, registry)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TEXTUAL") and key != "NO_COLOR"
    }
    env.update(TERM="xterm-256color", COLUMNS="100", LINES="32", TEXTUAL_ALLOW_SIGNALS="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=_controlling_terminal,
    )
    os.close(slave)
    terminal = Terminal(master)
    try:
        terminal.wait_for("查詢申請進度", process)
        terminal.mark()
        for key in LOCKDOWN_BYTES:
            terminal.type(key)
        # Keys are read in order: once Enter is answered, every key before it was handled.
        terminal.type(b"\r")
        terminal.wait_for("請輸入您個人的聯繫資訊以取得驗證碼", process)
        assert process.poll() is None
        assert b"quit" not in terminal.shown.lower()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(PATIENCE)
        os.close(master)
