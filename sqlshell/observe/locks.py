"""What ``\\locks`` shows: the locks the shell's connection holds and waits for,
and who blocks it or is blocked by it, as the server tells.

* PostgreSQL: ``pg_locks`` for the connection's backend pid, and
  ``pg_blocking_pids()`` with ``pg_stat_activity`` for the other side.
* MariaDB / MySQL: ``information_schema.INNODB_TRX`` (the InnoDB transaction)
  and ``INNODB_LOCK_WAITS`` / ``INNODB_LOCKS`` (MariaDB keeps these; they list
  row locks only while someone waits). Metadata locks need the
  ``metadata_lock_info`` plugin, used when it is installed.
* SQLite: one lock on the whole file; another connection probes it with
  ``BEGIN IMMEDIATE`` (fails while a writer holds RESERVED or stronger).

The questions go through a separate pool connection in AUTOCOMMIT, so they
work in a failed transaction and never add to the user's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from sqlshell.observe.poolwatch import backend_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from sqlshell.observe.view import ShellView

Section = tuple[str, list[str], list[tuple[Any, ...]]]


@dataclass
class LockReport:
    lines: list[str] = field(default_factory=list)  # plain sentences, before the tables
    sections: list[Section] = field(default_factory=list)


def transaction_connection(shell: ShellView) -> Connection | None:
    """The connection the current mode holds (None in engine mode or a session
    with no transaction: nothing is held between statements then)."""
    if shell.held is not None and shell.transactional is shell.held:
        conn = shell.held.conn
        return None if conn.closed or conn.invalidated else conn
    session: Session | None = getattr(shell.session, "session", None)
    if session is not None and shell.transactional is shell.session and session.in_transaction():
        try:
            return session.connection()  # the transaction's own connection: no new BEGIN
        except Exception:  # invalidated: nothing held any more
            return None
    return None


PG_HELD = """
select l.locktype,
       coalesce(l.relation::regclass::text, l.transactionid::text, l.virtualxid, '') as object,
       l.mode, case when l.granted then 'granted' else 'WAITING' end
from pg_locks l
where l.pid = :pid
order by l.granted, l.locktype, object, l.mode
"""

PG_OTHERS = """
select a.pid,
       case when a.pid = any(pg_blocking_pids(:pid)) then 'blocks this connection'
            else 'waits for this connection' end as relation,
       a.state,
       coalesce((select w.relation::regclass::text || ' ' || w.mode from pg_locks w
                 where w.pid = a.pid and not w.granted limit 1), '') as waits_for,
       left(regexp_replace(a.query, '\\s+', ' ', 'g'), 60) as query,
       date_trunc('second', now() - coalesce(a.xact_start, a.query_start))::text as for
from pg_stat_activity a
where a.pid = any(pg_blocking_pids(:pid)) or :pid = any(pg_blocking_pids(a.pid))
order by a.pid
"""


def pg_report(shell: ShellView, pid: int) -> LockReport:
    report = LockReport([f"backend pid {pid}"])
    if shell.txn().state == "failed":
        report.lines.append("the transaction has failed: PostgreSQL released its locks at the error")
    with shell.db.engine.connect() as conn:
        held = [tuple(r) for r in conn.execute(text(PG_HELD), {"pid": pid})]
        others = [tuple(r) for r in conn.execute(text(PG_OTHERS), {"pid": pid})]
        conn.commit()
    report.sections.append(("locks (pg_locks)", ["lock type", "object", "mode", "granted"], held))
    if others:
        report.sections.append(("other backends", ["pid", "relation", "state", "waits for", "query", "for"], others))
    else:
        report.lines.append("no other backend blocks this connection or waits for it")
    return report


MY_TRX = """
select trx_id, trx_state, trx_started, trx_isolation_level, trx_tables_locked, trx_rows_locked,
       trx_rows_modified, coalesce(trx_lock_structs, 0)
from information_schema.innodb_trx where trx_mysql_thread_id = :id
"""

MY_WAITS = """
select case when r.trx_mysql_thread_id = :id then b.trx_mysql_thread_id else r.trx_mysql_thread_id end,
       case when r.trx_mysql_thread_id = :id then 'blocks this connection'
            else 'waits for this connection' end,
       coalesce(l.lock_table, ''), coalesce(l.lock_mode, ''), coalesce(l.lock_type, ''),
       left(coalesce(case when r.trx_mysql_thread_id = :id then b.trx_query else r.trx_query end, ''), 60),
       timestampdiff(second, r.trx_wait_started, now())
