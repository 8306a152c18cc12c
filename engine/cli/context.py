"""The composition root of a CLI command: settings, engine and sessions, built on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import schema
from engine.config import Settings, load_settings
from engine.db import check_connection, create_db_engine, session_factory, unit_of_work
from engine.errors import ConfigurationError


class CommandContext:
    """What every command needs, created lazily so `--help` never touches the database."""

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def engine(self) -> Engine:
        engine = create_db_engine(self.settings.database_url)
        check_connection(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def require_schema(self) -> None:
        """Refuse to run against a database whose schema is missing or older than the code."""
        current, head = schema.current_revision(self.engine), schema.head_revision()
        if current != head:
            state = "has no schema yet" if current is None else f"is at revision {current}"
            raise ConfigurationError(
                f"the database {state}, this version needs {head}: run `budgetloop db upgrade`"
            )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One command, one transaction: all of it is committed or none of it."""
        self.require_schema()
        with unit_of_work(self.sessions) as session:
            yield session

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
