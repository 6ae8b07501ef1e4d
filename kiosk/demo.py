"""The embedded default (``kiosk demo`` = ``make run``): a real registry beside the kiosk.

:class:`EmbeddedRegistry` starts the reference registry as a subprocess on a free port of
127.0.0.1 with its SQLite file, keys and file outbox in the data folder; loads the demo data on
the first run only; enrolls this kiosk once (its key and id stay in the data folder); and stops
the registry when the kiosk quits. :class:`DemoOutbox` reads the codes the registry "sent" from
that file outbox, for the 示範模式 banner.

Only the standard library is imported here at first: the CLI builds the demo before the kiosk's
first frame, and the work happens in the app's start-up worker.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Final

from kiosk.domain.clock import utc_now
from kiosk.domain.contact import Contact
from kiosk.domain.outbox_line import OutboxLine

log = logging.getLogger(__name__)

#: The school the demo kiosk stands in: the tutorial's 臺北市私立日曜學校 (registry demo data).
DEMO_SCHOOL: Final = "353301"
#: The kiosk's own settings in the data folder (its id, once enrolled).
KIOSK_FILE: Final = "kiosk.toml"
#: How long the registry may take to answer its health check after starting, in seconds.
START_TIMEOUT: Final = 60.0
#: How long a registry command (demo data, add-kiosk) may take, in seconds.
COMMAND_TIMEOUT: Final = 300.0
#: How long a code works after it was sent (SPEC.md: valid 1 hour).
CODE_LIFETIME: Final = timedelta(hours=1)
#: How long the registry may take to stop before it is killed, in seconds.
STOP_TIMEOUT: Final = 10.0


class DemoError(Exception):
    """The embedded registry could not be started or the kiosk not enrolled."""


@dataclass(frozen=True, slots=True)
class DemoCode:
    """The latest code sent to one address."""

    to: str
    code: str


class DemoOutbox:
    """Reads the codes from the registry's file outbox (one :class:`OutboxLine` per line).

    The file is read incrementally (only what was appended since the last look), so polling it
    twice a second costs nothing. The latest code to the followed address is the one that works:
    the registry kills earlier codes when it sends a new one.

    Only a live code is shown: not once the kiosk used it or was told it died (:meth:`spend`),
    nor after its hour (SPEC: codes are valid 1 hour).

    Args:
        path: ``<data>/outbox.jsonl``.
        now: Gives "now" (tests pass a frozen clock).
    """

    def __init__(self, path: Path, *, now: Callable[[], datetime] = utc_now) -> None:
        self.path = path
        self._now = now
        self._offset = 0
        # The latest code to each address, with when it was sent.
        self._codes: dict[str, tuple[str, datetime]] = {}
        # Codes the kiosk saw used or refused as dead: never shown again.
        self._spent: set[tuple[str, str]] = set()
        self._contact: Contact | None = None

    def follow(self, contact: Contact | None) -> None:
        """Shows the codes sent to ``contact`` from now on (None: show none)."""
        self._contact = contact

    @property
    def following(self) -> Contact | None:
        """The address whose codes are shown (None: none)."""
        return self._contact

    def spend(self) -> None:
        """The latest code to the followed address was used or died: it is shown no more."""
        self._read_new()
        contact = self._contact
        if contact is not None and contact.address in self._codes:
            self._spent.add((contact.address, self._codes[contact.address][0]))

    def latest_code(self) -> tuple[str, str] | None:
        """``(masked address, code)`` of the latest live code to the followed address, if any."""
        self._read_new()
        contact = self._contact
        if contact is None:
            return None
        latest = self._codes.get(contact.address)
        if latest is None:
            return None
        code, sent_at = latest
        if (contact.address, code) in self._spent or self._now() - sent_at >= CODE_LIFETIME:
            return None
        from kiosk.domain.masking import mask_contact

        return (mask_contact(contact), code)

    def _read_new(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size < self._offset:
            # The outbox was emptied or replaced: read it from the start.
            self._offset = 0
            self._codes.clear()
        if size == self._offset:
            return
        with self.path.open("rb") as file:
            file.seek(self._offset)
            chunk = file.read(size - self._offset)
        # A line still being written has no newline yet: leave it for the next look.
        complete = chunk.rfind(b"\n") + 1
        self._offset += complete
        for raw in chunk[:complete].splitlines():
            try:
                line = OutboxLine.from_json(raw)
            except ValueError:
                continue
            if line.kind == "code" and "code" in line.meta:
                self._codes[line.to] = (line.meta["code"], line.created_at)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(
    url: str,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = START_TIMEOUT,
) -> None:
    """Waits until a starting registry answers ``GET /v1/health`` with 200.

    Args:
        url: The registry's base URL (without ``/v1``).
        process: The registry's process, when this one started it: its exit ends the wait.
        timeout: How long it may take, in seconds.

    Raises:
        DemoError: The process exited, or nothing answered within ``timeout``.
    """
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise DemoError(f"the registry exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        # Polling a starting process, not waiting for a clock: bounded by the deadline.
        time.sleep(0.1)
    raise DemoError(f"the registry did not answer within {timeout:.0f} s")


class EmbeddedRegistry:
    """The reference registry as a subprocess, with its data in ``data_dir``.

    Use it as a context manager: it starts on entry and stops on exit.

    Args:
        data_dir: The demo's data folder (``registry.db``, keys, ``outbox.jsonl``, ``kiosk.key``).
        python: The interpreter to run the registry with.
        port: The port to serve on (a free one when None).
    """

    def __init__(self, data_dir: Path, *, python: str = sys.executable, port: int | None = None):
        self.data_dir = data_dir.resolve()
        self._python = python
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The registry's base URL (without ``/v1``)."""
        if self._port is None:
            raise DemoError("the registry has not been started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def outbox(self) -> Path:
        """The registry's file outbox."""
        return self.data_dir / "outbox.jsonl"

    def _registry(self, *args: str) -> list[str]:
        return [self._python, "-m", "registry", *args, "--data", str(self.data_dir)]

    def _run(self, *args: str) -> str:
        """Runs one registry command to its end; its stdout."""
        try:
            done = subprocess.run(
                self._registry(*args),
                capture_output=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
                env=_child_env(),
            )
        except subprocess.TimeoutExpired as exc:
            raise DemoError(f"registry {args[0]} took more than {COMMAND_TIMEOUT:.0f} s") from exc
        if done.returncode != 0:
            raise DemoError(
                f"registry {args[0]} failed: {done.stderr.decode(errors='replace').strip()}"
            )
        return done.stdout.decode("utf-8", errors="replace")

    def start(self) -> None:
        """Loads the demo data (first run only), starts serving, waits for ``/v1/health``.

        Raises:
            DemoError: The registry did not come up in time.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "registry.db").exists():
            self._run("demo-data")
        if self._port is None:
            self._port = free_port()
        self._log = (self.data_dir / "registry.log").open("ab")
        self._process = subprocess.Popen(
            self._registry(
                "serve", "--host", "127.0.0.1", "--port", str(self._port), "--exit-with-parent"
            ),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            env=_child_env(),
            # Its own process group: a Ctrl+C meant for the kiosk does not reach it first.
            start_new_session=True,
        )
        wait_until_healthy(self.url, self._process)

    def stop(self) -> None:
        """Stops the registry (politely, then not)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> EmbeddedRegistry:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def enroll(self, school: str = DEMO_SCHOOL) -> str:
        """This kiosk's id at the registry, enrolling it the first time.

        The key is ``<data>/kiosk.key`` (made 0600 on first use) and the id is kept in
        ``<data>/kiosk.toml``; a kiosk enrolled once is not enrolled again.

        Raises:
            DemoError: The registry refused the enrollment.
        """
        kiosk_file = self.data_dir / KIOSK_FILE
        known = _read_kiosk_id(kiosk_file)
        if known is not None and (self.data_dir / "kiosk.key").exists():
            return known
        import asyncio

        from kiosk.client import enroll
        from kiosk.domain.errors import DomainError
        from kiosk.keys import load_or_create_key

        made = json.loads(self._run("add-kiosk", "--school", school))
        key = load_or_create_key(self.data_dir / "kiosk.key")
        try:
            enrollment = asyncio.run(enroll(self.url, key, str(made["enrollment_token"])))
        except DomainError as exc:
            raise DemoError(f"enrollment refused: {exc.code.value}") from exc
        kiosk_file.write_text(
            "# Written by `kiosk demo`: this kiosk's id at the demo registry.\n"
            f'[registry]\nkiosk_id = "{enrollment.kiosk_id}"\n',
            encoding="utf-8",
        )
        return enrollment.kiosk_id


def _read_kiosk_id(path: Path) -> str | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    kiosk_id = data.get("registry", {}).get("kiosk_id")
    return str(kiosk_id) if kiosk_id else None


def _child_env() -> dict[str, str]:
    # The registry's own settings come from its flags; a kiosk variable means nothing to it.
    return {name: value for name, value in os.environ.items() if not name.startswith("KIOSK_")}
