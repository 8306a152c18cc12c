"""Fresh, migrated databases for each test: a template per backend, copied per test."""

from __future__ import annotations

import itertools
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from engine import reference, schema
from engine.db import create_db_engine, session_factory, unit_of_work
from tests.support.postgres import ThrowawayPostgres

_counter = itertools.count()


def migrate(url: str) -> None:
    """Upgrade a database to head and install the reference data, as `db upgrade` does."""
    engine = create_db_engine(url)
    try:
        schema.upgrade(engine)
        with unit_of_work(session_factory(engine)) as session:
            reference.install(session)
    finally:
        engine.dispose()


class SqliteTemplates:
    """Migrated SQLite files copied per test (a copy costs a millisecond, a migration 300)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.sqlite3"
        migrate(f"sqlite:///{self.template}")

    def fresh(self, empty: bool = False) -> str:
        path = self.root / f"db{next(_counter)}.sqlite3"
        if not empty:
            shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def copy(self, url: str) -> str:
        """A new database with the content of the one at `url` (closed: no engine open on it)."""
        path = self.root / f"db{next(_counter)}.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), path)
        return f"sqlite:///{path}"

    def discard(self, url: str) -> None:
        """A test is done with the database at `url` (the files stay with pytest's tmp_path)."""


class PostgresTemplates:
    """A throwaway cluster with a migrated template database cloned per test.

    `PostgresTemplates()` starts the cluster and migrates the template; `attached(handle)` uses
    the ones another process of the run made (tests/support/shared.py), and leaves stopping
    the cluster to it.
    """

    def __init__(self, cluster: ThrowawayPostgres | None = None) -> None:
        self.owner = cluster is None
        self.cluster = cluster or ThrowawayPostgres(in_memory=True).start()
        self.admin = create_engine(self.cluster.url(), isolation_level="AUTOCOMMIT")
        if self.owner:
            self._create("template_migrated")
            migrate(self.cluster.url("template_migrated"))

    @classmethod
    def attached(cls, handle: str) -> PostgresTemplates:
        return cls(ThrowawayPostgres.attach(handle))

    def _create(self, name: str, template: str | None = None) -> None:
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))

    def fresh(self, empty: bool = False) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._create(name, None if empty else "template_migrated")
        return self.cluster.url(name)

    def copy(self, url: str) -> str:
        """A new database cloned from the one at `url` (closed: no connection open to it)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._create(name, f'"{url.rsplit("/", 1)[1]}"')
        return self.cluster.url(name)

    def discard(self, url: str) -> None:
        """A test is done with the database at `url`: drop it, when the cluster is in memory.

        Each test's database would otherwise stay to the end (about 15 GB after the whole
        suite). In memory a drop costs a few milliseconds; on disk, dropping as the tests go
        slowed the next CREATE DATABASE tenfold, so there they are left for `close`.
        """
        if not self.cluster.in_memory:
            return
        name = url.rsplit("/", 1)[1]
        try:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except SQLAlchemyError:
            pass  # removed with the cluster's files at the end

    def close(self) -> None:
        self.admin.dispose()
        if self.owner:
            self.cluster.stop()
