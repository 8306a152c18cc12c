"""audit tip trigger: the database moves the chain's tip as each event is inserted

Sealing a commit's events read the tip, inserted the events and updated the tip: three
statements per command. The tip now follows the events by a trigger (`engine.models.audit`),
one statement fewer for every command that appends.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:30:00
"""

from alembic import op

from engine.models.audit import DROP_TIP_TRIGGER, TIP_TRIGGER

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in TIP_TRIGGER[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TIP_TRIGGER[op.get_bind().dialect.name]:
        op.execute(statement)
