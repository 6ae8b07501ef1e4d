"""staff sessions ended: tokens issued before a password change or a revocation are refused

Revision ID: c41d7a0e9f63
Revises: 7b3f9e21c5a8
Create Date: 2026-11-30 07:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41d7a0e9f63"
down_revision: str | Sequence[str] | None = "7b3f9e21c5a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "staff_accounts", sa.Column("sessions_ended_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("sessions_ended_at")
