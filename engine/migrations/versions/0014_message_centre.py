"""message centre: messages to users, muted kinds, e-mail deliveries; users' e-mail addresses

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_message_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("user_id", "dedup_key", name=op.f("uq_message_user_id_dedup_key")),
    )
    op.create_index("ix_message_user_unread", "message", ["user_id", "read_at", "id"])
    op.create_index("ix_message_dedup_key", "message", ["dedup_key"])
    op.create_table(
        "message_mute",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_message_mute_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_message_mute")),
    )
    op.create_table(
        "message_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_message_delivery_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_delivery")),
        sa.UniqueConstraint(
            "message_id", "channel", name=op.f("uq_message_delivery_message_id_channel")
        ),
    )
    op.create_index("ix_message_delivery_pending", "message_delivery", ["status", "id"])
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_index("ix_funding_decision_decided", "funding_decision", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_funding_decision_decided", table_name="funding_decision")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("email")
    op.drop_index("ix_message_delivery_pending", table_name="message_delivery")
    op.drop_table("message_delivery")
    op.drop_table("message_mute")
    op.drop_index("ix_message_dedup_key", table_name="message")
    op.drop_index("ix_message_user_unread", table_name="message")
    op.drop_table("message")
