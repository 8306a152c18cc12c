"""Database engines and the unit of work: one transaction per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from engine.config import DATABASE_URL_VAR
from engine.errors import ConfigurationError, DatabaseUnavailable

SUPPORTED = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB"
BEGIN_OPTION = "budgetloop_sqlite_begin"
# The largest id a row has: id columns are INTEGER, 32 bits on PostgreSQL, whose driver cannot
# even bind a larger one to compare with them. A larger id names nothing.
MAX_ROW_ID = 2**31 - 1


def parse_database_url(raw: str) -> URL:
    """Parse and normalise a database URL, or say in one line what is wrong with it."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            f"{DATABASE_URL_VAR} is not a database URL: {raw!r} (expected {SUPPORTED})"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url
    raise ConfigurationError(
        f"{DATABASE_URL_VAR} names an unsupported database {backend!r} (expected {SUPPORTED})"
    )


def create_db_engine(raw_url: str, **options) -> Engine:
    """Build an engine for a SQLite file or a PostgreSQL server."""
    url = parse_database_url(raw_url)
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url, **options)
        return create_engine(url, pool_pre_ping=True, **options)
    except (ArgumentError, NoSuchModuleError, TypeError) as error:
        raise ConfigurationError(f"{DATABASE_URL_VAR} cannot be used: {error}") from None


def _sqlite_engine(url: URL, **options) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigurationError(
                f"cannot create the folder for the SQLite file {path}: {error.strerror}"
            ) from None
    engine = create_engine(url, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide where transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Lists count and page over indexes of hundreds of thousands of entries: a larger page
        # cache (32 MiB, default 2) and reading the file through mmap save a fifth of that.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA temp.cache_size=-32768")  # the same for temporary tables
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # The driver's implicit transactions start late and let reads escape them; begin
        # explicitly so every command reads and writes one consistent snapshot. Commands that
        # write take the write lock up front (IMMEDIATE) so that two of them queue instead of
        # failing halfway with "database is locked".
        mode = connection.get_execution_options().get(BEGIN_OPTION, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def check_connection(engine: Engine) -> None:
    """Connect once, or raise `DatabaseUnavailable` with the reason in one line."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot reach the database {where}: {reason}") from None


def session_factory(engine: Engine, *, writes: bool = True) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit.

    With `writes`, a SQLite transaction takes the write lock when it begins, so concurrent
    commands serialise; read-only sessions (`writes=False`) never wait for writers.
    """
    if writes and engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll everything back if it raises."""
    with factory() as session, session.begin():
        yield session


def insert_skipping(session: Session, model, values: dict | list[dict], unique: list[str]):
    """INSERT of `values` (a row, or rows) that skips each row whose `unique` key is taken
    (ON CONFLICT DO NOTHING), in the dialect of the session's database."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(values).on_conflict_do_nothing(index_elements=unique)


def insert_once(session: Session, model, values: dict, unique: list[str]) -> bool:
    """Insert a row unless one with the same unique key exists; True if this call inserted it.

    For rows created on first use (a monitoring round, next fiscal year, a year's default rule
    set, the evaluations' close): two workers may reach the first use at once. On PostgreSQL
    the second waits for the first's commit and then inserts nothing instead of failing; on
    SQLite writers take turns anyway. The caller reads the row afterwards.
    """
    statement = insert_skipping(session, model, values, unique)
    # Whether a row came back, not the rowcount: through the ORM an INSERT … RETURNING (which
    # SQLAlchemy adds on PostgreSQL) reports -1 whether or not it inserted.
    key = list(model.__table__.primary_key.columns)
    return session.execute(statement.returning(*key)).first() is not None
