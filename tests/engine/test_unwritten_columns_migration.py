"""Revision 0010 drops the columns nothing wrote, on a database that holds a lived-in year:
every row stays (SQLite rebuilds the four tables in batch mode), and the downgrade puts the
columns back empty (a manual deduction of 0)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from engine import schema
from engine.db import create_db_engine

DROPPED = {
    "rectification_order": "budget_opinion",
    "evaluation_score": "manual_deduction",
    "disclosure": "disclosed_by_id",
    "api_token": "last_used_at",
}
KEPT = {"rectification_order": ("review_comment", "reviewed_by_id", "reviewed_at")}


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.scalar(text(f"SELECT count(*) FROM {table}")) for table in DROPPED
        }


def _columns(engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_the_upgrade_keeps_every_row(backend, request):
    lived = request.getfixturevalue(f"{'sqlite' if backend == 'sqlite' else 'postgres'}_world")
    engine = create_db_engine(lived.fresh())
    before = _counts(engine)
    assert all(before.values()), before  # the year fills all four tables
    schema.downgrade(engine, "0009")
    assert schema.current_revision(engine) == "0009"
    assert all(column in _columns(engine, table) for table, column in DROPPED.items())
    with engine.connect() as connection:
        deductions = connection.scalars(text("SELECT manual_deduction FROM evaluation_score"))
        assert set(deductions) == {0}
    assert _counts(engine) == before

    schema.upgrade(engine, "0010")
    assert schema.current_revision(engine) == "0010"
    for table, column in DROPPED.items():
        assert column not in _columns(engine, table)
    for table, columns in KEPT.items():
        assert set(columns) <= _columns(engine, table)
    assert _counts(engine) == before
    if backend == "sqlite":
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()
