"""The kiosk's own database: applications, their students, the outbox, receipts and audit.

Personal data (contact address, the parent's ID, name, email and phone, the signature, each
student's ID, name and class) never reaches a column in the clear: it is sealed with
:class:`store.sealing.Sealer`, bound to the row's id (:mod:`store.local.codec`).

One module per job:

- :mod:`store.local.tables`: the eight tables and :class:`~store.local.tables.LocalBase`, whose
  metadata the local Alembic tree migrates to;
- :mod:`store.local.records`: what the repositories give back (frozen records, no session);
- :mod:`store.local.codec`: the sealed-JSON codec;
- :mod:`store.local.applications`: the wizard's application store (「送出資料」, 查詢申請進度);
- :mod:`store.local.outbox`: the sync worker's outbox and state store;
- :mod:`store.local.actions`: the queue of actions the registry must be told (a parent's
  取消 and 註銷全部紀錄, kept until it has them).

:class:`LocalStore` opens both repositories on one database, as the kiosk's app factory and the
tests build it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from store.local.actions import ActionQueue
    from store.local.applications import ApplicationStore, VersionChangedError
    from store.local.faults import FaultWatch
    from store.local.outbox import OutboxStore
    from store.sealing import Sealer

__all__ = ["ActionQueue", "ApplicationStore", "LocalStore", "OutboxStore", "VersionChangedError"]

# Imported at first use, so that store.local.integrity (the kiosk's check before its Welcome
# screen) imports no SQLAlchemy.
_LAZY: Final = {
    "ActionQueue": "store.local.actions",
    "ApplicationStore": "store.local.applications",
    "VersionChangedError": "store.local.applications",
    "OutboxStore": "store.local.outbox",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class LocalStore:
    """The kiosk's database: the wizard's applications, the sync worker's outbox, the audit log.

    Args:
        session_factory: Sessions on the kiosk's database (migrated to head).
        sealer: Seals and opens the personal data.
        kiosk_code: This kiosk's short code in receipt numbers (1–8 of A–Z, 0–9).
        tz: The time zone whose date the receipt numbers carry (Taipei).
        saved: Called after each saved submission (the rolling backup); its failure is logged,
            never the parent's.
        faults: Watches the database's faults (attached to its engine), for kiosk health.

    Attributes:
        applications: Saves submitted applications and reads them back (the wizard's).
        outbox: What waits to be pushed and what the registry said (the sync worker's).
        actions: The actions that wait to be uploaded (a parent's cancel and purge).
        staff_events: Staff actions taken while the registry was out of reach, to upload.

    Raises:
        ValueError: For a kiosk code that cannot go into a receipt number.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        sealer: Sealer,
        *,
        kiosk_code: str,
        tz: tzinfo | None = None,
        saved: Callable[[], object] | None = None,
        faults: FaultWatch | None = None,
    ) -> None:
        from store.local.actions import ActionQueue
        from store.local.applications import TAIPEI, ApplicationStore
        from store.local.codec import SealedCodec
        from store.local.outbox import OutboxStore
        from store.local.staff_events import StaffEventStore

        tz = TAIPEI if tz is None else tz
        codec = SealedCodec(sealer)
        self._sessions = session_factory
        self.applications = ApplicationStore(
            session_factory, codec, kiosk_code=kiosk_code, tz=tz, saved=saved
        )
        self.outbox = OutboxStore(session_factory, codec, faults)
        self.actions = ActionQueue(session_factory, codec)
        self.staff_events = StaffEventStore(session_factory, sealer)

    def close(self) -> None:
        """Closes the database's connections (the kiosk stops; a restore may follow)."""
        bind = self._sessions.kw.get("bind")
        from sqlalchemy import Engine

        if isinstance(bind, Engine):
            bind.dispose()

    def audit(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Appends an event to the audit log (never personal data in ``detail``).

        Args:
            at: When it happened.
            actor: ``kiosk``, ``parent`` or ``staff:<username>``.
            action: What happened (``form.reprinted``, ``kiosk_mode.left``, ...).
            subject_id: What it happened to (an application or binding id).
            detail: Further facts, JSON-serialisable.
        """
        from store.local.tables import AuditEvent

        with self._sessions.begin() as session:
            session.add(
                AuditEvent(
                    at=at, actor=actor, action=action, subject_id=subject_id, detail=detail or {}
                )
            )
