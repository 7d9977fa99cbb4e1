"""Database URL and connection settings: SQLite (default) or PostgreSQL."""

import os

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


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
    if has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")
