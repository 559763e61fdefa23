"""``\\copy`` on PostgreSQL: psql's own way, ``COPY … FROM STDIN`` / ``TO
STDOUT`` through psycopg's COPY support on the connection SQLAlchemy holds.

The shell only moves bytes, a block at a time (memory stays flat for any
size): the server reads and writes the same bytes psql's would. An error's
line number is the server's, moved to the line of the script or file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.executors.pgcopy import copy_cursor, copy_line
from sqlshell.sqltext.copyargs import CopySpec


def pg_in(conn: Connection, spec: CopySpec, blocks: Iterable[bytes], first_line: int, name: str) -> int:
    sql = spec.server_sql()
    try:
        with copy_cursor(conn, sql) as cursor:
            with cursor.copy(sql) as cp:
                for block in blocks:
                    cp.write(block)
            return int(cursor.rowcount)
    except DBAPIError as wrapped:
        if (line := copy_line(wrapped)) is not None:
            wrapped.add_note(f"line {line + first_line - 1} of {name}")
        raise


def pg_out(conn: Connection, spec: CopySpec, write: Any) -> int:
    sql = spec.server_sql()
    with copy_cursor(conn, sql) as cursor:
        with cursor.copy(sql) as cp:
            for block in cp:
                write(bytes(block))
        return int(cursor.rowcount)  # before close() forgets it
