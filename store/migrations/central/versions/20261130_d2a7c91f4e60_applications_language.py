"""applications.language: the language the parent chose at the kiosk (the registry's messages
about the application are written in it); existing rows are Traditional Chinese

Revision ID: d2a7c91f4e60
Revises: 9a4c2e7f1b58
Create Date: 2026-11-30 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2a7c91f4e60"
down_revision: str | Sequence[str] | None = "9a4c2e7f1b58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "applications",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="zh_TW"),
    )


def downgrade() -> None:
    # Not a batch: SQLite drops the column in place (a table copy would break its triggers).
    op.drop_column("applications", "language")
