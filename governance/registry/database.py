"""Open the registry's database (SQLite by default, PostgreSQL by URL) and bring its schema to head.

Every write transaction (`write_transaction`) is serialized: on SQLite it starts with BEGIN
IMMEDIATE (the write lock is taken before anything is read), while reads use a plain BEGIN and so
never wait for a writer (WAL); on PostgreSQL `lock_for_write` takes a transaction-level advisory
lock. So a role check, the entity change and the event append all see
the same chain head, and concurrent writers queue instead of forking the chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from fairsynth.foundation.faults import pause
from fairsynth.foundation.paths import data_dir, resource
from fairsynth.governance.registry.errors import RegistryOutageError, RegistryUnavailableError

REGISTRY_URL_ENV = "FAIRSYNTH_REGISTRY_URL"
SQLITE_FILE = "registry.db"
# Any fixed 64-bit number: the key of the advisory lock every PostgreSQL writer takes.
POSTGRES_WRITE_LOCK = 0x_FA12_5E7D
# How long a SQLite writer waits for another's transaction before giving up.
SQLITE_BUSY_SECONDS = 60
# The execution option that marks a connection's transaction as a write (BEGIN IMMEDIATE on SQLite).
WRITE_OPTION = "fairsynth_registry_write"


def registry_url() -> str:
    """$FAIRSYNTH_REGISTRY_URL, else a SQLite file in the data folder."""
    url = os.environ.get(REGISTRY_URL_ENV)
    if url:
        return url
    return f"sqlite:///{(data_dir() / SQLITE_FILE).resolve()}"


def shown_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def make_engine(url: str | None = None) -> Engine:
    """An engine for the registry at `url` (default: registry_url()), with the write-lock set-up."""
    url = url or registry_url()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise RegistryUnavailableError(f"{REGISTRY_URL_ENV} is not a database URL: {url!r}.") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        # pre-ping: a connection the server dropped (a restart) is replaced at checkout, so the
        # first action after an outage succeeds without restarting the app.
        engine = create_engine(parsed, pool_pre_ping=True)
        event.listen(engine, "handle_error", _outage_as_one_sentence)
        return engine
    raise RegistryUnavailableError(
        f"The registry runs on SQLite or PostgreSQL, not {parsed.get_backend_name()} ({shown_url(url)}).")


def _outage_as_one_sentence(context) -> RegistryOutageError | None:
    """A lost or refused connection becomes RegistryOutageError with one sentence (the pages
    and the CLI show it as such); a failed pre-ping is left to the pool, which reconnects."""
    if context.is_pre_ping or not (context.is_disconnect or context.connection is None):
        return None
    url = shown_url(str(context.engine.url)) if context.engine is not None else "its database"
    return RegistryOutageError(
        f"The registry's database at {url} does not answer right now "
        f"({_first_line(context.original_exception)}); try again in a moment.")


def _sqlite_engine(parsed) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # The driver's own implicit BEGIN is switched off so that ours (IMMEDIATE) is the one used.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # A commit is on disk before it is acknowledged (a power cut keeps it, not only a kill).
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@dataclass
class _OpenWrite:
    engine: Engine
    connection: Connection
    # What to do once the outermost transaction has committed (erasing a retired file), in order.
    after_commit: list[Callable[[], object]] = field(default_factory=list)


# The write transaction this thread (or task) has open, which nested writes join.
_OPEN_WRITE: ContextVar[_OpenWrite | None] = ContextVar("fairsynth_registry_write", default=None)


@contextmanager
def write_transaction(engine: Engine, *, fault_point: str | None = None) -> Iterator[Connection]:
    """One write transaction, committed at the end, holding the registry's write lock throughout.

    A write opened inside another on the same engine joins it, so several writes (both sides of a
    pair, its audit, its notes) commit or vanish together; only the outermost commits, pauses at
    `fault_point` first (foundation/faults.py) and then runs the after-commit actions.
    """
    joined = _OPEN_WRITE.get()
    if joined is not None and joined.engine is engine:
        yield joined.connection
        return
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        opened = _OpenWrite(engine, connection)
        token = _OPEN_WRITE.set(opened)
        try:
            with connection.begin():
                lock_for_write(connection)
                yield connection
                if fault_point:
                    pause(fault_point)
        finally:
            _OPEN_WRITE.reset(token)
    for deferred in opened.after_commit:
        deferred()


def after_commit_actions(connection: Connection) -> list[Callable[[], object]]:
    """The list of actions to run once `connection`'s open write transaction has committed."""
    opened = _OPEN_WRITE.get()
    if opened is None or opened.connection is not connection:
        raise RuntimeError("after_commit_actions is called inside write_transaction only")
    return opened.after_commit


def lock_for_write(connection: Connection) -> None:
    """Serialize this transaction with every other registry writer (until it ends)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_WRITE_LOCK})
    # SQLite: BEGIN IMMEDIATE already holds the database's write lock.


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    location = str(resource("governance", "registry", "migrations"))
    # Config values are %-interpolated; a folder name with % must survive that.
    config.set_main_option("script_location", location.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the registry's schema to `revision` (idempotent; concurrent callers queue)."""
    try:
        with write_transaction(engine) as connection:
            command.upgrade(_alembic_config(connection), revision)
    except OperationalError as exc:
        raise RegistryUnavailableError(
            f"Cannot open the registry at {shown_url(str(engine.url))}: {_first_line(exc)}.") from exc


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0].rstrip(".")
