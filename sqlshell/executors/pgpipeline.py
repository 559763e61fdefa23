"""``--single-transaction`` on PostgreSQL: runs of plain statements go as one pipeline.

Inside the script's one transaction a failure aborts everything anyway, so
consecutive plain statements (INSERT, UPDATE, CREATE … without rows to show)
need not wait for each other's round trip: ``batched`` wraps a script's
statements, sends each run of them in psycopg's pipeline mode (libpq's
PQsendQueryParams per statement, one sync at the end) and then hands the
statements on one by one, as before. ``Pipeline.execute`` runs each of them
as always; only ``run_statement`` finds its result already there (``take``),
so tags, rendering, the state report and ``\\txn`` are the ordinary ones, in
the ordinary order.

The run is wrapped in a savepoint of its own. When anything in it is not the
plain success expected (an error, a notice, a row, a cancel), the run is
rolled back to that savepoint and no result is kept: every statement of it
then runs again the ordinary way, one by one, so errors (with their line
numbers), notices and what ``ON_ERROR_STOP`` stops are exactly what they are
without pipelining. The only trace of the undone attempt is what a rollback
does not undo: sequence values it drew (gaps, as any rolled-back INSERT
leaves).

Never pipelined: statements outside the single transaction (autocommitted
statements would run after a failure), and anything that needs the previous
result first: meta-commands, COPY, queries, transaction commands, ``\\;``
compounds, statements with variables or a backslash, ``\\g``-style endings,
``RETURNING``, statements inside ``\\if``, and everything under
``--on-error-rollback``, ``\\trace`` or at the prompt. Such a statement ends
the run: the run is sent, synced and handed on first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import Connection

from sqlshell.cancel import running
from sqlshell.driverconn import psycopg_of
from sqlshell.executors.pgstream import PIPELINED
from sqlshell.output import echo
from sqlshell.results import Outcome
from sqlshell.sqltext.pieces import is_single
from sqlshell.sqltext.statement import Kind, Statement
from sqlshell.sqltext.variables import interpolate

if TYPE_CHECKING:
    from sqlshell.conditionals import Conditions
    from sqlshell.database import Database
    from sqlshell.settings import Settings


class Held(Protocol):
    """Connection mode's executor (``connection.ConnectionExecutor``, which
    imports this module through ``common``)."""

    @property
    def conn(self) -> Connection: ...

    @property
    def txn(self) -> object: ...  # None: no transaction

    @property
    def on_error_rollback(self) -> bool: ...

    @property
    def failed(self) -> bool: ...

    @property
    def lost(self) -> bool: ...


class Shell(Protocol):
    """What batching reads of the shell (``state.Shell``, a layer above: it is
    matched by its shape, never imported)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def variables(self) -> dict[str, str]: ...

    @property
    def held(self) -> Held | None: ...

    @property
    def transactional(self) -> object: ...  # compared with ``held``

    @property
    def single_transaction_ended(self) -> bool: ...

    @property
    def trace(self) -> object: ...  # None: \\trace is off


class Pipeline(Protocol):
    """What batching reads of the script's pipeline (``pipeline.Pipeline``)."""

    @property
    def shell(self) -> Shell: ...

    @property
    def conditions(self) -> Conditions: ...


RUN_STATEMENTS = 500  # statements per pipeline at most
RUN_BYTES = 256 * 1024  # and bytes of SQL: the results of a run stay far below a socket's buffer

_VERBS = frozenset({"insert", "update", "delete", "create", "drop", "alter", "comment", "grant", "revoke", "truncate"})
_SAVEPOINT = b"SAVEPOINT sqlshell_pipeline"
_RELEASE = b"RELEASE SAVEPOINT sqlshell_pipeline"
_UNDO = b"ROLLBACK TO SAVEPOINT sqlshell_pipeline"

# The results of the run being handed on: (statement text, its tag), in order.
ready = PIPELINED


def take(conn: Connection, sql: str) -> Outcome | None:
    """The result of ``sql`` if it ran in the pipeline (the next one in order);
    None: run it. (``run_statement`` asks only while ``PIPELINED`` is not empty.)"""
    head, tag = ready[0]
    if head != sql:  # not the statement handed on: nothing kept can be trusted
        ready.clear()
        return None
    ready.popleft()
    echo.sent(conn, sql)  # --echo shows it where it would have run
    return Outcome(tag=tag)


def batched(pipeline: Pipeline, statements: Iterable[Statement]) -> Iterator[Statement]:
    """``statements``, with each run of plain ones sent ahead as one pipeline."""
    shell = pipeline.shell
    if not (shell.settings.single_transaction and shell.db.is_postgres and shell.db.driver == "psycopg"):
        yield from statements
        return
    if os.environ.get("SQLSHELL_PG_PIPELINE") == "off":  # the tests' comparison without it
        yield from statements
        return
    run: list[Statement] = []
    size = 0
    try:
        for stmt in statements:
            if _plain(pipeline, stmt):
                run.append(stmt)
                size += len(stmt.text)
                if len(run) >= RUN_STATEMENTS or size >= RUN_BYTES:
                    yield from _hand_on(shell, run)
                    run, size = [], 0
                continue
            if run:  # this one needs the results before it: the run goes first
                yield from _hand_on(shell, run)
                run, size = [], 0
            yield stmt
        yield from _hand_on(shell, run)
    finally:
        ready.clear()  # a script stopped midway: what was not handed on is forgotten


