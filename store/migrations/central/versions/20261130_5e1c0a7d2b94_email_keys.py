"""email keys: case-folded emails for the one-email-one-parent rule and logins

``parent_accounts.email_key`` (unique) and ``applications.parent_email_key`` (indexed) hold the
address as compared; the address as typed stays in ``email`` / ``parent_email``. Rows that exist
get ``lower()`` of their address (the application fills new rows with Python's ``casefold()``,
which agrees with it for every ASCII address).

Revision ID: 5e1c0a7d2b94
Revises: af01e25b4462
Create Date: 2026-11-30 07:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1c0a7d2b94"
down_revision: str | Sequence[str] | None = "af01e25b4462"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parent_accounts") as batch:
        batch.add_column(sa.Column("email_key", sa.String(length=320), nullable=True))
    op.execute("UPDATE parent_accounts SET email_key = lower(email)")
    with op.batch_alter_table("parent_accounts") as batch:
        batch.alter_column("email_key", existing_type=sa.String(length=320), nullable=False)
        batch.create_unique_constraint("uq_parent_accounts_email_key", ["email_key"])

    # Not a batch: on SQLite that rebuilds ``applications``, which the binding triggers name.
    op.add_column(
        "applications",
        sa.Column(
            "parent_email_key", sa.String(length=320), nullable=False, server_default=sa.text("''")
        ),
    )
    op.execute("UPDATE applications SET parent_email_key = lower(parent_email)")
    op.create_index("ix_applications_parent_email_key", "applications", ["parent_email_key"])


def downgrade() -> None:
    op.drop_index("ix_applications_parent_email_key", table_name="applications")
    op.drop_column("applications", "parent_email_key")
    with op.batch_alter_table("parent_accounts") as batch:
        batch.drop_constraint("uq_parent_accounts_email_key", type_="unique")
        batch.drop_column("email_key")
