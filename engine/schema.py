"""Create and upgrade the database schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from engine.errors import Corrupted

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction for a migration; on SQLite, with foreign keys checked once at its end.

    SQLite alters a table by copying it into a new one and dropping the old (batch mode); the
    drop of a table that others refer to would fail its foreign keys. As SQLite's own
    procedure for altering a table says: keys off for the copy, and `foreign_key_check` before
    the commit (the pragma cannot change inside a transaction, so it is set around it).
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # On the driver's connection: through SQLAlchemy the pragma would begin a transaction.
        driver = connection.connection.driver_connection
        if sqlite:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise Corrupted(f"the migration breaks foreign keys: {broken[:10]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (all migrations by default), in one transaction."""
    with _migrating(engine) as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision`, in one transaction (tests of a migration)."""
    with _migrating(engine) as connection:
        command.downgrade(_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this code ships."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def revise(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
