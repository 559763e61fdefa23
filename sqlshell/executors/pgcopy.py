"""COPY on PostgreSQL through psycopg's copy support: ``COPY … FROM STDIN``
sends the data lines that followed the command in the script; ``COPY … TO
STDOUT`` writes what the server sends to the output, block by block.

Like ``pgstream``, it runs on the DBAPI connection SQLAlchemy holds (in the
current transaction, if one is open) and reports errors the way SQLAlchemy's
own execute would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection

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


def copy_in(conn: Connection, sql: str, data: str, data_line: int) -> Outcome:
    """Stream ``data`` into ``COPY … FROM STDIN``; a bad data line is named by
    its line number in the input."""
    dbapi_conn = psycopg_of(conn)
    cursor = dbapi_conn.cursor()
    echo.sent(conn, sql)
    running.started(dbapi_conn)
    try:
        with cursor.copy(sql) as copy:
            copy.write(data)
        tag = cursor.statusmessage  # before close() forgets it
    except Exception as exc:
        wrapped = wrap_error(conn, sql, exc, cursor)
        context = getattr(getattr(exc, "diag", None), "context", None) or ""
        m = _COPY_LINE.search(context)
        if m and data_line:
            wrapped.add_note(
                f"data line {int(m.group(1))} of the COPY, line {data_line + int(m.group(1)) - 1} of the input"
            )
        raise wrapped from exc
    finally:
        cursor.close()
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
