"""Run one user statement on a SQLAlchemy Connection and wrap its result.

PostgreSQL (psycopg) statements go to the driver directly (``pgstream``:
queries stream, the rest is one execute); other databases go through
``exec_driver_sql``.

``exec_driver_sql`` hands the text to the driver as it is: no compilation,
no ``:name`` bind parameters (``no_parameters`` keeps ``%`` literal for
psycopg). SQLAlchemy still does its part: exception wrapping, disconnect
detection (which invalidates the pool), echo logging and events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection, CursorResult

from sqlshell.database import STATUS_KEY, WARNINGS_KEY
from sqlshell.driverconn import dbapi
from sqlshell.errors import UserError
from sqlshell.executors.pgcopy import copy_in, copy_out, is_copy_out
from sqlshell.executors.pgstream import PIPELINED, execute_plain, stream_statement, streams_rows
from sqlshell.output.values import PG_JSON_OIDS, PG_NUMERIC_ARRAY_OIDS, PG_NUMERIC_OIDS
from sqlshell.results import Column, Outcome
from sqlshell.sqltext.tags import derive_tag

BATCH_SIZE = 1000
_RAW = {"no_parameters": True}


def run_statement(
    conn: Connection, sql: str, batch_size: int = BATCH_SIZE, copy_data: str | None = None, data_line: int = 0
) -> Outcome:
    """Execute ``sql``; rows (if any) are fetched lazily in batches by the renderer.
    ``copy_data``: the lines a ``COPY … FROM STDIN`` reads."""
    dialect = conn.dialect
    psycopg = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if copy_data is not None or (psycopg and is_copy_out(sql)):
        if not psycopg:
            raise UserError("COPY … FROM STDIN / TO STDOUT needs PostgreSQL through psycopg", "use INSERT instead")
        return copy_out(conn, sql) if copy_data is None else copy_in(conn, sql, copy_data, data_line)
    if psycopg:
        if PIPELINED:  # it may have run in -1's pipeline already (pgpipeline.batched)
            from sqlshell.executors.pgpipeline import take

            if (ready := take(conn, sql)) is not None:
                return ready
        if streams_rows(sql):
            return stream_statement(conn, sql, batch_size)
        return execute_plain(conn, sql, batch_size)
    if dialect.name == "sqlite":
        from sqlshell.executors import sqlitedirect

        if sqlitedirect.usable(conn):
            return sqlitedirect.execute(conn, sql, batch_size)
    conn.info.pop(STATUS_KEY, None)
    result: CursorResult[Any] = conn.exec_driver_sql(sql, execution_options=_RAW)
    status: str | None = conn.info.get(STATUS_KEY)
    warnings = _show_warnings(conn) if conn.info.get(WARNINGS_KEY) else []
    # Rows or not is the driver's answer (the cursor's description), never the first word.
    if not result.returns_rows:
        return Outcome(tag=status or derive_tag(sql, result.rowcount, None), warnings=warnings)
    columns = _columns(result)
    counter = _Counter()
    batches = counter.count(result.partitions(batch_size))
    if status:
        return Outcome(columns=columns, batches=batches, tag=status, warnings=warnings)
    # SQLite's INSERT … RETURNING: the tag needs the row count, known after rendering.
    tag = lambda: derive_tag(sql, counter.rows, counter.rows)  # noqa: E731
    return Outcome(columns=columns, batches=batches, tag=tag, warnings=warnings)


def _show_warnings(conn: Connection) -> list[str]:
    """MySQL/MariaDB: the statement's warnings, as the mysql client's
    ``--show-warnings`` prints them (asked only when the count is not zero;
    the driver has read the whole result by now, so the query can go)."""
    conn.info[WARNINGS_KEY] = 0
    cursor = dbapi(conn).cursor()
    try:
        cursor.execute("SHOW WARNINGS")
        return [f"{level} (Code {code}): {message}" for level, code, message in cursor.fetchall()]
    finally:
        cursor.close()


class _Counter:
    def __init__(self) -> None:
        self.rows = 0

    def count(self, batches: Iterator[Any]) -> Iterator[list[tuple[Any, ...]]]:
        for batch in batches:
            self.rows += len(batch)
            yield batch


def _columns(result: CursorResult[Any]) -> list[Column]:
    description = result.cursor.description if result.cursor is not None else None
    names = list(result.keys())
    if not description or not isinstance(description[0][1], int) or result.dialect.name != "postgresql":
        return [Column(n) for n in names]
    return [
        Column(
            n, numeric=d[1] in PG_NUMERIC_OIDS, json=d[1] in PG_JSON_OIDS, number_items=d[1] in PG_NUMERIC_ARRAY_OIDS
        )
        for n, d in zip(names, description, strict=True)
    ]
