"""COPY on PostgreSQL through psycopg's copy support: ``COPY … FROM STDIN``
sends the data lines that followed the command in the script; ``COPY … TO
STDOUT`` writes what the server sends to the output, block by block.

Like ``pgstream``, it runs on the DBAPI connection SQLAlchemy holds (in the
current transaction, if one is open) and reports errors the way SQLAlchemy's
own execute would. ``\\copy`` (``commands/copypg``) runs through the same
cursor and reads a failed line's number the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.cancel import running
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError
from sqlshell.executors.pgstream import wrap_error
from sqlshell.output import echo
from sqlshell.results import Outcome
from sqlshell.sqltext.classify import classified

_COPY_LINE = re.compile(r"\bline (\d+)\b")


def is_copy_out(sql: str) -> bool:
    return classified(sql).copy_to_stdout


@contextmanager
def copy_cursor(conn: Connection, sql: str) -> Iterator[Any]:
    """A psycopg cursor on the connection SQLAlchemy holds, marked as running (so
    Ctrl-C cancels it); a driver error comes out as SQLAlchemy's own execute would
    raise it (a dead connection invalidated)."""
    dbapi = psycopg_of(conn)
    cursor = dbapi.cursor()
    running.started(dbapi)
    try:
        yield cursor
    except Exception as exc:
        raise wrap_error(conn, sql, exc, cursor) from exc
    finally:
        cursor.close()


def copy_line(error: Exception) -> int | None:
    """The data line (1 = the first) the server names in a failed COPY's context, else None."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    context = getattr(getattr(orig, "diag", None), "context", None) or ""
    m = _COPY_LINE.search(context)
    return int(m.group(1)) if m else None


def copy_in(conn: Connection, sql: str, data: str, data_line: int) -> Outcome:
    """Stream ``data`` into ``COPY … FROM STDIN``; a bad data line is named by
    its line number in the input."""
    echo.sent(conn, sql)
    try:
        with copy_cursor(conn, sql) as cursor:
            with cursor.copy(sql) as copy:
                copy.write(data)
            tag = cursor.statusmessage  # before close() forgets it
    except Exception as wrapped:
        line = copy_line(wrapped)
        if line is not None and data_line:
            wrapped.add_note(f"data line {line} of the COPY, line {data_line + line - 1} of the input")
        raise
    return Outcome(tag=tag)


def copy_out(conn: Connection, sql: str) -> Outcome:
    """``COPY … TO STDOUT``: the server's bytes, passed on as they arrive, and
    nothing after them (psql prints no ``COPY n`` there: the data is the output)."""
    dbapi_conn = psycopg_of(conn)
    cursor = dbapi_conn.cursor()
    echo.sent(conn, sql)
    running.started(dbapi_conn)
    return Outcome(raw=_blocks(conn, sql, cursor))


def _blocks(conn: Connection, sql: str, cursor: Any) -> Iterator[str]:
    binary = False
    try:
        encoding = psycopg_of(conn).info.encoding  # the session's client_encoding
        with cursor.copy(sql) as copy:
            binary = bool(cursor.pgresult is not None and cursor.pgresult.binary_tuples)
            for block in copy:
                if not binary:
                    yield bytes(block).decode(encoding, errors="replace")
    except Exception as exc:
        raise wrap_error(conn, sql, exc, cursor) from exc
    finally:
        cursor.close()
    if binary:  # read to its end (an open transaction goes on), but never shown as mangled text
        raise UserError(
            "binary COPY data is not written to the results as text",
            "use \\copy … TO STDOUT WITH (FORMAT binary), or TO 'FILE'",
        )
