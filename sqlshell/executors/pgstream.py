"""PostgreSQL statements through psycopg, on the connection SQLAlchemy holds.

Statements that look like queries stream in bounded memory with ``Cursor.stream``
(in chunks on libpq 17+, row by row before: ``chunked``);
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

import os
from collections import deque
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection

from sqlshell.cancel import running
from sqlshell.driverconn import as_sqlalchemy_error, psycopg_of
from sqlshell.output import echo
from sqlshell.output.values import PG_JSON_OIDS, PG_NUMERIC_ARRAY_OIDS, PG_NUMERIC_OIDS
from sqlshell.results import Column, Outcome
from sqlshell.sqltext.classify import classified

# Statements that already ran in -1's pipeline, in order: (text, tag). Kept here,
# where run_statement looks on every statement, so pgpipeline loads only for -1.
PIPELINED: deque[tuple[str, str]] = deque()


def streams_rows(sql: str) -> bool:
    """Statements that return rows and nothing else: these are streamed.
    (A WITH that changes data goes the ordinary way, its RETURNING rows are few.)"""
    return classified(sql).streams_rows


def _cursor(conn: Connection, sql: str, factory: Any = None) -> Any:
    dbapi_conn = psycopg_of(conn)
    echo.sent(conn, sql)
    running.started(dbapi_conn)  # what Ctrl-C cancels (SQLAlchemy's execute events don't fire here)
    return dbapi_conn.cursor() if factory is None else factory(dbapi_conn)


def execute_plain(conn: Connection, sql: str, batch_size: int) -> Outcome:
    """One statement that is not a plain query (DDL, DML, SET, CALL …); the
    few rows of an INSERT … RETURNING come back with it. It runs on the
    connection's one reused cursor (``_plain_cursor``): a new psycopg cursor
    per statement was a fifth of a script's client time."""
    dbapi_conn = psycopg_of(conn)
    echo.sent(conn, sql)
    running.connection = dbapi_conn  # what Ctrl-C cancels (SQLAlchemy's execute events don't fire here)
    cursor = _plain_cursor(dbapi_conn)
    try:
        cursor.execute(sql)
    except Exception as exc:
        raise wrap_error(conn, sql, exc, cursor) from exc
    running.connection = None  # all fetched: Ctrl-C while printing interrupts the printing
    description = cursor.description
    if description is None:
        return Outcome(tag=cursor.statusmessage)
    tag, rows = cursor.statusmessage, cursor.fetchall()
    batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    return Outcome(columns=_columns(description), batches=batches, tag=tag)


_PLAIN_CURSOR = "_sqlshell_plain_cursor"  # attribute of the psycopg connection


def _plain_cursor(dbapi_conn: Any) -> Any:
    """The psycopg connection's cursor for statements without a stream: made
    once (with the text loaders), kept on the connection, so it lives and dies
    with it (an invalidated connection takes it along). Its result stays until
    the next statement replaces it: the few rows of a RETURNING at most."""
    cursor = getattr(dbapi_conn, _PLAIN_CURSOR, None)
    if cursor is None or cursor.closed:
        cursor = dbapi_conn.cursor()
        _load_as_text(cursor)
        setattr(dbapi_conn, _PLAIN_CURSOR, cursor)
    return cursor


def _columns(description: Any) -> list[Column]:
    return [
        Column(
            d.name,
            numeric=d.type_code in PG_NUMERIC_OIDS,
            json=d.type_code in PG_JSON_OIDS,
            number_items=d.type_code in PG_NUMERIC_ARRAY_OIDS,
        )
        for d in description
    ]


def chunked() -> bool:
    """Stream in chunks of rows (libpq 17 or newer), else row by row
    (single-row mode, any libpq). ``SQLSHELL_PG_STREAM=single-row`` forces the
    latter, so the fallback is tested where libpq is new."""
    if os.environ.get("SQLSHELL_PG_STREAM") == "single-row":
        return False
    import psycopg

    caps = getattr(psycopg, "capabilities", None)  # psycopg 3.2+
    return caps is not None and caps.has_stream_chunked()


