"""binding changes feed: every change of a binding numbered per kiosk, by triggers

Triggers on ``bindings`` (an insert, or an update of status, reason or removed_at that changes
them) bump the kiosk's row in ``change_counters`` and append the binding's new state to
``binding_changes`` with that number. On PostgreSQL the counter row stays locked until the
transaction ends, so one kiosk's changes commit in number order and the feed's cursor never
skips a change committed late. Bindings that exist already get one change each, in the order
they were last updated.

Revision ID: af01e25b4462
Revises: 041be651bc34
Create Date: 2026-11-29 05:37:05.915390
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The binding's state as of the change; NEW is the row the trigger fires for.
_COLUMNS = "kiosk_id, seq, binding_id, application_id, status, reason, removed, changed_at"
_NEW_STATE = (
    "NEW.id, NEW.application_id, NEW.status, NEW.reason, NEW.removed_at IS NOT NULL, NEW.updated_at"
)
_KIOSK_OF_NEW = "(SELECT kiosk_id FROM applications WHERE id = NEW.application_id)"

_POSTGRESQL = [
    f"""
CREATE FUNCTION record_binding_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kiosk varchar(40);
    number bigint;
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.status IS NOT DISTINCT FROM OLD.status
        AND NEW.reason IS NOT DISTINCT FROM OLD.reason
        AND NEW.removed_at IS NOT DISTINCT FROM OLD.removed_at THEN
        RETURN NULL;
    END IF;
    kiosk := {_KIOSK_OF_NEW};
    -- The upsert locks the kiosk's counter row until this transaction ends.
    INSERT INTO change_counters (kiosk_id, last_seq) VALUES (kiosk, 1)
        ON CONFLICT (kiosk_id) DO UPDATE SET last_seq = change_counters.last_seq + 1
        RETURNING last_seq INTO number;
    INSERT INTO binding_changes ({_COLUMNS}) VALUES (kiosk, number, {_NEW_STATE});
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER trg_bindings_changes AFTER INSERT OR UPDATE OF status, reason, removed_at
    ON bindings FOR EACH ROW EXECUTE FUNCTION record_binding_change()
""",
]
_POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS trg_bindings_changes ON bindings",
    "DROP FUNCTION IF EXISTS record_binding_change()",
]

# SQLite admits one writer at a time (BEGIN IMMEDIATE): counting needs no lock of its own.
_SQLITE_BODY = f"""
BEGIN
    INSERT OR IGNORE INTO change_counters (kiosk_id, last_seq)
        SELECT kiosk_id, 0 FROM applications WHERE id = NEW.application_id;
    UPDATE change_counters SET last_seq = last_seq + 1 WHERE kiosk_id = {_KIOSK_OF_NEW};
    INSERT INTO binding_changes ({_COLUMNS})
        SELECT kiosk_id, last_seq, {_NEW_STATE} FROM change_counters
        WHERE kiosk_id = {_KIOSK_OF_NEW};
END
"""
_SQLITE = [
    f"CREATE TRIGGER trg_bindings_changes_insert AFTER INSERT ON bindings {_SQLITE_BODY}",
    f"""
CREATE TRIGGER trg_bindings_changes_update AFTER UPDATE OF status, reason, removed_at ON bindings
    WHEN NEW.status IS NOT OLD.status OR NEW.reason IS NOT OLD.reason
        OR NEW.removed_at IS NOT OLD.removed_at
{_SQLITE_BODY}""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS trg_bindings_changes_insert",
    "DROP TRIGGER IF EXISTS trg_bindings_changes_update",
]

# Bindings made before this revision: one change each, numbered per kiosk.
_BACKFILL = [
    f"""
INSERT INTO binding_changes ({_COLUMNS})
SELECT a.kiosk_id,
       ROW_NUMBER() OVER (PARTITION BY a.kiosk_id ORDER BY b.updated_at, b.id),
       b.id, b.application_id, b.status, b.reason, b.removed_at IS NOT NULL, b.updated_at
FROM bindings b JOIN applications a ON a.id = b.application_id
""",
    """
INSERT INTO change_counters (kiosk_id, last_seq)
SELECT kiosk_id, MAX(seq) FROM binding_changes GROUP BY kiosk_id
""",
]


def _dialect() -> str:
    # From the context, not a connection: `--sql` (offline) runs have none.
    return op.get_context().dialect.name


revision: str = "af01e25b4462"
down_revision: str | Sequence[str] | None = "041be651bc34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "binding_changes",
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("binding_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="bindingstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_binding_changes_kiosk_id_kiosks")
        ),
        sa.PrimaryKeyConstraint("kiosk_id", "seq", name=op.f("pk_binding_changes")),
    )
    op.create_table(
        "change_counters",
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_change_counters_kiosk_id_kiosks")
        ),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_change_counters")),
    )
    for statement in _BACKFILL:
        op.execute(statement)
    for statement in _POSTGRESQL if _dialect() == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    """Reverts this revision."""
    for statement in _POSTGRESQL_DROP if _dialect() == "postgresql" else _SQLITE_DROP:
        op.execute(statement)
    op.drop_table("change_counters")
    op.drop_table("binding_changes")
