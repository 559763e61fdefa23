"""The driver's own connection under a SQLAlchemy ``Connection``, typed.

SQLAlchemy types ``PoolProxiedConnection.dbapi_connection`` as optional (it
is None once the pool has detached the record) and as the bare DB-API
protocol, which has no ``info`` (psycopg) or ``isolation_level`` (sqlite3).
Code that talks to the driver directly (COPY, streaming, warnings, BEGIN) asks
here, so the "it is live" assumption is checked in one place and the driver's
real type reaches the caller instead of ``Any``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    import psycopg


def dbapi(conn: Connection) -> DBAPIConnection:
    """The DB-API connection of a Connection in use (one that was invalidated
    or closed has none: reaching here then is a bug, said plainly)."""
    found = conn.connection.dbapi_connection
    if found is None:
        raise RuntimeError("the connection has no DB-API connection (it was invalidated or closed)")
    return found


def psycopg_of(conn: Connection) -> psycopg.Connection[Any]:
    """psycopg's Connection, for PostgreSQL-only paths (COPY, streaming, ``info``)."""
    import psycopg  # already imported by the dialect on this path; lazy for startup time

    found = dbapi(conn)
    if not isinstance(found, psycopg.Connection):
        raise TypeError(f"not a psycopg connection: {type(found).__name__}")
    return found


def sqlite_of(conn: Connection) -> sqlite3.Connection:
    """sqlite3's Connection, for the SQLite-only BEGIN handling."""
    found = dbapi(conn)
    if not isinstance(found, sqlite3.Connection):
        raise TypeError(f"not a sqlite3 connection: {type(found).__name__}")
    return found


def as_sqlalchemy_error(
    conn: Connection, sql: str, exc: Exception, cursor: Any, driver_error: type[Exception]
) -> Exception:
    """A driver error raised on a path that talks to the driver directly (COPY,
    streaming, SQLite's direct execute), as SQLAlchemy's own execute would have
    raised it: wrapped in ``DBAPIError``, and a dead connection invalidated, so
    the error handling above sees one kind of error whichever path ran."""
    if not isinstance(exc, driver_error):
        return exc
    # SQLAlchemy 2.1 types the error as its own DB-API protocol class, which the
    # drivers' classes do not name (2.0 typed it as Exception); it is one at runtime.
    dbapi_conn = conn.connection.dbapi_connection  # (None if something invalidated it already)
    lost = conn.dialect.is_disconnect(exc, dbapi_conn, cursor)  # type: ignore[arg-type, unused-ignore]
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(sql, None, exc, driver_error, connection_invalidated=lost)
