"""A real registry on 127.0.0.1 and a kiosk app wired to it, for the wizard's pilot tests.

:func:`running_registry` starts the registry app under uvicorn in a thread, on its own copy of a
SQLite file holding the demo data (the tutorial's people included), with the file outbox in its
data folder and one kiosk enrolled over HTTP. Codes are read from the outbox, as the demo kiosk
does. :func:`kiosk_app` builds the kiosk through :func:`kiosk.app.make_app` with a real client,
a real local SQLite store and the real words.

Helpers live here (not in a conftest) so that the UI, snapshot and end-to-end tests can all use
them; each module makes its own fixtures from them.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from textual.pilot import Pilot
from textual.screen import Screen

from kiosk.app import KioskApp, make_app
from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel, parse_contact
from kiosk.domain.i18n import Translator
from kiosk.domain.people import Level
from kiosk.domain.wire import KioskEnrollmentOut
from kiosk.keys import public_key_b64
from kiosk.settings import KioskSettings
from registry.app import create_app
from registry.demo import load_demo
from registry.notify.outbox import FileOutbox
from registry.services.kiosks import add_kiosk
from registry.settings import PasswordHashing, RegistrySettings
from store import central
from store.engine import make_engine, make_session_factory, sqlite_url
from store.local import LocalStore
from store.migrate import upgrade
from store.sealing import Sealer

ScreenT = TypeVar("ScreenT", bound=Screen[Any])

#: The cheapest argon2id the library allows: hashing is not what these tests measure.
FAST_HASHING: Final = PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1)
#: The school the test kiosk stands in (the tutorial's).
KIOSK_SCHOOL: Final = "353301"
#: How long a pilot waits for the registry or a screen, at most (seconds).
PATIENCE: Final = 15.0


@dataclass(frozen=True)
class RosterStudent:
    """A pupil of the demo roster."""

    id_number: str
    name: str
    class_name: str
    school_code: str
    school_name: str
    level: Level


@dataclass
class LiveRegistry:
    """A registry serving on 127.0.0.1, and one kiosk enrolled with it.

    Attributes:
        url: Its base URL (without ``/v1``).
        data_dir: Its data folder (keys, ``outbox.jsonl``).
        kiosk_id: The enrolled kiosk's id.
        key: The enrolled kiosk's private key.
        sessions: Sessions on its database, to look at what it stored.
    """

    url: str
    data_dir: Path
    kiosk_id: str
    key: Ed25519PrivateKey
    sessions: sessionmaker[Session]

    @property
    def outbox(self) -> FileOutbox:
        """The registry's file outbox."""
        return FileOutbox(self.data_dir / "outbox.jsonl")

    def codes_sent(self, channel: Channel, address: str) -> list[str]:
        """Every code sent to an address (as typed), oldest first."""
        to = parse_contact(channel, address).address
        return [
            entry.meta["code"] for entry in self.outbox.latest(1000, to=to) if entry.kind == "code"
        ]

    def code_for(self, channel: Channel, address: str) -> str:
        """The latest code sent to an address (as typed)."""
        codes = self.codes_sent(channel, address)
        assert codes, f"no code was sent to {address}"
        return codes[-1]

    def students(self, level: Level | None = None) -> list[RosterStudent]:
        """Enrolled pupils of the roster, by ID, without anyone bound or pending."""
        with self.sessions() as session:
            rows = session.execute(
                select(central.Student, central.SchoolClass.name, central.School.name)
                .join(central.SchoolClass, central.Student.class_id == central.SchoolClass.id)
                .join(central.School, central.Student.school_code == central.School.code)
                .where(central.Student.enrolled.is_(True))
                .where(~central.Student.id.in_(select(central.Binding.student_id)))
                .order_by(central.Student.id_number)
            ).all()
        return [
            RosterStudent(s.id_number, s.name, class_name, s.school_code, school_name, s.level)
            for s, class_name, school_name in rows
            if level is None or s.level is level
        ]

    def applications(self) -> int:
        """How many applications the registry holds."""
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(central.Application)) or 0)

    def bindings_of_parent(self, parent_id: str) -> int:
        """How many bindings the registry holds for one parent ID."""
        with self.sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(central.Binding)
                    .where(central.Binding.parent_id_number == parent_id)
                )
                or 0
            )


def demo_template(folder: Path) -> Path:
    """A migrated registry database with the demo data, made once in ``folder`` and reused.

    Loading the demo data takes seconds; copying the file takes milliseconds.
    """
    template = folder / "registry-demo.db"
    if template.exists():
        return template
    folder.mkdir(parents=True, exist_ok=True)
    building = folder / "registry-demo.building.db"
    building.unlink(missing_ok=True)
    url = sqlite_url(building)
    upgrade(url, "central")
    engine = make_engine(url)
    try:
        load_demo(
            make_session_factory(engine),
            limits=RegistrySettings().limits,
            now=datetime.now(UTC),
            hasher=FAST_HASHING.hasher(),
        )
    finally:
        engine.dispose()
    building.replace(template)
    return template


