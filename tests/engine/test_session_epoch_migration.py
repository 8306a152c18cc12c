"""Revision 0008 gives every existing user a session epoch of 0 (their sessions stay valid)."""

from __future__ import annotations

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
    schema.upgrade(engine, "0008")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT session_epoch FROM app_user WHERE id = 1")) == 0
    engine.dispose()
