"""A compound line (``select 1\\; select 2``) as one query string, as psql sends it.

On PostgreSQL the statements of one query string run in one implicit
transaction unless they hold their own BEGIN/COMMIT, and every statement's
result comes back (psql 15+ shows them all). psycopg's ``Cursor.execute``
without parameters uses the simple query protocol, which takes several
statements; ``Cursor.nextset`` steps through their results. The results of
a compound line are small by nature, so they are fetched whole here.
Drivers that take one statement at a time (sqlite3, pymysql) never come
here: the dispatcher runs those lines piece by piece.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from sqlshell.cancel import running
from sqlshell.executors.pgstream import wrap_error
from sqlshell.results import Column, Outcome
from sqlshell.values import PG_JSON_OIDS, PG_NUMERIC_OIDS

# numeric, timestamp(tz), date, time(tz), interval: the server's own text, as
# single statements show them (pgstream)
_TEXT_OIDS = (1700, 1114, 1184, 1082, 1083, 1266, 1186)


def run_compound(conn: Connection, sql: str) -> list[Outcome]:
    """Send ``sql`` as one query string; one Outcome per statement in it."""
    from psycopg.types.string import TextLoader

    dbapi: Any = conn.connection.dbapi_connection  # psycopg's Connection
    if conn.engine.echo:
        conn.engine.logger.info("%s", sql)
    running.started(dbapi)  # what Ctrl-C cancels
    cursor = dbapi.cursor()
    for oid in _TEXT_OIDS:
        cursor.adapters.register_loader(oid, TextLoader)
    outcomes: list[Outcome] = []
    try:
        try:
            cursor.execute(sql, prepare=False)
        except Exception as exc:
            raise wrap_error(conn, sql, exc, cursor) from exc
        while True:
            outcomes.append(_outcome(cursor))
            if not cursor.nextset():
                break
    finally:
        cursor.close()
        running.connection = None
    return outcomes


def _outcome(cursor: Any) -> Outcome:
    tag, description = cursor.statusmessage, cursor.description
    if description is None:
        return Outcome(tag=tag)
    rows = cursor.fetchall()
    columns = [
        Column(d.name, numeric=d.type_code in PG_NUMERIC_OIDS, json=d.type_code in PG_JSON_OIDS) for d in description
    ]
    return Outcome(columns=columns, batches=[rows] if rows else [], tag=tag)
