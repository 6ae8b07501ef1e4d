"""queued actions: a parent's cancel and purge, kept until the registry takes them

Revision ID: a280f654dab2
Revises: a570eb4fddd0
Create Date: 2026-11-30 09:08:48.695078
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a280f654dab2"
down_revision: str | Sequence[str] | None = "a570eb4fddd0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "queued_actions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("contact_fingerprint", sa.LargeBinary(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_actions")),
    )
    with op.batch_alter_table("queued_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queued_actions_contact_fingerprint"),
            ["contact_fingerprint"],
            unique=False,
        )
        batch_op.create_index("ix_queued_actions_due", ["sent_at", "next_attempt_at"], unique=False)


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("queued_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_queued_actions_due")
        batch_op.drop_index(batch_op.f("ix_queued_actions_contact_fingerprint"))

    op.drop_table("queued_actions")