from information_schema.innodb_lock_waits w
join information_schema.innodb_trx r on r.trx_id = w.requesting_trx_id
join information_schema.innodb_trx b on b.trx_id = w.blocking_trx_id
left join information_schema.innodb_locks l on l.lock_id = w.requested_lock_id
where r.trx_mysql_thread_id = :id or b.trx_mysql_thread_id = :id
"""

MY_MDL = """
select thread_id, lock_mode, lock_type, table_schema, table_name
from information_schema.metadata_lock_info where thread_id = :id
"""


def mysql_report(shell: ShellView, conn_id: int) -> LockReport:
    report = LockReport([f"connection id {conn_id}"])
    with shell.db.engine.connect() as conn:
        trx = [tuple(r) for r in conn.execute(text(MY_TRX), {"id": conn_id})]
        waits = [tuple(r) for r in conn.execute(text(MY_WAITS), {"id": conn_id})]
        has_mdl = conn.execute(
            text(
                "select count(*) from information_schema.tables "
                "where table_schema = 'information_schema' and table_name = 'METADATA_LOCK_INFO'"
            )
        ).scalar()
        mdl = [tuple(r) for r in conn.execute(text(MY_MDL), {"id": conn_id})] if has_mdl else None
        conn.commit()
    if trx:
        headers = ["trx id", "state", "started", "isolation", "tables locked", "rows locked", "rows modified"]
        report.sections.append(("InnoDB transaction (INNODB_TRX)", headers, [r[:7] for r in trx]))
    else:
        report.lines.append("no InnoDB transaction (InnoDB starts one at the first read or write of a table)")
    if waits:
        headers = ["connection", "relation", "table", "mode", "type", "query", "waiting (s)"]
        report.sections.append(("lock waits (INNODB_LOCK_WAITS)", headers, waits))
    else:
        report.lines.append("no lock wait involves this connection")
    if mdl is None:
        report.lines.append("metadata locks are not shown: the metadata_lock_info plugin is not installed")
    elif mdl:
        report.sections.append(("metadata locks", ["connection", "mode", "type", "schema", "table"], mdl))
    return report


def sqlite_report(shell: ShellView, conn: Connection | None) -> LockReport:
    path = shell.db.url.database
    if not path or path == ":memory:":
        return LockReport(["an in-memory SQLite database: no file, no file locks"])
    lines = [f"SQLite locks the whole file {path}"]
    driver = conn.connection.driver_connection if conn is not None else None
    if driver is not None and driver.in_transaction:
        lines.append(
            "this connection is in a transaction: it holds SHARED from its first read and RESERVED "
            "from its first write (EXCLUSIVE while committing)"
        )
    else:
        lines.append("this connection holds no lock (no transaction is open)")
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        mode = probe.execute("pragma journal_mode").fetchone()[0]
        try:
            probe.execute("begin immediate")
            probe.execute("rollback")
            lines.append("the file has no writer: RESERVED is free (a probe's BEGIN IMMEDIATE succeeded)")
        except sqlite3.OperationalError:
            lines.append(
                "a writer holds the file (RESERVED or stronger: a probe's BEGIN IMMEDIATE failed); "
                "other writers wait for it"
            )
        lines.append(f"journal mode {mode}" + (": readers never wait for the writer" if mode == "wal" else ""))
    finally:
        probe.close()
    return LockReport(lines)


def lock_report(shell: ShellView) -> LockReport:
    conn = transaction_connection(shell)
    db = shell.db
    if db.is_sqlite:
        return sqlite_report(shell, conn)
    if conn is None:
        return LockReport(
            ["no connection is held (engine mode, or no transaction in session mode): the shell holds no locks"]
        )
    ident = backend_id(conn.connection.dbapi_connection)
    if db.is_postgres and ident is not None:
        return pg_report(shell, ident)
    if db.dialect in ("mysql", "mariadb") and ident is not None:
        return mysql_report(shell, ident)
    return LockReport([f"{db.dialect}: sqlshell cannot ask this server about locks"])


# -- who a running statement waits for (the toolbar's lock-wait hint) -------------

PG_BLOCKERS = """
select a.pid, a.state, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 50)
from pg_stat_activity a where a.pid = any(pg_blocking_pids(:pid))
"""

MY_BLOCKERS = """
select b.trx_mysql_thread_id, b.trx_state, left(coalesce(b.trx_query, ''), 50)
from information_schema.innodb_lock_waits w
join information_schema.innodb_trx r on r.trx_id = w.requesting_trx_id
join information_schema.innodb_trx b on b.trx_id = w.blocking_trx_id
where r.trx_mysql_thread_id = :id
"""


def blockers(shell: ShellView, dbapi_connection: Any) -> str | None:
    """Who the connection running a statement waits for, in a few words, or None."""
    ident = backend_id(dbapi_connection)
    db = shell.db
    if ident is None:
        return None
    if db.is_postgres:
        sql, who = PG_BLOCKERS, "pid"
    elif db.dialect in ("mysql", "mariadb"):
        sql, who = MY_BLOCKERS, "connection"
    else:
        return None
    with db.engine.connect() as conn:
        rows = conn.execute(text(sql), {"pid": ident, "id": ident}).all()
        conn.commit()
    if not rows:
        return None
    return "; ".join(
        f"{who} {pid} ({state}: {query})" if query else f"{who} {pid} ({state})" for pid, state, query in rows
    )


def _blocker(who: str, ident: Any, state: Any, query: Any) -> str:
    return f"{who} {ident} ({state}: {query})" if query else f"{who} {ident} ({state})"
