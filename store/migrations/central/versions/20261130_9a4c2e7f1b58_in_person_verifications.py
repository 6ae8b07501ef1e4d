"""in-person verifications and late staff events

In-person verification (臨櫃核對身分): a table of the verifications (who, on which kiosk, which
document, when: the per-day limit counts them) and the mark on the application made under such a
session. Late staff events: the ids of staff actions kiosks kept while offline and uploaded
later, so that each is audited once.

Revision ID: 9a4c2e7f1b58
Revises: b8d4f6a2e1c3
Create Date: 2026-11-30 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.base

revision: str = "9a4c2e7f1b58"
down_revision: str | Sequence[str] | None = "b8d4f6a2e1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The verifications' table and the applications' mark."""
    op.create_table(
        "in_person_verifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("challenge_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("document", sa.String(length=24), nullable=False),
        sa.Column("at", store.base.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_in_person_verifications_kiosk_id_kiosks")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_in_person_verifications_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_in_person_verifications")),
        sa.UniqueConstraint("challenge_id", name=op.f("uq_in_person_verifications_challenge_id")),
    )
    op.create_index(
        "ix_in_person_verifications_staff_at", "in_person_verifications", ["staff_id", "at"]
    )
    op.create_table(
        "late_staff_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("received_at", store.base.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_late_staff_events_kiosk_id_kiosks")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_late_staff_events")),
    )
    # A plain column with a default: SQLite adds it without rebuilding the table.
    op.add_column(
        "applications",
        sa.Column("verified_in_person", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Without in-person verification and late staff events again (their records are lost)."""
    # As it was added: no rebuild of a table the bindings point at.
    op.drop_column("applications", "verified_in_person")
    op.drop_table("late_staff_events")
    op.drop_index("ix_in_person_verifications_staff_at", table_name="in_person_verifications")
    op.drop_table("in_person_verifications")
