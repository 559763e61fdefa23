"""Meta-commands that make the three levels visible: ``\\txn`` (the open
transaction's story), ``\\locks``, ``\\pool``, ``\\objects`` (the session's
identity map) and ``\\trace``. They only read; none of them changes the
transaction, the pool or the session."""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.errors import UserError
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Inspect")


def _sections(shell: Shell, lines: list[str], sections: list[tuple[str, list[str], list[tuple[Any, ...]]]]) -> Outcome:
    """Sentences, then titled tables, all in the user's output format, as one answer on stdout."""
    from sqlshell.output.render import render

    opts = shell.settings.render_options()
    buf = io.StringIO()
    for line in lines:
        buf.write(line + "\n")
    for title, headers, rows in sections:
        buf.write(f"\n{title}:\n")
        table = Outcome.table(headers, rows)
        table.footer = True
        render(table, opts, buf.write)
    return Outcome(raw=[buf.getvalue()])


def _clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall)) + f".{int(wall % 1 * 1000):03d}"


# -- \txn ---------------------------------------------------------------------------


def server_isolation(shell: Shell) -> str:
    """The isolation level in force, as the server says (asked on the transaction's connection)."""
    from sqlshell.observe.locks import transaction_connection

    db = shell.db
    if db.is_sqlite:
        return "SERIALIZABLE (SQLite's only level)"
    conn = transaction_connection(shell)
    if conn is None:
        return "unknown (no connection held)"
    if shell.txn().state == "failed":
        return "unknown: a failed transaction answers no question until \\rollback"
    if db.is_postgres:
        sql = "select current_setting('transaction_isolation')"
    elif db.dialect in ("mysql", "mariadb"):
        # MariaDB before 11.1 knows only @@tx_isolation; MySQL 8 only @@transaction_isolation
        old = getattr(conn.dialect, "is_mariadb", False) and (conn.dialect.server_version_info or ()) < (11, 1)
        sql = "select @@tx_isolation" if old else "select @@transaction_isolation"
    else:
        return "unknown: sqlshell cannot ask this server"
    try:
        value = conn.exec_driver_sql(sql).scalar()
    except Exception as exc:  # the question must not fail the answer
        if conn.invalidated and shell.held is not None and shell.held.conn is conn:
            shell.held.lost = True  # the connection died under the question: its transaction is gone
        return f"unknown ({type(exc).__name__}: the connection was lost)" if conn.invalidated else "unknown"
    return str(value).upper().replace("-", " ")


@commands.add("\\txn", "", "the open transaction's story: statements, row counts, savepoints, flushes, isolation")
def txn_cmd(shell: Shell, args: Args) -> Outcome:
    from sqlshell.observe.txnstory import abbreviate, row_count

    args.at_most(0, "\\txn")
    snap = shell.txn()
    if snap.state == "idle":
        where = " (engine mode: each statement commits by itself)" if shell.transactional is None else ""
        return Outcome(raw=[f"no transaction is open{where}\n"])
    story = shell.story
    began = story.began if story.key is not None else None
    lines = [
        f"transaction {'LOST' if snap.lost else snap.state}, open {snap.age or 0:.1f}s"
        + (f" (since {_clock(began)})" if began else ""),
        f"isolation in force: {server_isolation(shell)} (begun as {snap.isolation or '-'})",
    ]
    if snap.savepoints:
        lines.append(f"savepoints {' > '.join(snap.savepoints)}")
    rows = []
    number = 0
    for entry in story.entries if story.key is not None else []:
        offset = f"+{entry.at - began:.1f}s" if began else ""
        if entry.kind in ("statement", "failed", "begin"):
            number += 1
            label: Any = number
        else:
            label = {"savepoint": "──", "release": "──", "rollback_to": "◀─", "flush": "~"}[entry.kind]
        note = f"undone by {entry.undone_by}" if entry.undone_by else ""
        text = abbreviate(entry.text)
        rows.append((label, _clock(entry.at), offset, text, entry.tag or "", row_count(entry.tag), note))
    if not rows:
        lines.append("nothing has run in it yet")
        return _sections(shell, lines, [])
    return _sections(shell, lines, [("statements", ["#", "at", "after", "statement", "tag", "rows", ""], rows)])


# -- \locks ---------------------------------------------------------------------------


@commands.add("\\locks", "", "the locks the open transaction holds and waits for, and who blocks whom")
def locks_cmd(shell: Shell, args: Args) -> Outcome:
    from sqlshell.observe.locks import lock_report

    args.at_most(0, "\\locks")
    report = lock_report(shell)
    return _sections(shell, report.lines, report.sections)


# -- \pool ----------------------------------------------------------------------------


@commands.add("\\pool", "", "the engine's pool: size, overflow, each connection with its backend id and holder")
def pool_cmd(shell: Shell, args: Args) -> Outcome:
    from sqlshell.observe.poolwatch import pool_rows
    from sqlshell.observe.view import held_connections

    args.at_most(0, "\\pool")
    head, headers, rows = pool_rows(shell.db.engine, held_connections(shell))
    return _sections(shell, head, [("connections", headers, rows)] if rows else [])


# -- \objects -------------------------------------------------------------------------


@commands.add("\\objects", "", "session mode: every object the session holds, its state, key and expired attributes")
def objects_cmd(shell: Shell, args: Args) -> Outcome:
    from sqlshell.observe.identitymap import object_rows

    args.at_most(0, "\\objects")
    session = getattr(shell.session, "session", None)
    if session is None or shell.transactional is not shell.session:
        raise UserError("\\objects works in session mode", "\\mode session first")
    rows = object_rows(shell.session)
    if not rows:
        return _sections(shell, ["the session holds no objects"], [])
    headers = ["state", "table", "key", "values / changes", "expired"]
    return _sections(
        shell, [f"{len(rows)} object{'s' if len(rows) != 1 else ''} in the session"], [("objects", headers, rows)]
    )


# -- \trace ---------------------------------------------------------------------------


@commands.add("\\trace", "[on|off]", "show the life cycle on stderr as it happens: pool, BEGIN/COMMIT, flushes")
def trace_cmd(shell: Shell, args: Args) -> Outcome:
    from sqlshell.observe.trace import Tracer

    on = args.switch(shell.trace is not None, "\\trace [on|off]")
    if on and shell.trace is None:
        shell.trace = Tracer(shell)
    elif not on and shell.trace is not None:
        shell.trace.close()
        shell.trace = None
    return Outcome.message(f"trace is {'on' if on else 'off'}" + (" (on stderr)" if on else ""))
