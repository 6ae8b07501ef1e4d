"""students: one foreign key, (school_code, class_id) to the class at that school, in place of a
key each for the school and the class (school_classes gets the unique (school_code, id) it names)

A pupil's school must now be their class's; the roster never wrote otherwise, and the upgrade
stops, changing nothing, where a row breaks it. A roster import checks one key a pupil, not two.

Revision ID: e5b3f1a7c942
Revises: d2a7c91f4e60
Create Date: 2026-11-30 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

revision: str = "e5b3f1a7c942"
down_revision: str | Sequence[str] | None = "d2a7c91f4e60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: Pupils whose school is not their class's (the new key refuses them), a few named.
_ASTRAY: Final = sa.text(
    "SELECT s.id FROM students s JOIN school_classes c ON c.id = s.class_id"
    " WHERE c.school_code <> s.school_code ORDER BY s.id LIMIT 6"
)


def upgrade() -> None:
    # (Writing the SQL instead of running it, there are no rows to look at.)
    astray = (
        [] if context.is_offline_mode() else [str(r.id) for r in op.get_bind().execute(_ASTRAY)]
    )
    if astray:
        shown = ", ".join(astray[:5]) + (", …" if len(astray) > 5 else "")
        raise CommandError(
            f"pupils whose school is not their class's school (students.id {shown}):"
            " correct their school or class, then migrate again"
        )
    with op.batch_alter_table("school_classes", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_school_classes_school_code_id"), ["school_code", "id"]
        )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_students_class_id_school_classes"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_students_school_code_schools"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_students_school_code_school_classes"),
            "school_classes",
            ["school_code", "class_id"],
            ["school_code", "id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_students_school_code_school_classes"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_students_school_code_schools"), "schools", ["school_code"], ["code"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_students_class_id_school_classes"),
            "school_classes",
            ["class_id"],
            ["id"],
        )
    with op.batch_alter_table("school_classes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_school_classes_school_code_id"), type_="unique")
