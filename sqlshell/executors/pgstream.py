"""PostgreSQL statements through psycopg, on the connection SQLAlchemy holds.

Row-returning statements stream in bounded memory with ``Cursor.stream``;
every other statement is one ``Cursor.execute`` (``execute_plain``).
SQLAlchemy's ``exec_driver_sql`` would send the same text, but builds an
execution context, result and events around each call: on a 20,000-statement
script that costs a quarter of the run.

psycopg's default cursor buffers the whole result in libpq before the first
row is seen (a million rows: hundreds of MB), and SQLAlchemy's
``stream_results`` uses a named server-side cursor, which needs a transaction
block and works only for plain SELECT/VALUES. ``Cursor.stream(size=N)`` asks
libpq for chunks of N rows instead: one round trip, any row-returning
statement, in AUTOCOMMIT or inside the user's transaction alike.

It runs on the DBAPI connection SQLAlchemy holds, so SQLAlchemy's transaction
bookkeeping is untouched; what SQLAlchemy's own execute would do on failure
is done here with its public pieces: ``DBAPIError.instance`` wraps the driver
error, ``Dialect.is_disconnect`` classifies it, ``Connection.invalidate``
drops a dead connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.cancel import running
from sqlshell.results import Column, Outcome
from sqlshell.tags import leading_words
from sqlshell.values import PG_JSON_OIDS, PG_NUMERIC_OIDS

_ROW_VERBS = frozenset({"select", "values", "table", "show", "explain", "fetch"})
_DML = re.compile(r"\b(insert|update|delete|merge)\b", re.IGNORECASE)


def streams_rows(sql: str) -> bool:
    """Statements that return rows and nothing else: these are streamed.
    (A WITH that changes data goes the ordinary way, its RETURNING rows are few.)"""
    words = leading_words(sql, 1)
    if not words:
        return False
    return words[0] in _ROW_VERBS or (words[0] == "with" and not _DML.search(sql))


def _cursor(conn: Connection, sql: str) -> Any:
    dbapi_conn = conn.connection.dbapi_connection
    if conn.engine.echo:
        conn.engine.logger.info("%s", sql)  # what SQLAlchemy's echo would show for its own execute
    running.started(dbapi_conn)  # what Ctrl-C cancels (SQLAlchemy's execute events don't fire here)
    return dbapi_conn.cursor()


def execute_plain(conn: Connection, sql: str, batch_size: int) -> Outcome:
    """One statement that is not a plain query (DDL, DML, SET, CALL …); the
    few rows of an INSERT … RETURNING come back with it."""
    cursor = _cursor(conn, sql)
    try:
        cursor.execute(sql)
    except Exception as exc:
        cursor.close()
        raise wrap_error(conn, sql, exc, cursor) from exc
    tag, description = cursor.statusmessage, cursor.description
    if description is not None:
        _load_as_text(cursor)  # only a statement with rows pays for it (psycopg applies it to the fetch)
    rows = cursor.fetchall() if description is not None else []
    cursor.close()  # (forgets the description: read above)
    running.connection = None  # all fetched: Ctrl-C while printing interrupts the printing
    if description is None:
        return Outcome(tag=tag)
    batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    return Outcome(columns=_columns(description), batches=batches, tag=tag)


def _columns(description: Any) -> list[Column]:
    return [
        Column(d.name, numeric=d.type_code in PG_NUMERIC_OIDS, json=d.type_code in PG_JSON_OIDS) for d in description
    ]


def stream_statement(conn: Connection, sql: str, batch_size: int) -> Outcome:
    cursor = _cursor(conn, sql)
    _load_as_text(cursor)
    rows = cursor.stream(sql, size=batch_size)
    try:
        first = next(rows, None)  # runs the statement: errors surface here, before any output
    except Exception as exc:
        cursor.close()
        raise wrap_error(conn, sql, exc, cursor) from exc
    counter = [0]
    return Outcome(
        columns=_columns(cursor.description or []),
        batches=_batches(conn, sql, cursor, first, rows, batch_size, counter),
        tag=lambda: f"SELECT {counter[0]}",
    )


# numeric, timestamp, timestamptz, date, time, timetz, interval: shown as the
# server writes them (psql-exact), and not parsed into Python objects only to be
# formatted back: on a big result that is most of the client's work.
_TEXT_OIDS = (1700, 1114, 1184, 1082, 1083, 1266, 1186)


def _load_as_text(cursor: Any) -> None:
    from psycopg.types.string import TextLoader

    for oid in _TEXT_OIDS:
        cursor.adapters.register_loader(oid, TextLoader)


def _batches(
    conn: Connection, sql: str, cursor: Any, first: Any, rows: Iterator[Any], size: int, counter: list[int]
) -> Iterator[list[tuple[Any, ...]]]:
    try:
        if first is None:
            return
        batch = [first]
        append = batch.append
        for row in rows:
            append(row)
            if len(batch) >= size:
                counter[0] += len(batch)
                yield batch
                batch = []
                append = batch.append
        counter[0] += len(batch)
        yield batch
    except Exception as exc:
        raise wrap_error(conn, sql, exc, cursor) from exc
    finally:
        cursor.close()


def wrap_error(conn: Connection, sql: str, exc: Exception, cursor: Any) -> Exception:
    """The driver error as SQLAlchemy would have raised it from its own execute
    (and a dead connection invalidated, as SQLAlchemy would have done)."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return exc
    dbapi_conn = conn.connection.dbapi_connection
    lost = conn.dialect.is_disconnect(exc, dbapi_conn, cursor)
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(sql, None, exc, psycopg.Error, connection_invalidated=lost)
