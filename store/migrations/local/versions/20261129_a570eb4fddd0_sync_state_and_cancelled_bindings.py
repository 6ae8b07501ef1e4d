"""sync state and cancelled bindings: the changes feed's cursor and the registry's last word,
and when a binding was cancelled at the registry

Revision ID: a570eb4fddd0
Revises: 6d9fcd4e4611
Create Date: 2026-11-29 05:40:25.873008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a570eb4fddd0"
down_revision: str | Sequence[str] | None = "6d9fcd4e4611"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes_cursor", sa.BigInteger(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    with op.batch_alter_table("application_students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("application_students", schema=None) as batch_op:
        batch_op.drop_column("removed_at")

    op.drop_table("sync_state")