def _hand_on(shell: Shell, run: list[Statement]) -> Iterator[Statement]:
    """Send the run (two or more statements, in the single transaction), then
    hand its statements on; they find their results in ``ready``."""
    conn = _transaction_connection(shell) if len(run) > 1 else None
    if conn is not None:
        texts = [stmt.text for stmt in run]
        try:
            tags = _send(shell, conn, texts)
        except Exception as exc:  # psycopg.Error, OSError: the connection broke midway
            # Its state is unknown (maybe still in pipeline mode): dropped, so the
            # statements are told the transaction was lost with its connection.
            conn.invalidate(exc)
            tags = None
        if tags is not None:
            ready.extend(zip(texts, tags, strict=True))
    yield from run
    ready.clear()


def _transaction_connection(shell: Shell) -> Connection | None:
    """The connection holding the script's transaction, when it may pipeline:
    connection mode, inside the single transaction, which has not failed."""
    from sqlshell.executors.serverstate import ServerTxn, read

    held = shell.held
    if held is None or shell.transactional is not held or held.txn is None or held.on_error_rollback:
        return None
    if held.failed or held.lost or held.conn.invalidated or shell.single_transaction_ended:
        return None
    if shell.trace is not None or shell.settings.interactive:
        return None
    dbapi_conn = psycopg_of(held.conn)
    if read(dbapi_conn, "postgresql") is not ServerTxn.OPEN or not _can_pipeline():
        return None
    return held.conn


def _plain(pipeline: Pipeline, stmt: Statement) -> bool:
    """A statement whose result nothing after it needs before it is shown."""
    if stmt.kind is not Kind.SQL or stmt.terminator or stmt.data is not None:
        return False
    conditions = pipeline.conditions
    if not conditions.active or conditions.last_line:
        return False
    sql, info = stmt.text, stmt.info
    if info.verb not in _VERBS or "\\" in sql or info.may_return:
        return False
    variables = pipeline.shell.variables
    try:
        if variables and interpolate(sql, variables) != sql:
            return False
    except Exception:  # a bad reference: the statement says so when it runs the ordinary way
        return False
    return is_single(sql, info)  # the splitter's reading: a ';' inside a literal is no second statement


def _send(shell: Shell, conn: Connection, texts: list[str]) -> list[str] | None:
    """Run ``texts`` as one pipeline inside a savepoint; their tags, or None
    when anything was not a plain success (then it was all undone)."""
    from psycopg import pq

    dbapi_conn = psycopg_of(conn)
    pgconn = dbapi_conn.pgconn
    encoding = dbapi_conn.info.encoding
    told: list[str] = []
    notice_to = shell.db.notice_to
    shell.db.notice_to = told.append  # a notice: the run is undone, and shown when it runs again
    running.connection = dbapi_conn  # what Ctrl-C cancels
    results: list[Any] = []
    try:
        pgconn.enter_pipeline_mode()
        try:
            for command in (_SAVEPOINT, *(t.encode(encoding) for t in texts)):
                pgconn.send_query_params(command, None)
            pgconn.pipeline_sync()
            results = _collect(dbapi_conn, len(texts) + 1)
        finally:
            if pgconn.pipeline_status:  # (a broken connection may have left it already)
                pgconn.exit_pipeline_mode()
    finally:
        shell.db.notice_to = notice_to
        running.connection = None
    ok = pq.ExecStatus.COMMAND_OK
    kept = not told and len(results) == len(texts) + 1 and all(r.status == ok for r in results)
    if not kept:
        dbapi_conn.execute(_UNDO)  # (the savepoint itself is there whatever failed after it)
    dbapi_conn.execute(_RELEASE)
    if not kept:
        return None
    return [r.command_status.decode(encoding) if r.command_status else "" for r in results[1:]]


def _collect(dbapi_conn: Any, expected: int) -> list[Any]:
    """Flush the pipeline and read every statement's result, then the sync.
    A statement's results end with a null; after an error, the rest of the
    pipeline answers PIPELINE_ABORTED."""
    from psycopg import generators, pq

    pgconn = dbapi_conn.pgconn
    dbapi_conn.wait(generators.send(pgconn))
    results = []
    for _ in range(expected):
        got = dbapi_conn.wait(generators.fetch_many(pgconn))
        results.append(got[0] if len(got) == 1 else _first_bad(got))
    while (sync := dbapi_conn.wait(generators.fetch(pgconn))) is not None:
        if sync.status == pq.ExecStatus.PIPELINE_SYNC:
            break
    return results


def _first_bad(results: list[Any]) -> Any:
    """Not one result for one statement (none, or several): not a plain success."""
    from psycopg import pq

    for result in results:
        if result.status != pq.ExecStatus.COMMAND_OK:
            return result
    return results[0] if results else _Missing()


class _Missing:
    status = None
    command_status = None


def _can_pipeline() -> bool:
    import psycopg

    return bool(psycopg.Pipeline.is_supported())
