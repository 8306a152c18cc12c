"""session epoch: a user's sessions end together (logout, password change, deactivation)

Every login session carries the user's `session_epoch`; raising it ends all of them at once.
API tokens issued before this revision had no expiry: they expire 90 days (the default
BUDGETLOOP_TOKEN_DAYS) after the upgrade, so that no token lives for ever and none stops at once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:30:00
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TOKEN_DAYS = 90


def upgrade() -> None:
    # A plain ADD COLUMN, also on SQLite: a batch copy of app_user would drop a table that
    # api_token and others point at, which SQLite's foreign keys refuse once there are rows.
    op.add_column(
        "app_user",
        sa.Column("session_epoch", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    token = sa.table(
        "api_token",
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        token.update()
        .where(token.c.expires_at.is_(None), token.c.revoked_at.is_(None))
        .values(expires_at=datetime.now(UTC) + timedelta(days=TOKEN_DAYS))
    )


def downgrade() -> None:
    # Plain SQL on both databases (SQLite 3.35+), for the same reason as the upgrade.
    op.execute("ALTER TABLE app_user DROP COLUMN session_epoch")
