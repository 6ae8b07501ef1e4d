"""login failures and parent look-ups: per-client login throttling, a bound on parent look-ups

``login_failures`` holds one row per wrong password or unknown login, by the login tried and the
client that tried it (the registry locks a login for that client only, and throttles a client
across logins). ``parent_sessions.parent_lookups`` counts a session's parent-ID look-ups.

Revision ID: 7b3f9e21c5a8
Revises: 5e1c0a7d2b94
Create Date: 2026-11-30 07:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3f9e21c5a8"
down_revision: str | Sequence[str] | None = "5e1c0a7d2b94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("login", sa.String(length=330), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_client_at", "login_failures", ["client", "at"])
    op.create_index(
        "ix_login_failures_login_client_at", "login_failures", ["login", "client", "at"]
    )
    op.add_column(
        "parent_sessions",
        sa.Column("parent_lookups", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("parent_sessions", "parent_lookups")
    op.drop_index("ix_login_failures_login_client_at", table_name="login_failures")
    op.drop_index("ix_login_failures_client_at", table_name="login_failures")
    op.drop_table("login_failures")
