"""Session mode: an ORM Session over classes that automap reflects from the database.

The user stages objects (``\\add``, ``\\change``, ``\\remove``) and SQLAlchemy's
unit of work turns them into SQL only at ``\\flush`` or ``\\commit``; showing
that SQL is the point of the mode. So the Session is made with
``autoflush=False`` (nothing is sent behind the user's back) and a
``before_cursor_execute`` listener captures what each flush emits. What is
staged is never tracked here: ``session.new``/``dirty``/``deleted`` say it.
The objects a flush already sent are remembered from the ``after_flush``
event (SQLAlchemy keeps that set privately), so ``\\rollback`` can say what it
discarded.

The Session's transaction, as the server sees it, is followed in
``sessionfollow``; the transaction commands and savepoints are in
``sessiontxn`` (their shared rules in ``transactional``). This module makes
the Session, runs statements in it, and flushes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from sqlshell.database import Database
from sqlshell.errors import UserError
from sqlshell.executors.common import run_statement
from sqlshell.executors.contract import TxnSnapshot, TxnStatus
from sqlshell.executors.ended import rolls_back
from sqlshell.executors.orm import StatementRecorder, Tables, flush_notes, keep_alive, tables_named
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.executors.sessiontxn import SessionCommands
from sqlshell.output.streams import Output
from sqlshell.results import Outcome
from sqlshell.settings import Settings
from sqlshell.sqltext.classify import classified

if TYPE_CHECKING:
    from sqlshell.sqltext.pieces import Piece

READ_ONLY_ENDED = "the session's transaction held no changes of yours; it was rolled back"


class SessionExecutor(SessionCommands):
    name = "session"

    def __init__(self, db: Database, settings: Settings, output: Output) -> None:
        self.db, self.settings, self.output = db, settings, output
        self.server_ended = False  # the server ended a transaction (-1: the script's); the shell resets it
        if not hasattr(db.engine.dialect, "default_isolation_level"):
            with db.engine.connect():  # the dialect learns the server's defaults on first connect
                pass
        self.default_isolation = db.default_isolation
        self.autoflush = False  # \autoflush: flush staged objects before each SQL statement
        self.session = Session(db.transactional_engine, autoflush=False)
        self.line_ran: list[str] = []  # a failed compound line: its statements up to the failed one
        self.tables = Tables(db, self.session, lambda: self.started is not None)
        self._next_isolation = None
        self.lost = None  # the server work a lost connection took, until \\rollback
        self._driver = None  # the DBAPI connection of the latest transaction (read after a failed COMMIT)
        self.recorder = StatementRecorder(db.engine, output.warn)
        self.capturing = self.recorder.recording
        event.listen(self.session, "after_begin", self._after_begin)
        event.listen(self.session, "after_flush", self._after_flush)
        event.listen(self.session, "after_transaction_end", self._after_transaction_end)
        keep_alive(self.session)
        self._reset()

    def _reset(self) -> None:
        """The root transaction ended: forget what belonged to it."""
        self.started = None  # when the transaction got its connection
        self.isolation = None
        self.explicit = False  # \begin was given
        self.statements = 0  # typed SQL run in this transaction
        self.flushed = set()
        self.savepoints = []
        self._sp_counter = 0
        self._conn = None  # the transaction's connection
        self._seen_open = False  # the server was seen inside this transaction
        self._hinted = False  # the "it holds locks" note was given
        self.session.bind = self._bind()

    def close(self) -> None:
        """Roll back whatever is left (the caller has dealt with open work)."""
        had_transaction = self.started is not None and self.lost is None and self.open_work() is None
        try:
            self._close_session()
        finally:
            self.recorder.close()
        if had_transaction:
            self.output.note(READ_ONLY_ENDED)

    # -- SQLAlchemy's events ------------------------------------------------------

    def _after_begin(self, session: Session, transaction: SessionTransaction, connection: Any) -> None:
        if self.started is None:
            self.started = time.monotonic()
            self._conn = connection
            self._driver = connection.connection.driver_connection
            self.isolation = connection.get_execution_options().get("isolation_level") or self.default_isolation
            self._next_isolation = None  # used up: \isolation is for the next transaction only

    def _after_flush(self, session: Session, flush_context: Any) -> None:
        # Still the pre-flush collections here: exactly what this flush sent.
        changed = [obj for obj in session.dirty if session.is_modified(obj)]
        self.flushed.update(inspect(obj) for obj in [*session.new, *changed, *session.deleted])

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self._reset()

    # -- state ------------------------------------------------------------------

    @property
    def next_isolation(self) -> str | None:
        return self._next_isolation

    @next_isolation.setter
    def next_isolation(self, level: str | None) -> None:
        self._next_isolation = level
        if self.started is None:
            self.session.bind = self._bind()

    def _bind(self) -> Any:
        """The engine the next transaction checks out from (the pool's default is
        AUTOCOMMIT; the session needs transactions, at \\isolation's level if set)."""
        level = self._next_isolation
        return self.db.engine.execution_options(isolation_level=level) if level else self.db.transactional_engine

    @property
    def driver_connection(self) -> Any:
        """The DBAPI connection the session's transaction holds, or None (asking
        never begins a transaction, unlike ``Session.connection()``)."""
        conn = self._conn
        if self.started is None or conn is None or conn.invalidated or conn.closed:
            return None
        return self._driver

    def snapshot(self) -> TxnSnapshot:
        self._follow_quietly()
        staged = self.staged_counts()
        if not self.in_transaction:
            return TxnSnapshot(TxnStatus.IDLE, staged=staged)
        return self._open_snapshot(self.lost is not None, staged=staged)

    def open_work(self) -> str | None:
        """What leaving the mode or exiting would lose, or None. A transaction
        that only read (\\get, reflection, an unused \\begin) is open on the
        server but holds nothing of the user's: it may end without asking."""
        if self.lost is not None:
            return f"the transaction lost with its connection ({self.lost})"
        new, changed, deleted = self.staged_counts()
        parts = []
        if new or changed or deleted:
            parts.append(f"{new} new, {changed} changed, {deleted} deleted objects staged")
        if self.flushed:
            parts.append(f"{len(self.flushed)} flushed but not committed")
        if self.statements:
            parts.append(f"{self.statements} SQL statement{'s' if self.statements != 1 else ''} not committed")
        if self.failed and not parts:
            parts.append("a failed transaction")
        return "; ".join(parts) or None

    def discard(self) -> str | None:
        work = self.open_work()
        read_only = work is None and self.started is not None
        try:
            self._end(self.session.rollback)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self._close_session()  # the server rolled the transaction back when the connection went
            return f"{work or 'the transaction'} (the connection was lost: the server rolled back when it went)"
        if read_only:
            self.output.note(READ_ONLY_ENDED)
        return work

    # -- statements -------------------------------------------------------------

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        def execute(conn: Connection) -> list[Outcome]:
            return [run_statement(conn, sql, copy_data=copy_data, data_line=data_line)]

        with self._statement(sql, execute, (sql,)) as outcomes:
            yield outcomes[0]

    @contextmanager
    def run_many(
        self, sql: str, parts: Sequence[Piece], outcomes: list[Outcome] | None = None
    ) -> Iterator[list[Outcome]]:
        """A compound line on PostgreSQL: one query string in the session's
        transaction, as psql sends it; every result comes back (``outcomes``
        holds those before a failing statement, as ``run_compound`` says)."""
        from sqlshell.executors.compound import run_compound
        from sqlshell.executors.connfollow import touches_savepoints

        if any(touches_savepoints(p) for p in parts):
            # the session's savepoints are its nested transactions: one set by SQL
            # would exist on the server only, and ROLLBACK TO it be refused here
            raise UserError(
                "a savepoint command inside a \\; line is not run in session mode",
                "\\savepoint, \\release and \\rollback NAME, or each on a line of its own",
            )
        texts = [p.sql for p in parts]
        done = [] if outcomes is None else outcomes

        def execute(conn: Connection) -> list[Outcome]:
            try:
                return run_compound(conn, sql, done)
            except DBAPIError:
                self.line_ran = texts[: len(done) + 1]  # the results before the failed one came back
                raise

        with self._statement(sql, execute, texts) as results:
            yield results

    @contextmanager
    def _statement(
        self, sql: str, execute: Callable[[Connection], list[Outcome]], statements: Sequence[str]
    ) -> Iterator[list[Outcome]]:
        """One user statement (or one compound line) in the session's transaction:
        autoflush or the unseen-staged warning first, the implicit savepoint of
        on-error-rollback around it, and the server's state followed after it,
        success or failure."""
        self.line_ran = []
        self.require_usable()
        self._refuse_implicit_commit(sql)
        staged = self.staged_counts()
        try:
            notes, warnings = self._before_statement(sql)
            conn = self.session.connection()
        except (SQLAlchemyError, UserError) as exc:
            self._tell(exc, *self._sync_failed(None, exc, staged))
            raise
        implicit = self._implicit_savepoint(conn)
        self.statements += 1
        try:
            outcomes = execute(conn)
            outcomes[0].notes[:0], outcomes[0].warnings[:0] = notes, warnings
            yield outcomes
        except DBAPIError as exc:
            self.statements -= 1  # it did no work (and what it left is told below)
            # SQLite's OR ROLLBACK took the savepoint with the whole transaction
            if (
                not exc.connection_invalidated
                and implicit is not None
                and implicit.is_active
                and not rolls_back(exc)  # InnoDB's deadlock took the savepoint with the transaction
                and not self._ended_here(sql, after_error=True)
            ):
                self._undo_implicit(implicit, exc)
            self._tell(exc, *self._sync_failed(sql, exc, staged))
            raise
        # a COMMIT inside the line (PostgreSQL's compound) took the savepoint with it
        if implicit is not None and implicit.is_active and not self._ended_here(sql):
            implicit.commit()
        told, hints = self.sync(sql)
        last = outcomes[-1]
        last.warnings += told
        last.notes += hints
        if any(classified(text).ddl for text in statements):
            last.warnings += self.tables_changed()

    def _ended_here(self, sql: str, after_error: bool = False) -> bool:
        """Did the statement end the transaction on the server (a COMMIT in a line,
        MariaDB's implicit commit)? Then its implicit savepoint went with it. On
        MariaDB an IDLE reading also means a transaction that has not touched a
        table yet (a SAVEPOINT does not begin one there), so only a statement
        that commits implicitly counts (after an error, read afresh: it may
        have failed before its commit)."""
        if self.db.dialect in ("mysql", "mariadb") and not classified(sql).mysql_implicit_commit():
            return False
        return self.server_state(after_error) is ServerTxn.IDLE

    def _refuse_implicit_commit(self, sql: str) -> None:
        """--single-transaction on MariaDB: a statement the server commits
        implicitly would commit part of the script; refused before it runs."""
        if not self.settings.single_transaction or self.db.dialect not in ("mysql", "mariadb"):
            return
        info = classified(sql)
        if info.mysql_implicit_commit():
            raise UserError(
                f"{info.verb.upper()} is not allowed with --single-transaction: MariaDB commits it implicitly",
                "run it outside the script's transaction",
            )

    def _before_statement(self, sql: str) -> tuple[list[str], list[str]]:
        """Autoflush, or warn that the statement cannot see the staged objects it names."""
        staged = [*self.session.new, *self.session.dirty, *self.session.deleted]
        if staged and self.autoflush:
            return flush_notes(self.flush(), "autoflush"), []
        tables = tables_named(sql, staged)
        if not tables:
            return [], []
        unseen = f"staged objects of {', '.join(tables)} are not flushed, so this statement does not see them"
        return [], [unseen + " (\\flush, or \\autoflush on)"]

    def tables_changed(self) -> list[str]:
        """After DDL: map the tables afresh, unless staged objects still use the old classes."""
        if any(self.staged_counts()):
            return ["the tables changed, but the staged objects keep their old mapping (\\flush, then \\refresh)"]
        self.session.expunge_all()  # clean objects of the old classes: loaded again on use
        self.tables.reset()
        return []

    def refresh(self) -> tuple[list[str], list[str], list[str]]:
        """\\refresh: reflect every table again; refused while staged objects use the old classes."""
        if any(self.staged_counts()):
            raise UserError("cannot map the tables afresh while objects are staged", "\\flush or \\rollback first")
        self.session.expunge_all()
        return self.tables.reflect_all()

    def flush(self) -> list[str]:
        """Send the staged objects; returns the SQL the unit of work emitted."""
        self.require_usable()
        work = self._server_work()
        with self.capturing() as sql:
            try:
                self.session.flush()
            except SQLAlchemyError as exc:
                if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                    raise  # the caller's sync() tells the loss, and the staged objects it took
                if self.savepoints:
                    where = f"to savepoint {self.savepoints[-1].name}: the work since is lost"
                else:
                    where = f"the whole transaction: {work or 'nothing flushed before'} and the staged objects are lost"
                self._reraise(exc, f"the flush failed, so SQLAlchemy rolled back {where}")
        return sql
