"""staff events: staff actions taken while the registry was out of reach, kept to upload

Revision ID: 3c7e5b1d9a24
Revises: a280f654dab2
Create Date: 2026-11-30 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7e5b1d9a24"
down_revision: str | Sequence[str] | None = "a280f654dab2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The staff events' table."""
    op.create_table(
        "staff_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_token", sa.LargeBinary(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("refused", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_events")),
    )


def downgrade() -> None:
    """Without kept staff events (those not uploaded yet are lost)."""
    op.drop_table("staff_events")
