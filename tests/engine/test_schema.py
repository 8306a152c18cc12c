"""The models, the migration and `create_all` describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from engine import schema
from engine.db import create_db_engine
from engine.models import Base


def _shape(engine):
    inspector = inspect(engine)
    shape = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        columns = {
            column["name"]: (type(column["type"]).__name__, column["nullable"])
            for column in inspector.get_columns(table)
        }
        indexes = {
            (tuple(index["column_names"]), bool(index["unique"]))
            for index in inspector.get_indexes(table)
        }
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        foreign = {
            (tuple(fk["constrained_columns"]), fk["referred_table"])
            for fk in inspector.get_foreign_keys(table)
        }
        shape[table] = (columns, indexes, uniques, foreign)
    return shape


def test_migration_matches_models(empty_database_url):
    engine = create_db_engine(empty_database_url)
    schema.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_migration_and_create_all_build_the_same_tables(templates):
    migrated = create_db_engine(templates.fresh(empty=True))
    created = create_db_engine(templates.fresh(empty=True))
    schema.upgrade(migrated)
    Base.metadata.create_all(created)
    assert _shape(migrated) == _shape(created)
    assert set(inspect(created).get_table_names()) == set(Base.metadata.tables)
    migrated.dispose()
    created.dispose()


def test_upgrade_twice_is_harmless(empty_database_url):
    engine = create_db_engine(empty_database_url)
    schema.upgrade(engine)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()
