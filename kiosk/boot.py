"""The kiosk's start in two parts: what may refuse it before the Welcome screen, the rest after.

:func:`preflight` runs before the Welcome screen is shown, in the app's start-up thread: every
check that may refuse to serve parents — the settings, damaged or missing local state
(:func:`store.local.integrity.check_local_state`), an unsafe ``seal.key``, a kiosk not enrolled
(no key), and a local database that must be migrated (migrated there and then) — with the standard
library only when the database is already at the head revision, the usual case. So a damaged or
unenrolled kiosk never shows a Welcome a parent could press.

:func:`build_services` builds the rest — the registry client (httpx, pyjwt, cryptography), the
local store (SQLAlchemy), the sync worker, the screens — in a second thread once the Welcome is on
screen. Its failures still refuse the kiosk; only a fault the cheap checks cannot see (a key file
of the right shape holding no key, say) comes after the Welcome.

Heavy modules are only imported inside functions or for type checking here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.i18n import Translator
from kiosk.domain.secret_file import KeyFileError, read_secret_file

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.demo import DemoOutbox
    from kiosk.domain.consent import ConsentStatement
    from kiosk.services import Services
    from kiosk.settings import KioskSettings
    from kiosk.sync import SyncWorker
    from store.local import LocalStore

#: The local tree's head revision (tests/unit/test_boot.py holds it to Alembic's). A database at
#: it needs no migration, and Alembic is not imported; any other revision is migrated as before,
#: so a stale value costs time, never correctness.
LOCAL_HEAD: Final = "3c7e5b1d9a24"
#: ``seal.key``'s size (store.sealing.KEY_BYTES; checked here without importing cryptography).
SEAL_KEY_BYTES: Final = 32
#: The most a kiosk key file may hold (kiosk.keys reads as much).
_KEY_FILE_LIMIT: Final = 4096


@dataclass(frozen=True, slots=True)
class Started:
    """What the Welcome screen needs, known once :func:`preflight` passed.

    Attributes:
        settings: The kiosk's settings.
        translator: The words on screen (the wizard's own, later).
        demo: The demo's code feed; None outside demo mode.
        services: Builds everything else (:func:`build_services`), in a thread.
    """

    settings: KioskSettings
    translator: Translator
    demo: DemoOutbox | None
    services: Callable[[], Services]


def at_head(database: Path) -> bool:
    """Whether the SQLite ``database`` exists and is at :data:`LOCAL_HEAD` (only read)."""
    if not database.is_file():
        return False
    try:
        # Not read-only: closing a read-write connection, the last one, tidies the WAL files
        # away as the kiosk's own connections do.
        connection = sqlite3.connect(database)
    except sqlite3.Error:
        return False
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version_local").fetchall()
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return rows == [(LOCAL_HEAD,)]


def preflight(settings: KioskSettings, *, check_store: bool, check_key: bool) -> LocalStore | None:
    """The checks that may refuse this kiosk, before any parent sees a Welcome screen.

    Args:
        settings: The kiosk's settings.
        check_store: Whether the local store will be built from the settings (not given).
        check_key: Whether the registry client will be built from the kiosk's key file.

    Returns:
        The local store, opened here when it could not be checked cheaply (not SQLite); else None.

    Raises:
        FileNotFoundError: The kiosk's key is missing (not enrolled: ``kiosk enroll``).
        ConfigError: The key is there but the config names no kiosk id (not enrolled).
        KeyFileError: ``seal.key`` or the kiosk's key is unsafe, or ``seal.key`` is damaged.
        store.local.integrity.LocalStateError: The local database was lost or is damaged, or
            its key is missing (``kiosk restore``).
    """
    store: LocalStore | None = None
    if check_store:
        database = settings.database_file
        if database is None:
            store = open_store(settings)
        else:
            from store.local.integrity import check_local_state

            settings.data_dir.mkdir(parents=True, exist_ok=True)
            check_local_state(database, settings.seal_key_path, backup_dir=settings.backup_path)
            if settings.seal_key_path.exists():
                _check_seal_key(settings.seal_key_path)
            if not at_head(database):
                # A new kiosk, or new software: migrated now (Alembic), before any parent.
                from store.engine import make_engine
                from store.migrate import upgrade

                engine = make_engine(settings.database_url)
                try:
                    upgrade(engine, "local")
                finally:
                    engine.dispose()
    if check_key:
        read_secret_file(settings.key_path, limit=_KEY_FILE_LIMIT)
        if settings.registry.kiosk_id is None:
            from kiosk.settings import ConfigError

            raise ConfigError(
                "this kiosk has a key but no [registry] kiosk_id: it is not enrolled "
                "(kiosk enroll --config … --token TOKEN writes it)"
            )
    return store


def _check_seal_key(path: Path) -> None:
    if len(read_secret_file(path, limit=SEAL_KEY_BYTES + 1)) != SEAL_KEY_BYTES:
        raise KeyFileError(f"the key file {path} must hold exactly {SEAL_KEY_BYTES} bytes")


def build_services(
    settings: KioskSettings,
    *,
    clock: Clock = utc_now,
    translator: Translator | None = None,
    client: RegistryClient | None = None,
    store: LocalStore | None = None,
    statement: ConsentStatement | None = None,
    demo: DemoOutbox | None = None,
    sync: SyncWorker | None = None,
    background_sync: bool = True,
) -> Services:
    """Everything the wizard needs: what is given, and the rest built from the settings.

    Building the store checks the local state, migrates the local database and opens (or makes)
    the at-rest key; building the client loads the kiosk's key. The arguments are
    :func:`kiosk.app.make_app`'s.

    Raises:
        FileNotFoundError: The kiosk's key is missing (not enrolled: ``kiosk enroll``).
        store.sealing.KeyFileError: The at-rest key file is unsafe or damaged.
        store.local.integrity.LocalStateError: The local database was lost or is damaged, or
            its key is missing (``kiosk restore``).
    """
    from kiosk.demo import DemoOutbox
    from kiosk.domain.consent import load_statement
    from kiosk.services import Services
    from kiosk.sync import SyncWorker
    from kiosk.sync_actions import kiosk_sync_pass

    store = store or open_store(settings)
    client = client or _registry_client(settings)
    if sync is None and background_sync:
        sync = SyncWorker(
            kiosk_sync_pass(store, client, settings=settings.sync, clock=clock),
            interval=settings.sync.interval_seconds,
        )
    if demo is None and settings.demo:
        demo = DemoOutbox(settings.outbox_path)
    return Services(
        settings=settings,
        client=client,
        store=store,
        translator=translator or Translator(settings.language),
        clock=clock,
        statement=statement or load_statement(settings.language),
        demo=demo,
        sync=sync,
    )


def open_store(settings: KioskSettings) -> LocalStore:
    """The kiosk's local store: its state checked, migrated, opened (the at-rest key made when
    there is none yet).

    Raises:
        store.sealing.KeyFileError: The at-rest key file is unsafe or damaged.
        store.local.integrity.LocalStateError: The local state was lost or is damaged.
    """
    from store.engine import make_engine, make_session_factory
    from store.local import LocalStore
    from store.local.faults import FaultWatch
    from store.local.integrity import backup, check_local_state
    from store.sealing import Sealer

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database, backups = settings.database_file, settings.backup_path
    if database is not None:
        # Damaged or missing local state is never replaced silently (LocalStateError says why
        # and what staff do); only then may migrating make a database, or Sealer a key.
        check_local_state(database, settings.seal_key_path, backup_dir=backups)
    engine = make_engine(settings.database_url)
    if database is None or not at_head(database):
        from store.migrate import upgrade  # Alembic: imported only when there is work for it

        upgrade(engine, "local")
    # A full disk or a damaged page is named as the kiosk's fault, never the registry's.
    faults = FaultWatch()
    faults.attach(engine)
    return LocalStore(
        make_session_factory(engine),
        Sealer.from_key_file(settings.seal_key_path),
        kiosk_code=settings.kiosk_code,
        saved=None if database is None else lambda: backup(database, backups),
        faults=faults,
    )


def _registry_client(settings: KioskSettings) -> RegistryClient:
    from kiosk.client import RegistryClient

    registry = settings.registry
    return RegistryClient.from_key_file(
        registry.url,
        kiosk_id=registry.kiosk_id,
        key_file=settings.key_path,
        audience=registry.audience,
        timeout=registry.timeout,
        connect_timeout=registry.connect_timeout,
        deadline=registry.deadline,
        allow_plain_http=registry.allow_plain_http,
    )
