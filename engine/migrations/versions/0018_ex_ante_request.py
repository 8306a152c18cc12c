"""ex-ante assessment keeps the request it assessed (调整后支持 revises the project's request)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:00:00

Until now a 调整后支持 lowered only the approved amount and the project's request stayed as
filed, so next year's allocation (requested × factor) grew back to the unadjusted request.
The request is now revised to the recommended amount and the assessment keeps the one it
assessed. Assessments already made keep their project's present request as the one assessed;
no project's amounts are changed here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ex_ante_assessment") as batch:
        batch.add_column(sa.Column("requested_amount", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE ex_ante_assessment SET requested_amount = "
        "(SELECT project.requested_amount FROM project "
        "WHERE project.id = ex_ante_assessment.project_id) "
        "WHERE assessed_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("ex_ante_assessment") as batch:
        batch.drop_column("requested_amount")