def stream_statement(conn: Connection, sql: str, batch_size: int) -> Outcome:
    """Stream a statement that probably returns rows. Whether it does is the
    server's answer, not the statement's first word: ``SELECT … INTO`` streams
    nothing and gets its tag (``SELECT 5``); an empty result keeps its columns."""
    cursor = _cursor(conn, sql, _stream_cursor())
    _load_as_text(cursor)
    # Without chunks: stream() alone, single-row mode (psycopg 3.1's stream() has no size).
    rows = cursor.stream(sql, size=batch_size) if chunked() else cursor.stream(sql)
    try:
        first = next(rows, None)  # runs the statement: errors surface here, before any output
    except Exception as exc:
        cursor.close()
        raise wrap_error(conn, sql, exc, cursor) from exc
    description = cursor.description
    if first is None and description is None:  # no result set: a command
        tag = _end_status(cursor)
        cursor.close()
        running.connection = None
        return Outcome(tag=tag)
    counter = [0]
    return Outcome(
        columns=_columns(description or []),
        batches=_batches(conn, sql, cursor, first, rows, batch_size, counter),
        tag=lambda: _end_status(cursor) or f"SELECT {counter[0]}",
    )


def _end_status(cursor: Any) -> str | None:
    end = getattr(cursor, "end", None)
    return end.command_status.decode() if end is not None and end.command_status else None


_STREAM_CURSOR: Any = None


def _stream_cursor() -> Any:
    """psycopg's Cursor, keeping the statement's final result. ``Cursor.stream``
    drops it: a statement without rows raises "didn't produce a result" (though
    it ran), and an empty result loses its columns and tag. The one method
    overridden is psycopg's (3.1-3.3) end-of-stream step, with that result kept."""
    global _STREAM_CURSOR
    if _STREAM_CURSOR is not None:
        return _STREAM_CURSOR
    import psycopg
    from psycopg.generators import fetch
    from psycopg.pq import ExecStatus

    rows = {ExecStatus.SINGLE_TUPLE, getattr(ExecStatus, "TUPLES_CHUNK", ExecStatus.SINGLE_TUPLE)}
    ends = {ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK}

    class StreamCursor(psycopg.Cursor[Any]):
        end: Any = None

        def _stream_fetchone_gen(self, first: bool) -> Any:
            res = yield from fetch(self._pgconn)
            if res is None:
                return None
            if res.status in rows:
                self.pgresult = res
                self._tx.set_pgresult(res, set_loaders=first)
                if first:
                    self._make_row = self._make_row_maker()
                return res
            if res.status in ends:
                self.end = res
                if first and res.status == ExecStatus.TUPLES_OK:
                    self.pgresult = res  # no rows: the description is still there
                while res:
                    res = yield from fetch(self._pgconn)
                return None
            return self._raise_for_result(res)

    chosen: type[psycopg.Cursor[Any]] = StreamCursor
    if not hasattr(psycopg.Cursor, "_stream_fetchone_gen"):  # another psycopg: its own stream
        chosen = psycopg.Cursor
    _STREAM_CURSOR = chosen
    return chosen


# numeric, real, double precision, timestamp, timestamptz, date, time, timetz,
# interval: shown as the server writes them (psql-exact: a float8 1e10 is
# "10000000000", a real 1e10 "1e+10", where Python's float would print
# "10000000000.0"), and not parsed into Python objects only to be formatted
# back: on a big result that is most of the client's work.
TEXT_OIDS = (1700, 700, 701, 1114, 1184, 1082, 1083, 1266, 1186)


def _load_as_text(cursor: Any) -> None:
    from psycopg.types.string import TextLoader

    for oid in TEXT_OIDS:
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
    """A psycopg error as SQLAlchemy would have raised it from its own execute."""
    import psycopg

    return as_sqlalchemy_error(conn, sql, exc, cursor, psycopg.Error)
