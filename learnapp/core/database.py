"""Database URL and connection settings: SQLite (default) or PostgreSQL."""

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import Select, Table, TextClause, bindparam, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

# How the next SQLite transaction begins, when code says so (see ``reading``).
_begin_mode: ContextVar[str | None] = ContextVar("sqlite_begin_mode", default=None)
# Writers of one process queue here, in order, rather than polling SQLite's lock.
_write_lock = threading.Lock()
_WRITE_LOCK_TIMEOUT = 10.0


# Reads of the current request may go to the read replica (``from_replica``).
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
REPLICA = "replica"


@contextmanager
def from_replica() -> Iterator[None]:
    """SELECTs inside this block go to the read replica when ``DATABASE_REPLICA_URL`` is
    set (else to the database as usual); writes, and reads during a flush, go to the
    primary. For pages that show figures and may lag the primary by a few seconds."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """A view whose SELECTs go to the read replica, if one is set (``from_replica``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with from_replica():
            return view(*args, **kwargs)

    return wrapper


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending ``from_replica`` reads to the replica."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):  # type: ignore[override]
        if (
            bind is None
            and _replica_reads.get()
            and not self._flushing
            and isinstance(clause, Select)
            and REPLICA in self._db.engines
        ):
            return self._db.engines[REPLICA]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def end_read() -> None:
    """End the current (read) transaction without expiring what it loaded, so that the
    next statement begins a fresh transaction (a write one, in a request that writes).

    On SQLite only: that is where a transaction that will write holds the one write lock
    from its start. On PostgreSQL readers never block writers and rows are locked only
    when written, so the transaction goes on, saving a COMMIT, a BEGIN and a pool
    check-out with its ping (round trips that were a fifth of a check-in's time there).
    """
    from learnapp.extensions import db

    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at once (outside a
    request, e.g. in a command or a worker thread that reads and then writes)."""
    token = _begin_mode.set("IMMEDIATE")
    try:
        yield
    finally:
        _begin_mode.reset(token)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside this block are read-only ones (deferred), even in a
    request that writes: use it to look things up before a short write transaction."""
    token = _begin_mode.set("DEFERRED")
    try:
        yield
    finally:
        _begin_mode.reset(token)


def insert_on_conflict(
    table: Table,
    columns: tuple[str, ...],
    *,
    keys: tuple[str, ...] = (),
    update: dict[str, str] | None = None,
    returning: tuple[str, ...] = (),
) -> TextClause:
    """``INSERT … ON CONFLICT [(keys)] DO NOTHING | DO UPDATE SET … [RETURNING …]``.

    Text with typed parameters, the same SQL on SQLite (3.35 and later) and PostgreSQL.
    SQLAlchemy 2.0's own ON CONFLICT constructs have no cache key: they are compiled anew
    on every execution, which cost a third of a check-in's time (docs/architecture.md,
    defects). Build the statement once (``functools.cache``) and execute it with rows.
    ``update`` maps a column to its new value in SQL (``{table}`` is the table's name).
    """
    # Names from the models' tables, never from input; values are bound parameters.
    names, values = ", ".join(columns), ", ".join(":" + c for c in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({values}) ON CONFLICT"  # noqa: S608  # nosec B608
    if keys:
        sql += f" ({', '.join(keys)})"
    if update:
        sets = ", ".join(f"{c} = {value.format(table=table.name)}" for c, value in update.items())
        sql += f" DO UPDATE SET {sets}"  # nosec B608 (names and SQL from our own code)
    else:
        sql += " DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    statement = text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    if returning:
        return statement.columns(*(table.c[c] for c in returning))
    return statement


def normalise_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "learnapp.db")
    url = normalise_url(url)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    replica = app.config.get("DATABASE_REPLICA_URL")
    if replica:
        binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
        binds[REPLICA] = normalise_url(replica)
        app.config["SQLALCHEMY_BINDS"] = binds
    if url.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {})
        options["connect_args"].setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    """WAL and enforced foreign keys on every SQLite connection.

    The driver's own transaction handling is switched off (``isolation_level = None``)
    so that ``_sqlite_begin`` decides how each transaction starts.
    """
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Requests that may write take SQLite's write lock up front; readers don't.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer committed in between, without waiting for the busy
    timeout. Requests that may write (anything but GET/HEAD/OPTIONS) therefore begin
    IMMEDIATE and queue on the busy timeout instead; page views stay deferred so that
    readers never wait for writers (WAL). Outside requests (CLI commands, scripts)
    transactions are deferred, so that a script reading the database never holds the
    write lock.
    """
    if conn.dialect.name != "sqlite":
        return
    mode = _begin_mode.get()
    if mode is None:
        writing = has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}
        mode = "IMMEDIATE" if writing else "DEFERRED"
    if mode == "IMMEDIATE":
        # Threads of this process take turns in order; SQLite's busy handler (which sleeps
        # up to 100 ms between tries) is left to arbitrate between processes only.
        if _write_lock.acquire(timeout=_WRITE_LOCK_TIMEOUT):
            conn.info["hvs_write_lock"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _release(conn.info)
            raise
    else:
        conn.exec_driver_sql("BEGIN")


def _release(info: dict) -> None:
    if info.pop("hvs_write_lock", False):
        _write_lock.release()


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn) -> None:
    _release(conn.info)


@event.listens_for(Pool, "checkin")
def _sqlite_returned(dbapi_connection, connection_record) -> None:
    """A connection back in the pool never keeps this process's writers waiting."""
    _release(connection_record.info)
