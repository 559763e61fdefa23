"""``\\copy`` on PostgreSQL: psql's own way, ``COPY … FROM STDIN`` / ``TO
STDOUT`` through psycopg's COPY support on the connection SQLAlchemy holds.

The shell only moves bytes, a block at a time (memory stays flat for any
size): the server reads and writes the same bytes psql's would. An error's
line number is the server's, moved to the line of the script or file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.cancel import running
from sqlshell.driverconn import psycopg_of
from sqlshell.executors.pgstream import wrap_error
from sqlshell.sqltext.copyargs import CopySpec


@contextmanager
def _copy_cursor(conn: Connection, sql: str) -> Iterator[Any]:
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


def pg_in(conn: Connection, spec: CopySpec, blocks: Iterable[bytes], first_line: int, name: str) -> int:
    sql = spec.server_sql()
    try:
        with _copy_cursor(conn, sql) as cursor:
            with cursor.copy(sql) as cp:
                for block in blocks:
                    cp.write(block)
            return int(cursor.rowcount)
    except DBAPIError as wrapped:
        context = getattr(getattr(wrapped.orig, "diag", None), "context", None) or ""
        if (line := _copy_line(context)) is not None:
            wrapped.add_note(f"line {line + first_line - 1} of {name}")
        raise


def _copy_line(context: str) -> int | None:
    m = re.search(r"\bline (\d+)\b", context)
    return int(m.group(1)) if m else None


def pg_out(conn: Connection, spec: CopySpec, write: Any) -> int:
    sql = spec.server_sql()
    with _copy_cursor(conn, sql) as cursor:
        with cursor.copy(sql) as cp:
            for block in cp:
                write(bytes(block))
        return int(cursor.rowcount)  # before close() forgets it
