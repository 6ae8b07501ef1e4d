"""What the wizard works with: the settings, the registry, the kiosk's store, the words, the
clock, the statement, the demo's feed and the sync worker (built once by
:func:`kiosk.app.build_services`; :mod:`kiosk.flow` re-exports it)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.client import RegistryClient
from kiosk.demo import DemoOutbox
from kiosk.domain.clock import Clock
from kiosk.domain.consent import ConsentStatement
from kiosk.domain.i18n import Translator
from kiosk.settings import KioskSettings
from kiosk.sync import SyncWorker
from store.local import LocalStore


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the wizard works with, built once by :func:`kiosk.app.build_services`.

    Attributes:
        settings: The kiosk's settings.
        client: The registry.
        store: The kiosk's own database (its applications and its outbox).
        translator: The words on screen.
        clock: Gives "now".
        statement: The personal-data statement, with its version.
        demo: The demo's code feed (the registry's file outbox); None outside demo mode.
        sync: The sync worker, woken after each submission; None where none runs (tests).
    """

    settings: KioskSettings
    client: RegistryClient
    store: LocalStore
    translator: Translator
    clock: Clock
    statement: ConsentStatement
    demo: DemoOutbox | None = None
    sync: SyncWorker | None = None