def _free_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def registry_settings(data_dir: Path, template: Path) -> RegistrySettings:
    """A registry's settings on a copy of ``template`` (a SQLite database) in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "registry.db"
    shutil.copyfile(template, database)
    return RegistrySettings(
        database_url=sqlite_url(database), data_dir=data_dir, password_hashing=FAST_HASHING
    )


def enroll_live_kiosk(url: str, settings: RegistrySettings, engine: Engine) -> LiveRegistry:
    """A kiosk added at :data:`KIOSK_SCHOOL` of the registry serving at ``url`` and enrolled
    with a new key over HTTP, as a kiosk does (without an event loop: async tests call this
    too)."""
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
    return LiveRegistry(url, settings.data_dir, enrollment.kiosk_id, key, sessions)


@contextmanager
def running_registry(data_dir: Path, template: Path) -> Iterator[LiveRegistry]:
    """The registry on a copy of ``template``, serving on a free port, one kiosk enrolled."""
    settings = registry_settings(data_dir, template)
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    engine: Engine = make_engine(settings.database_url)
    try:
        for _ in range(1000):
            if server.started:
                break
            thread.join(0.01)
        assert server.started, "the registry did not start"
        yield enroll_live_kiosk(f"http://127.0.0.1:{port}", settings, engine)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        engine.dispose()


@dataclass
class Kiosk:
    """A kiosk app wired to a registry, and its local store."""

    app: KioskApp
    store: LocalStore
    engine: Engine
    settings: KioskSettings

    def applications(self) -> int:
        """How many applications the kiosk's own database holds."""
        from store.local.tables import Application

        with make_session_factory(self.engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Application)) or 0)


@contextmanager
def kiosk_app(
    folder: Path,
    registry_url: str,
    kiosk_id: str,
    key: Ed25519PrivateKey,
    *,
    clock: Callable[[], datetime] | None = None,
    demo: bool = False,
    client: RegistryClient | None = None,
    monotonic: Callable[[], float] | None = None,
    lockdown: bool = False,
    sealer: Sealer | None = None,
    theme: str = "textual-dark",
    language: str = "zh_TW",
) -> Iterator[Kiosk]:
    """The kiosk, as the app factory builds it, with a fresh local database in ``folder``.

    ``client`` replaces the registry's (a test's gated one); with ``monotonic`` the idle watch
    runs on that clock and is only asked when the test calls ``app.check_idleness()``; the same
    ``sealer`` again (its key) is the same kiosk restarted on its database; ``theme`` is the
    ``[display] theme`` setting; ``language`` the catalog the screens speak.
    """
    folder.mkdir(parents=True, exist_ok=True)
    settings = KioskSettings.load(
        None,
        data_dir=folder,
        registry={"url": registry_url, "kiosk_id": kiosk_id},
        demo=demo,
        display={"theme": theme},
    )
    engine = make_engine(settings.database_url)
    upgrade(engine, "local")
    sealer = sealer or Sealer(Sealer.generate_key())
    store = LocalStore(make_session_factory(engine), sealer, kiosk_code="T1")
    client = client or RegistryClient(registry_url, kiosk_id=kiosk_id, key=key, timeout=10.0)
    idle: dict[str, Any] = (
        {} if monotonic is None else {"monotonic": monotonic, "idle_check_seconds": 3600.0}
    )
    app = make_app(
        settings,
        client=client,
        store=store,
        translator=Translator(language),
        clock=clock or (lambda: datetime.now(UTC)),
        background_sync=False,
        lockdown=lockdown,
        **idle,
    )
    app.animation_level = "none"
    try:
        yield Kiosk(app, store, engine, settings)
    finally:
        engine.dispose()


async def wait_for(pilot: Pilot[Any], done: Callable[[], bool], what: str) -> None:
    """Lets the app run until ``done()`` (registry answers, screens change); bounded.

    Raises:
        AssertionError: ``done()`` stayed false for :data:`PATIENCE` seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not done():
        if loop.time() > deadline:
            screen = pilot.app.screen
            # The error lines the screen marked as showing something (screens.base.show_errors).
            shown = " / ".join(str(line.render()).strip() for line in screen.query(".error.-shown"))
            raise AssertionError(
                f"waited {PATIENCE:.0f} s for {what}; on {type(screen).__name__}"
                + (f", which shows: {shown}" if shown else "")
            )
        await pilot.pause(0.02)


async def wait_for_screen(pilot: Pilot[Any], kind: type[ScreenT]) -> ScreenT:
    """Waits until the app shows a ``kind`` screen; that screen."""

    def shown() -> bool:
        screen = pilot.app.screen
        # Pushed is not yet composed: wait for its widgets too.
        return isinstance(screen, kind) and screen.is_mounted and bool(screen.children)

    await wait_for(pilot, shown, kind.__name__)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen
