"""Revision 0008: every existing user gets session epoch 0; a token without an expiry gets one
90 days after the upgrade (a revoked one keeps none)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from engine import schema
from engine.db import create_db_engine


def test_existing_users_get_epoch_zero(empty_database_url):
    engine = create_db_engine(empty_database_url)
    schema.upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO region (code, name) VALUES ('R1', 'Region')"))
        connection.execute(
            text(
                "INSERT INTO organisation (id, code, name, kind, region_code, created_at) "
                "VALUES (1, 'U1', 'Unit', 'unit', 'R1', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO app_user (id, login, display_name, role, organisation_id, active,"
                " created_at) VALUES (1, 'li', 'Li', 'unit', 1, true, CURRENT_TIMESTAMP)"
            )
        )
        for token_id, revoked in ((1, "NULL"), (2, "CURRENT_TIMESTAMP")):
            connection.execute(
                text(
                    "INSERT INTO api_token (id, user_id, token_sha256, prefix, created_at,"
                    f" revoked_at) VALUES ({token_id}, 1, 'h{token_id}', 'bl_{token_id}',"
                    f" CURRENT_TIMESTAMP, {revoked})"
                )
            )
    schema.upgrade(engine, "0008")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT session_epoch FROM app_user WHERE id = 1")) == 0
        expires = connection.scalar(text("SELECT expires_at FROM api_token WHERE id = 1"))
        unexpiring = connection.scalar(text("SELECT expires_at FROM api_token WHERE id = 2"))
    if isinstance(expires, str):  # SQLite through a plain text query
        expires = datetime.fromisoformat(expires)
    expires = expires.replace(tzinfo=UTC) if expires.tzinfo is None else expires
    left = expires - datetime.now(UTC)
    assert timedelta(days=89) < left <= timedelta(days=90)
    assert unexpiring is None
    engine.dispose()
