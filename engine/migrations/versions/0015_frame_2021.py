"""the 2021 indicator frame: a level-1 item a table may leave empty, level-2 counterparts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:30:00

The frame itself is reference data: `budgetloop db upgrade` installs it after the schema.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("frame_node", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folds_into", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("counterpart", sa.String(length=81), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("frame_node", schema=None) as batch_op:
        batch_op.drop_column("counterpart")
        batch_op.drop_column("folds_into")
