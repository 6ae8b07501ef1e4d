"""Serialising work on one key (an address, a parent, an email) across registry processes."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A signed 64-bit number for ``name`` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock(session: Session, *names: str) -> None:
    """Holds a lock on each name until the session's transaction ends. Does not commit.

    On PostgreSQL: ``pg_advisory_xact_lock``, taken in sorted order so that two transactions
    locking overlapping sets cannot deadlock. On SQLite nothing is needed: our engine begins
    every transaction with ``BEGIN IMMEDIATE``, which already admits one writer at a time.

    Args:
        session: The session whose transaction holds the locks.
        names: What to lock (``"sms:+886912345678"``, ``"parent:A123456789"``).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({lock_key(name) for name in names})
    if not keys:
        return
    # One statement (one round trip); its select list is evaluated left to right, in order.
    calls = ", ".join(f"pg_advisory_xact_lock(:k{index})" for index in range(len(keys)))
    session.execute(text(f"SELECT {calls}"), {f"k{index}": key for index, key in enumerate(keys)})
