"""audit key id: the audit chain is keyed (HMAC-SHA256) with a secret kept outside the database

Every audit event records the id of the key that signed it. The events written before this
revision are signed here, with the current key (BUDGETLOOP_AUDIT_KEY or instance/audit_keys),
once their plain SHA-256 chain has been checked: afterwards an unsigned event can only be a
forgery. A chain already broken is left unsigned, and `budgetloop audit verify` reports it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:45:00
"""

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=40), nullable=True))
    # The chain's own code signs: the signature's formula must be the one verify checks.
    from engine import audit

    session = Session(bind=op.get_bind())
    problem = audit.sign_unkeyed(session)
    session.flush()
    if problem:
        log.warning(
            "the audit chain was already broken (%s): its events are left unsigned, and "
            "`budgetloop audit verify` reports them",
            problem,
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("key_id")
