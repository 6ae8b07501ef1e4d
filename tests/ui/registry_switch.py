"""A real registry that goes away and comes back: uvicorn stopped, then started again on the same
port and the same database (for the progress page's offline cancel and purge)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from registry.app import create_app
from registry.settings import RegistrySettings
from store.engine import make_engine
from tests.e2e.live import LiveRegistry, enroll_live_kiosk, registry_settings


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
    settings = registry_settings(data_dir, template)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    switch = RegistrySwitch(settings, port)
    switch.start()
    engine = make_engine(settings.database_url)
    try:
        yield enroll_live_kiosk(f"http://127.0.0.1:{port}", settings, engine), switch
    finally:
        if switch.up:
            switch.stop()
        engine.dispose()
