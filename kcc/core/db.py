"""Engine and session set-up shared by the web app, the CLI and the tests (no Flask here)."""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, DateTime, Engine, Float, MetaData, create_engine, event, exc, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Store UTC always; SQLite forgets the offset, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use kcc.core.timeutil.utcnow() or an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Named constraints, so Alembic can alter them the same way on SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def _create_private(url: str) -> None:
    """A new SQLite database file is readable by its owner only (0600): it holds citizens' data. SQLite gives
    its -wal and -shm files the same permissions."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass  # another process made it just now, the same way


Steps = Callable[[], AbstractContextManager[Session]]  # a transaction per step: the CLI's session_scope


def as_steps(db: Session | Steps) -> Steps:
    """Work done in steps that each commit (a worker killed halfway keeps what it finished): given steps, those;
    given one Session, that session for every step, for its caller to commit (tests, a one-off)."""
    if isinstance(db, Session):
        session = db
        return lambda: nullcontext(session)
    return db


def make_engine(url: str, **kwargs) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout so concurrent writers wait, not fail.

    On SQLite a writing session (see make_sessionmaker) starts with BEGIN IMMEDIATE: it takes the write
    lock up front, so two claimers are serialised before either reads the queue (no contact handed out
    twice), and a transaction never fails halfway when it turns from reading to writing. PostgreSQL
    uses row locks (SELECT … FOR UPDATE SKIP LOCKED) instead; see kcc.queues.operations.
    """
    if url.startswith("sqlite"):
        _create_private(url)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            driver = conn.connection.driver_connection
            if conn.get_execution_options().get("kcc_writer"):
                driver.isolation_level = None  # the driver's own BEGIN off: we take the write lock now
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                driver.isolation_level = ""  # the driver's default: reads see the latest commit, BEGIN before writes

        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it sat idle for a while (a database restart or a firewall
    may have closed it), not on every checkout: a screen's poll would pay a round trip for nothing. A dead
    connection is replaced before the request sees it; one used within the last seconds that died since
    makes SQLAlchemy invalidate the whole pool at its first error."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["kcc_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        since = record.info.get("kcc_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:  # whatever the driver raises for a dead connection
            raise exc.DisconnectionError("the pooled connection was closed") from error  # the pool takes a new one


def row_locks(db: Session | Connection) -> bool:
    """PostgreSQL locks rows (FOR UPDATE); SQLite writers already hold the whole database (BEGIN IMMEDIATE)."""
    dialect = db.dialect if isinstance(db, Connection) else db.get_bind().dialect
    return dialect.name == "postgresql"


class seconds_between(FunctionElement):
    """Seconds from one timestamp column to another, in SQL, on both databases."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400.0)"


def expire_loaded(session, model, ident, attributes: list[str] | None = None) -> None:
    """After a Core UPDATE: an object of this row already in the session reloads these attributes (all,
    when none are named) on its next use."""
    obj = session.identity_map.get(session.identity_key(model, ident))
    if obj is not None:
        session.expire(obj, attributes)


def make_sessionmaker(engine: Engine, writer: bool = True) -> sessionmaker:
    """Sessions for the app, the CLI and the worker write, so on SQLite they lock first (BEGIN IMMEDIATE).

    A reader (writer=False) never blocks anyone; the tests use one to look at what the app did.
    """
    return sessionmaker(bind=engine.execution_options(kcc_writer=True) if writer else engine,
                        expire_on_commit=False)


@contextmanager
def transaction(maker: sessionmaker) -> Iterator[Session]:
    """The commit point for work outside a web request (CLI, worker, mail import, the refusal audit entry):
    everything in the block is committed together when it ends, or rolled back when it raises."""
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
