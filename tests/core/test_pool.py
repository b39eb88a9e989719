"""Pooled PostgreSQL connections: checked before use only after sitting idle, and a dead one never reaches a request."""
import pytest
from sqlalchemy import text

from kcc.core import db as core_db

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_url(pg_server):
    name = "kcc_pool_test"
    pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_server.admin(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_connection_used_a_moment_ago_is_not_pinged(pg_url):
    engine = core_db.make_engine(pg_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    calls: list[object] = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: calls.append(conn) or original(conn)  # type: ignore[method-assign]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 2")).scalar() == 2
    assert calls == []
    engine.dispose()


def test_a_connection_killed_while_idle_is_replaced_before_use(pg_url, pg_server, monkeypatch):
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_S", 0.0)
    engine = core_db.make_engine(pg_url, pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    pg_server.admin(f"SELECT pg_terminate_backend({backend})")
    with engine.connect() as conn:  # the pool notices the dead connection and opens a new one
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != backend
    engine.dispose()
