"""``\\copy`` on the databases without COPY: the shell reads PostgreSQL's text
or CSV format itself (``copyformat``) and inserts the rows with ``executemany``
a batch at a time; ``TO`` runs a query and writes its rows in the same format.

The columns are the table's as the database spells them; a failed batch is
retried row by row, each in a savepoint, so the error names the bad line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import column, insert, table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.commands.describe import parse_name
from sqlshell.copyformat.reader import BadLine, records
from sqlshell.copyformat.writer import Writer
from sqlshell.errors import UserError
from sqlshell.sqltext.copyargs import CopySpec

BATCH = 1000  # rows per executemany


def _columns(conn: Connection, spec: CopySpec) -> tuple[str | None, str, list[str]]:
    """(schema, table, the columns the data has), as the database spells them."""
    assert spec.table is not None
    schema, name = parse_name(spec.table)
    from sqlalchemy import inspect

    insp = inspect(conn)
    if not insp.has_table(name, schema=schema):
        raise UserError(f'relation "{spec.table}" does not exist')
    known = [c["name"] for c in insp.get_columns(name, schema=schema)]
    if spec.columns is None:
        return schema, name, known
    wanted = [parse_name(c)[1] for c in spec.columns.split(",") if c.strip()]
    by_fold = {k.lower(): k for k in known}
    out = []
    for c in wanted:
        real = c if c in known else by_fold.get(c.lower())
        if real is None:
            raise UserError(f'column "{c}" of relation "{spec.table}" does not exist')
        out.append(real)
    return schema, name, out


def rows_in(conn: Connection, spec: CopySpec, lines: Iterable[str], first_line: int, name: str) -> int:
    schema, tname, cols = _columns(conn, spec)
    target = table(tname, *[column(c) for c in cols], schema=schema)
    stmt = insert(target)
    count = 0
    batch: list[tuple[int, dict[str, Any]]] = []
    try:
        for line_no, values in records(lines, spec.options, len(cols), cols):
            batch.append((line_no, dict(zip(cols, values, strict=True))))
            if len(batch) >= BATCH:
                count += _insert(conn, stmt, batch, first_line, name)
                batch = []
        if batch:
            count += _insert(conn, stmt, batch, first_line, name)
    except BadLine as exc:
        raise UserError(f"ERROR: {exc.message} [line {exc.line + first_line - 1} of {name}]") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{name} is not valid {spec.options.encoding or 'utf-8'}: {exc.reason}") from None
    return count


def _insert(conn: Connection, stmt: Any, batch: list[tuple[int, dict[str, Any]]], first_line: int, name: str) -> int:
    """One executemany; when it fails, the rows one by one (in a savepoint) to name the bad line."""
    sp = conn.begin_nested()
    try:
        conn.execute(stmt, [row for _n, row in batch])
    except DBAPIError as exc:
        sp.rollback()
        if exc.connection_invalidated:
            raise
        for line_no, row in batch:
            one = conn.begin_nested()
            try:
                conn.execute(stmt, row)
            except DBAPIError as row_exc:
                one.rollback()
                row_exc.add_note(f"line {line_no + first_line - 1} of {name}")
                raise
            one.commit()
        raise
    sp.commit()
    return len(batch)


def rows_out(conn: Connection, spec: CopySpec, write: Any) -> int:
    if spec.query is not None:
        sql = spec.query
    else:
        schema, tname, cols = _columns(conn, spec)
        quote = conn.dialect.identifier_preparer.quote
        source = ".".join(quote(p) for p in (schema, tname) if p)
        sql = f"SELECT {', '.join(quote(c) for c in cols)} FROM {source}"
    enc = spec.options.encoding or "utf-8"
    writer = Writer(spec.options)
    result = conn.exec_driver_sql(sql, execution_options={"no_parameters": True, "stream_results": True})
    if not result.returns_rows:
        raise UserError("\\copy (query) needs a query that returns rows")
    count = 0
    with result:
        if spec.options.header:
            write(writer.header(result.keys()).encode(enc))
        for part in result.partitions(BATCH):
            write("".join(writer.row(r) for r in part).encode(enc))
            count += len(part)
    return count
