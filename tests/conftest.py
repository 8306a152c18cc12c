"""Fixtures: every database test runs on SQLite and on a real PostgreSQL 15."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.cli import run
from engine.db import create_db_engine, session_factory
from tests.support.databases import PostgresTemplates, SqliteTemplates
from tests.support.province import DemoProvince
from tests.support.shared import POSTGRES_HANDLE, Shared, shared_root
from tests.support.world import PostgresWorld, SqliteWorld
from web.cli import cli

BACKENDS = os.environ.get("BUDGETLOOP_TEST_BACKENDS", "sqlite,postgresql").split(",")

# One audit key for the whole run and the processes it starts, so that the templates, the
# lived-in year and every command sign and verify alike and no test writes instance/audit_keys
# into the checkout (tests of the key file and of rotation remove the variable).
os.environ.setdefault("BUDGETLOOP_AUDIT_KEY", "tests:budgetloop-tests-audit-key-0123456789")


_RUN_CLUSTER = pytest.StashKey[PostgresTemplates]()


def _controls_workers(config) -> bool:
    """This process hands tests to pytest-xdist workers (`-n 2`; xdist has made `auto` a count
    by now)."""
    if hasattr(config, "workerinput"):
        return False
    return (getattr(config.option, "numprocesses", None) or 0) > 0


def pytest_configure(config) -> None:
    # One PostgreSQL cluster for the whole run, started before the workers are: each worker
    # starting its own would migrate a template and build the lived-in year once more.
    if _controls_workers(config) and "postgresql" in BACKENDS:
        templates = PostgresTemplates()
        config.stash[_RUN_CLUSTER] = templates
        os.environ[POSTGRES_HANDLE] = templates.cluster.handle()  # workers inherit it


def pytest_unconfigure(config) -> None:
    templates = config.stash.get(_RUN_CLUSTER, None)
    if templates is not None:
        os.environ.pop(POSTGRES_HANDLE, None)
        templates.close()


@pytest.fixture(scope="session")
def shared(tmp_path_factory, request) -> Shared:
    """What this run's processes build once and share (tests/support/shared.py)."""
    return Shared(shared_root(tmp_path_factory, hasattr(request.config, "workerinput")))


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates]:
    handle = os.environ.get(POSTGRES_HANDLE)
    templates = PostgresTemplates.attached(handle) if handle else PostgresTemplates()
    yield templates
    templates.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def templates(backend, request):
    return backend_templates(backend, request)


def backend_templates(backend: str, request) -> SqliteTemplates | PostgresTemplates:
    """The session's templates of `backend`; for fixtures of a wider scope than `templates`
    (a module's starting database built once per backend, copied per test with `copy`)."""
    fixture = "sqlite_templates" if backend == "sqlite" else "postgres_templates"
    return request.getfixturevalue(fixture)


@pytest.fixture
def database_url(templates) -> Iterator[str]:
    """A fresh database at the current schema with the shipped reference data."""
    url = templates.fresh()
    yield url
    templates.discard(url)


@pytest.fixture
def empty_database_url(templates) -> Iterator[str]:
    """A fresh database with nothing in it."""
    url = templates.fresh(empty=True)
    yield url
    templates.discard(url)


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def budgetloop(database_url, monkeypatch, tmp_path, capsys):
    """Run `budgetloop ARGS…` in-process against the test database; return (code, out, err)."""
    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", database_url)
    monkeypatch.setenv("BUDGETLOOP_INSTANCE_DIR", str(tmp_path / "instance"))

    def invoke(*args: str):
        capsys.readouterr()
        code = run(cli, list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


# The lived-in year (tests/support/world.py), built once per backend when first asked for.
@pytest.fixture(scope="session")
def sqlite_world(shared, sqlite_templates):
    return SqliteWorld(shared, sqlite_templates)


@pytest.fixture(scope="session")
def postgres_world(shared, postgres_templates):
    return PostgresWorld(shared, postgres_templates)


# The demo province at work (tests/support/province.py), run once per backend when first asked for.
@pytest.fixture(scope="session")
def sqlite_demo_province(shared, sqlite_templates):
    return DemoProvince(shared, "sqlite", sqlite_templates)


@pytest.fixture(scope="session")
def postgres_demo_province(shared, postgres_templates):
    return DemoProvince(shared, "postgres", postgres_templates)


@pytest.fixture
def demo_province(backend, request) -> DemoProvince:
    """The demo province at work for this backend: `.at_work`, and `.fresh()` for a copy."""
    return request.getfixturevalue(
        f"{'sqlite' if backend == 'sqlite' else 'postgres'}_demo_province"
    )
