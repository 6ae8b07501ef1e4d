"""A real registry that goes away and comes back: uvicorn stopped, then started again on the same
port and the same database (for the progress page's offline cancel and purge)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from shutil import copyfile

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.domain.wire import KioskEnrollmentOut
from kiosk.keys import public_key_b64
from registry.app import create_app
from registry.services.kiosks import add_kiosk
from registry.settings import RegistrySettings
from store.engine import make_engine, make_session_factory, sqlite_url
from tests.e2e.live import FAST_HASHING, KIOSK_SCHOOL, LiveRegistry


class RegistrySwitch:
    """Stops and starts the registry's server; its database and keys stay."""

    def __init__(self, settings: RegistrySettings, port: int) -> None:
        self._settings = settings
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def start(self) -> None:
        """Serves again on the same port."""
        assert self._server is None
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(self._settings), log_level="warning", access_log=False, lifespan="on"
            )
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        for _ in range(1000):
            if server.started:
                break
            thread.join(0.01)
        assert server.started, "the registry did not start"
        self._server, self._thread, self._sock = server, thread, sock

    def stop(self) -> None:
        """Goes away: the port refuses connections."""
        assert self._server is not None
        assert self._thread is not None
        assert self._sock is not None
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
        self._server = self._thread = self._sock = None

    @property
    def up(self) -> bool:
        """Whether it serves now."""
        return self._server is not None


@contextmanager
def switchable_registry(
    data_dir: Path, template: Path
) -> Iterator[tuple[LiveRegistry, RegistrySwitch]]:
    """The registry on a copy of ``template`` with one kiosk enrolled, and its switch."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "registry.db"
    copyfile(template, database)
    settings = RegistrySettings(
        database_url=sqlite_url(database), data_dir=data_dir, password_hashing=FAST_HASHING
    )
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    switch = RegistrySwitch(settings, port)
    switch.start()
    engine = make_engine(settings.database_url)
    try:
        url = f"http://127.0.0.1:{port}"
        sessions = make_session_factory(engine)
        with sessions() as session:
            made = add_kiosk(
                session, school_code=KIOSK_SCHOOL, now=datetime.now(UTC), limits=settings.limits
            )
        key = Ed25519PrivateKey.generate()
        answer = httpx.post(
            f"{url}/v1/kiosks/enroll",
            json={"enrollment_token": made.enrollment_token, "public_key": public_key_b64(key)},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        enrollment = KioskEnrollmentOut.model_validate_json(answer.content)
        yield LiveRegistry(url, data_dir, enrollment.kiosk_id, key, sessions), switch
    finally:
        if switch.up:
            switch.stop()
        engine.dispose()
