"""Reading the catalog for ``\\d`` and its family: an Inspector on the
connection whose view of the schema the user has, catalog queries through it,
and a listing rendered as the text the pipeline writes (commands return what
to show; they never write it).

Inside an open transaction (connection or session mode) the Inspector reads
through the transaction's own connection, which sees its uncommitted DDL;
another pooled connection would not.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Inspector

from sqlshell.errors import UserError
from sqlshell.output.render import MACHINE_FORMATS, render
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sqlshell.state import Shell


@contextmanager
def inspector(shell: Shell) -> Iterator[Inspector]:
    """A fresh Inspector on the connection that sees what the user sees."""
    if shell.txn().state == "failed":
        raise UserError("the transaction has failed, so nothing can be read through it", "\\rollback first")
    conn = _user_connection(shell)
    if conn is None:
        yield inspect(shell.db.engine)
    elif conn.in_transaction():
        # The user's transaction: a savepoint, so a failing catalog query cannot fail it.
        savepoint = conn.begin_nested()
        try:
            yield inspect(conn)
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        savepoint.commit()
    else:
        try:
            yield inspect(conn)
        finally:
            if conn.in_transaction():
                conn.commit()  # AUTOCOMMIT: only ends SQLAlchemy's autobegun bookkeeping


def _user_connection(shell: Shell) -> Connection | None:
    """The held connection (connection mode), the session transaction's
    connection (session mode, once it has one), else None: the engine will do."""
    if shell.held is not None:
        return shell.held.conn
    orm: Session | None = getattr(shell.session, "session", None)  # the ORM Session (imported only in session mode)
    if orm is not None and getattr(shell.session, "driver_connection", None) is not None:
        return orm.connection()  # the one its transaction holds: asking never begins one
    return None


def optional(method: Callable[..., list[Any]], *args: Any) -> list[Any]:
    """What a reflection method returns, or nothing where the dialect does not implement it."""
    try:
        return method(*args)
    except NotImplementedError:
        return []


def table_comment(insp: Inspector, name: str, schema: str | None) -> str:
    try:
        return insp.get_table_comment(name, schema=schema).get("text") or ""
    except NotImplementedError:
        return ""


def catalog_query(insp: Inspector, sql: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """A catalog query on the Inspector's own connection (the user's view of things)."""
    bind = insp.bind
    if isinstance(bind, Connection):
        return [tuple(r) for r in bind.execute(sql, params or {})]
    with bind.connect() as conn:
        return [tuple(r) for r in conn.execute(sql, params or {})]


def backend_name(shell: Shell) -> str:
    dialect = shell.db.engine.dialect
    if getattr(dialect, "is_mariadb", False):
        return "MariaDB"
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL"}.get(dialect.name, dialect.name)


def listing(shell: Shell, title: str, headers: list[str], rows: list[tuple[Any, ...]], footer: bool = True) -> Outcome:
    """A psql-style listing: its title, the table, ``(N rows)`` (psql's ``\\du`` has none)."""
    return tables(shell, title, [(headers, rows, footer)])


def tables(
    shell: Shell, title: str, parts: list[tuple[list[str], list[tuple[Any, ...]], bool]], end: str = ""
) -> Outcome:
    """A title, then tables (headers, rows, with a footer or not), then ``end``:
    rendered in the user's format as one text for the pipeline to write (psql
    -t and the machine formats show no title and no ``end``)."""
    opts = shell.settings.render_options()
    decorated = opts.format not in MACHINE_FORMATS and not opts.tuples_only
    buf = io.StringIO()
    if decorated and title:
        buf.write(title + "\n")
    for headers, rows, footer in parts:
        render(Outcome.table(headers, rows, footer=footer), opts, buf.write)
    if decorated and end:
        buf.write(end + "\n")
    return Outcome(raw=[buf.getvalue()])
