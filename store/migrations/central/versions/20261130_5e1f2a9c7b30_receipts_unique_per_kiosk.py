"""receipts unique per kiosk: one application per (kiosk, receipt number)

A kiosk that lost its receipt counter could otherwise have the registry hold several different
applications under one number. Applications already stored twice under one number are kept as
they are, under the number each parent was given (nothing is renumbered: the number is on the
parent's receipt and in their mail): every one after the first of its kiosk and number (by
``created_at``, then id) gets ``receipt_duplicate`` set and an ``application.receipt_duplicate``
audit event naming it, the number and the first one, and the unique index leaves them out.

Revision ID: 5e1f2a9c7b30
Revises: c41d7a0e9f63
Create Date: 2026-11-30 07:15:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "5e1f2a9c7b30"
down_revision: str | Sequence[str] | None = "c41d7a0e9f63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_applications = sa.table(
    "applications",
    sa.column("id", sa.Uuid()),
    sa.column("kiosk_id", sa.String()),
    sa.column("receipt", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("receipt_duplicate", sa.Boolean()),
)
_audit = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("detail", sa.JSON()),
)


def flag_duplicates(connection: sa.Connection) -> int:
    """Flags and audits every application after the first under its kiosk's receipt number.

    Shared with the later revision that brings a database which ran this one before it flagged
    duplicates to the same place. Returns how many were flagged.
    """
    apps = _applications.c
    clashes = connection.execute(
        sa.select(apps.kiosk_id, apps.receipt)
        .group_by(apps.kiosk_id, apps.receipt)
        .having(sa.func.count() > 1)
        .order_by(apps.kiosk_id, apps.receipt)
    ).all()
    now = datetime.now(UTC)
    flagged = 0
    for kiosk_id, receipt in clashes:
        ids = connection.scalars(
            sa.select(apps.id)
            .where(apps.kiosk_id == kiosk_id, apps.receipt == receipt)
            .order_by(apps.created_at, apps.id)
        ).all()
        first, *later = ids
        for application_id in later:
            connection.execute(
                sa.update(_applications)
                .where(apps.id == application_id)
                .values(receipt_duplicate=True)
            )
            connection.execute(
                sa.insert(_audit).values(
                    at=now,
                    actor="system",
                    action="application.receipt_duplicate",
                    subject=f"application:{application_id}",
                    detail={"receipt": receipt, "kiosk": kiosk_id, "first": f"application:{first}"},
                )
            )
            flagged += 1
    return flagged


def create_unique_index() -> None:
    """The unique index over every application not flagged a duplicate."""
    # A unique index, not a table constraint: SQLite adds it without rebuilding the table (whose
    # rows the bindings' triggers and foreign keys refer to).
    op.create_index(
        "uq_applications_kiosk_id_receipt",
        "applications",
        ["kiosk_id", "receipt"],
        unique=True,
        sqlite_where=sa.text("NOT receipt_duplicate"),
        postgresql_where=sa.text("NOT receipt_duplicate"),
    )


def upgrade() -> None:
    """One application per receipt number of a kiosk; earlier duplicates flagged and audited."""
    # Not a batch: on SQLite that rebuilds ``applications``, which the binding triggers name.
    op.add_column(
        "applications",
        sa.Column("receipt_duplicate", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    flag_duplicates(op.get_bind())
    create_unique_index()


def downgrade() -> None:
    """Receipt numbers held without the constraint again (the audit events stay)."""
    op.drop_index("uq_applications_kiosk_id_receipt", table_name="applications")
    op.drop_column("applications", "receipt_duplicate")
