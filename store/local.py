"""The kiosk's own database: applications, their students, the outbox, receipts and audit."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from store.base import make_metadata


class LocalBase(DeclarativeBase):
    """Declarative base of the kiosk's local schema (its own metadata and naming convention)."""

    metadata = make_metadata()
