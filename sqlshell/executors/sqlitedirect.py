"""SQLite statements through sqlite3 directly, on the connection SQLAlchemy holds.

``exec_driver_sql`` sends the text unchanged but builds an execution context,
a result and its events around each call: on a 20,000-statement script that
was most of the client's work. Here the statement runs on one reused sqlite3
cursor of the connection, and what SQLAlchemy's execute would add is done with
its public pieces: ``DBAPIError.instance`` wraps the driver error,
``Dialect.is_disconnect`` classifies it, ``Connection.invalidate`` drops a
closed connection.

Only where SQLAlchemy's execute would add nothing more: the connection is in
AUTOCOMMIT (sqlite3's ``isolation_level`` None) or its transaction has begun
already. A connection that would autobegin (its ``begin`` event sends BEGIN)
goes SQLAlchemy's way (``usable``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection

from sqlshell.cancel import running
from sqlshell.driverconn import as_sqlalchemy_error, sqlite_of
from sqlshell.output import echo
from sqlshell.results import Column, Outcome
from sqlshell.sqltext.tags import derive_tag


def usable(conn: Connection) -> bool:
    """Would SQLAlchemy's execute do nothing here but run the statement?"""
    return conn.dialect.driver == "pysqlite" and (conn.in_transaction() or sqlite_of(conn).isolation_level is None)


def execute(conn: Connection, sql: str, batch_size: int) -> Outcome:
    """One statement; rows, when it returns any, are read in batches by the renderer."""
    dbapi_conn = sqlite_of(conn)
    echo.sent(conn, sql)
    running.connection = dbapi_conn  # what Ctrl-C interrupts
    cursor = _cursor(dbapi_conn)
    try:
        cursor.execute(sql)
    except Exception as exc:
        raise as_sqlalchemy_error(conn, sql, exc, cursor, sqlite3.Error) from exc
    description = cursor.description
    if description is None:
        running.connection = None
        return Outcome(tag=derive_tag(sql, cursor.rowcount, None))
    counter = [0]
    return Outcome(
        columns=[Column(d[0]) for d in description],
        batches=_batches(conn, sql, cursor, batch_size, counter),
        tag=lambda: derive_tag(sql, counter[0], counter[0]),
    )


_last: list[Any] = [None, None]  # the last connection used here, and its cursor


def _cursor(dbapi_conn: sqlite3.Connection) -> sqlite3.Cursor:
    """The connection's reused cursor. sqlite3 connections take no attributes,
    so the last connection's cursor is kept (a script runs on one connection;
    another connection gets a new cursor, and the old one is let go)."""
    if _last[0] is dbapi_conn:
        cursor: sqlite3.Cursor = _last[1]
        return cursor
    cursor = dbapi_conn.cursor()
    _last[:] = [dbapi_conn, cursor]
    return cursor


def _batches(
    conn: Connection, sql: str, cursor: sqlite3.Cursor, size: int, counter: list[int]
) -> Iterator[list[tuple[Any, ...]]]:
    try:
        while batch := cursor.fetchmany(size):
            counter[0] += len(batch)
            yield batch
    except Exception as exc:
        raise as_sqlalchemy_error(conn, sql, exc, cursor, sqlite3.Error) from exc
    finally:
        running.connection = None
