"""A compound line (``select 1\\; select 2``) as one query string, as psql sends it.

On PostgreSQL the statements of one query string run in one implicit
transaction unless they hold their own BEGIN/COMMIT, and every statement's
result comes back (psql 15+ shows them all). psycopg's ``Cursor.execute``
without parameters uses the simple query protocol, which takes several
statements; ``Cursor.nextset`` steps through their results. The results of
a compound line are small by nature, so they are fetched whole here.
When a statement fails, psycopg has read every result and raises on the
failed one; the results before it are kept (``_keeping_cursor``) and handed
back with the error, so they are shown before it, as psql shows them.
Drivers that take one statement at a time (sqlite3, pymysql) never come
here: the dispatcher runs those lines piece by piece.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from sqlshell.cancel import running
from sqlshell.executors.pgstream import TEXT_OIDS, wrap_error
from sqlshell.output.values import PG_JSON_OIDS, PG_NUMERIC_OIDS
from sqlshell.results import Column, Outcome


def run_compound(conn: Connection, sql: str, outcomes: list[Outcome] | None = None) -> list[Outcome]:
    """Send ``sql`` as one query string; one Outcome per statement in it, in
    ``outcomes`` (which, when a statement fails, holds those that ran before
    it as the error is raised)."""
    from psycopg.types.string import TextLoader

    dbapi: Any = conn.connection.dbapi_connection  # psycopg's Connection
    if conn.engine.echo:
        conn.engine.logger.info("%s", sql)
    running.started(dbapi)  # what Ctrl-C cancels
    cursor = _keeping_cursor()(dbapi)
    for oid in TEXT_OIDS:  # the server's own text, as single statements show them
        cursor.adapters.register_loader(oid, TextLoader)
    outcomes = [] if outcomes is None else outcomes
    try:
        try:
            cursor.execute(sql, prepare=False)
        except Exception as exc:
            before = getattr(cursor, "before", ())
            if before:  # the results of the statements that ran before the failed one
                cursor._set_results(list(before))
                while True:
                    outcomes.append(_outcome(cursor))
                    if not cursor.nextset():
                        break
            raise wrap_error(conn, sql, exc, cursor) from exc
        while True:
            outcomes.append(_outcome(cursor))
            if not cursor.nextset():
                break
    finally:
        cursor.close()
        running.connection = None
    return outcomes


_KEEPING_CURSOR: Any = None


def _keeping_cursor() -> Any:
    """psycopg's Cursor, keeping the results that came before a failed one.
    ``Cursor.execute`` reads every result of the query string, then raises on
    the first failed one and drops the rest; the one method overridden is
    psycopg's (3.2-3.3) check of those results, which notes the good ones
    first. Another psycopg gets its own Cursor (the earlier results are lost)."""
    global _KEEPING_CURSOR
    if _KEEPING_CURSOR is not None:
        return _KEEPING_CURSOR
    import psycopg
    from psycopg.pq import ExecStatus

    good = {ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK, ExecStatus.EMPTY_QUERY}

    class KeepingCursor(psycopg.Cursor[Any]):
        before: tuple[Any, ...] = ()

        def _check_results(self, results: list[Any]) -> None:
            bad = next((i for i, res in enumerate(results) if res.status not in good), None)
            self.before = tuple(results[:bad]) if bad else ()
            super()._check_results(results)

    chosen: Any = KeepingCursor
    if not all(hasattr(psycopg.Cursor, name) for name in ("_check_results", "_set_results")):
        chosen = psycopg.Cursor
    _KEEPING_CURSOR = chosen
    return chosen


def _outcome(cursor: Any) -> Outcome:
    tag, description = cursor.statusmessage, cursor.description
    if description is None:
        return Outcome(tag=tag)
    rows = cursor.fetchall()
    columns = [
        Column(d.name, numeric=d.type_code in PG_NUMERIC_OIDS, json=d.type_code in PG_JSON_OIDS) for d in description
    ]
    return Outcome(columns=columns, batches=[rows] if rows else [], tag=tag)
