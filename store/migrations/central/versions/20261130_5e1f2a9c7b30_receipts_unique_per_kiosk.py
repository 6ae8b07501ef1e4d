"""receipts unique per kiosk: one application per (kiosk, receipt number)

A kiosk that lost its receipt counter could otherwise have the registry hold several different
applications under one number. Applications already stored twice under one number make this
migration fail: the duplicates are for staff to look at before upgrading, not to be renumbered
here (each number was given to a parent).

Revision ID: 5e1f2a9c7b30
Revises: c41d7a0e9f63
Create Date: 2026-11-30 07:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "5e1f2a9c7b30"
down_revision: str | Sequence[str] | None = "c41d7a0e9f63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One application per receipt number of a kiosk."""
    # A unique index, not a table constraint: SQLite adds it without rebuilding the table (whose
    # rows the bindings' triggers and foreign keys refer to).
    op.create_index(
        "uq_applications_kiosk_id_receipt", "applications", ["kiosk_id", "receipt"], unique=True
    )


def downgrade() -> None:
    """Receipt numbers held without the constraint again."""
    op.drop_index("uq_applications_kiosk_id_receipt", table_name="applications")
