"""Fixtures of the sync tests: the registry's own (``live``, ``database``, ...), re-exported.

``live`` runs the registry in this process (its clock moved by hand); the tests of the kiosk's
sync worker start it as a real process of its own instead (:mod:`tests.sync.harness`).
"""

from __future__ import annotations

from tests.registry.conftest import (
    database,
    limits,
    live,
    pg_copies,
    pg_template,
    sqlite_template,
)

__all__ = ["database", "limits", "live", "pg_copies", "pg_template", "sqlite_template"]
