"""audit key id: the audit chain is keyed (HMAC-SHA256) with a secret kept outside the database

Every new audit event records the id of the key that signed it. Existing events keep no key id:
they are legacy events, still checked with the plain SHA-256 they were written with, and pinned
by the first signed event after them (its HMAC covers the last legacy hash).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("key_id")
