"""notification outbox, login clients, contact keys

- ``notifications`` becomes the durable outbox too: a message about a decision is queued there
  (``status`` ``waiting``, with its subject, body and meta) in the transaction that makes the
  decision, and retried with backoff until it is sent or given up on (``failed``).
- ``login_clients``: the clients that signed in to a login with its right password; while a
  login is under attack from many clients, only these may still try it.
- ``code_challenges.address_key`` and ``applications.contact_key``: the verified address as
  compared (case-folded email; a phone as it is), filled for existing rows with ``lower()``
  (the application's ``casefold()`` agrees with it for every ASCII address).
- A database that ran revision 5e1f2a9c7b30 before it kept duplicate receipts gets what that
  revision does now (``applications.receipt_duplicate`` and the partial unique index).

Revision ID: b8d4f6a2e1c3
Revises: 5e1f2a9c7b30
Create Date: 2026-11-30 09:40:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "b8d4f6a2e1c3"
down_revision: str | Sequence[str] | None = "5e1f2a9c7b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY_OF = "CASE WHEN channel = 'email' THEN lower({column}) ELSE {column} END"


def _receipts_revision() -> ModuleType:
    """Revision 5e1f2a9c7b30's module (the versions folder is no package: loaded by path)."""
    path = Path(__file__).with_name("20261130_5e1f2a9c7b30_receipts_unique_per_kiosk.py")
    spec = importlib.util.spec_from_file_location("central_5e1f2a9c7b30", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    """The outbox's columns, login clients, contact keys; receipt duplicates flagged."""
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("subject", sa.Text(), nullable=True))
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("meta", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_notifications_status_next", ["status", "next_attempt_at"])
    op.execute("UPDATE notifications SET attempts = 1")
    op.execute("UPDATE notifications SET sent_at = created_at WHERE status = 'sent'")

    op.create_table(
        "login_clients",
        sa.Column("login", sa.String(length=330), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login", "client", name=op.f("pk_login_clients")),
    )
    op.create_index(op.f("ix_login_clients_at"), "login_clients", ["at"])

    # Not batches: on SQLite those rebuild the tables, which the binding triggers and foreign
    # keys name.
    op.add_column(
        "code_challenges",
        sa.Column(
            "address_key", sa.String(length=320), server_default=sa.text("''"), nullable=False
        ),
    )
    op.execute(f"UPDATE code_challenges SET address_key = {_KEY_OF.format(column='address')}")
    op.create_index("ix_code_challenges_address_key", "code_challenges", ["channel", "address_key"])
    op.add_column(
        "applications",
        sa.Column(
            "contact_key", sa.String(length=320), server_default=sa.text("''"), nullable=False
        ),
    )
    op.execute(f"UPDATE applications SET contact_key = {_KEY_OF.format(column='contact_address')}")
    op.create_index("ix_applications_contact_key", "applications", ["channel", "contact_key"])

    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("applications")}
    if "receipt_duplicate" not in columns:
        receipts = _receipts_revision()
        op.drop_index("uq_applications_kiosk_id_receipt", table_name="applications")
        op.add_column(
            "applications",
            sa.Column("receipt_duplicate", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
        receipts.flag_duplicates(op.get_bind())
        receipts.create_unique_index()


def downgrade() -> None:
    """Back to revision 5e1f2a9c7b30 (queued messages' text and the login clients go)."""
    op.drop_index("ix_applications_contact_key", table_name="applications")
    op.drop_column("applications", "contact_key")
    op.drop_index("ix_code_challenges_address_key", table_name="code_challenges")
    op.drop_column("code_challenges", "address_key")
    op.drop_index(op.f("ix_login_clients_at"), table_name="login_clients")
    op.drop_table("login_clients")
    op.execute("UPDATE notifications SET status = 'failed' WHERE status = 'waiting'")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_status_next")
        batch.drop_column("sent_at")
        batch.drop_column("claimed_until")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.drop_column("meta")
        batch.drop_column("body")
        batch.drop_column("subject")
