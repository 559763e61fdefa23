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

The server is the truth about the transaction. Once the session has begun one
(by ``\\get``, ``\\change``, a flush, plain SQL, ``\\begin``) it is shown as
open, because it is: it holds locks, and under REPEATABLE READ a snapshot.
After every statement and every command that used the connection, ``sync()``
reads the server's state (``serverstate``: a driver attribute, no query) and
follows it: the server ended the transaction (MariaDB's implicit commit,
SQLite's ON CONFLICT ROLLBACK, a COMMIT inside a statement), or the
connection is gone. Either is said once, in one line, naming the work that
went with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import InstanceState, Session, SessionTransaction
from sqlalchemy.util import immutabledict

from sqlshell.cancel import running
from sqlshell.database import Database
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError, driver_error, one_line
from sqlshell.executors import serverstate
from sqlshell.executors.common import run_statement
from sqlshell.executors.connection import TxnSnapshot
from sqlshell.executors.orm import StatementRecorder, Tables, flush_notes, keep_alive, tables_named
from sqlshell.executors.serverended import MYSQL_DEADLOCK, MYSQL_IMPLICIT_COMMIT, Ended, explain
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.output.streams import Output
from sqlshell.results import Outcome
from sqlshell.settings import Settings
from sqlshell.sqltext.tags import leading_words

if TYPE_CHECKING:
    from sqlshell.sqltext.pieces import Piece

LOST_HINT = "\\rollback to acknowledge; the next command uses a new connection"
READ_ONLY_ENDED = "the session's transaction held no changes of yours; it was rolled back"


class SessionExecutor:
    name = "session"

    def __init__(self, db: Database, settings: Settings, output: Output) -> None:
        self.db, self.settings, self.output = db, settings, output
        self.server_ended = False  # the server ended a transaction (-1: the script's); the shell resets it
        if not hasattr(db.engine.dialect, "default_isolation_level"):
            with db.engine.connect():  # the dialect learns the server's defaults on first connect
                pass
        self.default_isolation: str = db.default_isolation
        self.autoflush = False  # \autoflush: flush staged objects before each SQL statement
        self.session = Session(db.transactional_engine, autoflush=False)
        self.tables = Tables(db, self.session, lambda: self.started is not None)
        self._next_isolation: str | None = None
        self.lost: str | None = None  # the server work a lost connection took, until \\rollback
        self._driver: Any = None  # the DBAPI connection of the latest transaction (read after a failed COMMIT)
        self.recorder = StatementRecorder(db.engine, output.warn)
        self.capturing = self.recorder.recording
        event.listen(self.session, "after_begin", self._after_begin)
        event.listen(self.session, "after_flush", self._after_flush)
        event.listen(self.session, "after_transaction_end", self._after_transaction_end)
        keep_alive(self.session)
        self._reset()

    @property
    def on_error_rollback(self) -> bool:
        """An implicit savepoint around each statement in a transaction (read from the Settings)."""
        return self.settings.on_error_rollback

    def _reset(self) -> None:
        """The root transaction ended: forget what belonged to it."""
        self.started: float | None = None  # when the transaction got its connection
        self.isolation: str | None = None
        self.explicit = False  # \begin was given
        self.statements = 0  # typed SQL run in this transaction
        self.flushed: set[InstanceState[Any]] = set()
        self.savepoints: list[tuple[str, SessionTransaction, frozenset[InstanceState[Any]]]] = []
        self._sp_counter = 0
        self._conn: Connection | None = None  # the transaction's connection
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

    def _close_session(self) -> None:
        """``Session.close()``, also when the connection is gone (the server
        ended its transaction with it): SQLAlchemy has invalidated it by then,
        and a second close lets go of it."""
        try:
            self.session.close()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self.session.close()
        finally:
            self.lost = None

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

    def staged_counts(self) -> tuple[int, int, int]:
        """New, changed (net changes only: setting the old value is no change), deleted."""
        s = self.session
        return len(s.new), sum(1 for obj in s.dirty if s.is_modified(obj)), len(s.deleted)

    def _staged_states(self) -> set[InstanceState[Any]]:
        s = self.session
        return {inspect(obj) for obj in [*s.new, *s.dirty, *s.deleted] if obj not in s.dirty or s.is_modified(obj)}

    @property
    def flush_failed(self) -> bool:
        """A failed flush made SQLAlchemy roll back (to the savepoint, if any);
        it refuses all work until that transaction is rolled back."""
        txns = (self.session.get_transaction(), self.session.get_nested_transaction())
        return any(txn is not None and not txn.is_active for txn in txns)

    @property
    def driver_connection(self) -> Any:
        """The DBAPI connection the session's transaction holds, or None (asking
        never begins a transaction, unlike ``Session.connection()``)."""
        conn = self._conn
        if self.started is None or conn is None or conn.invalidated or conn.closed:
            return None
        return self._driver

    def server_state(self) -> ServerTxn | None:
        """The server's reading of the session's transaction; None when the
        session holds no connection."""
        conn = self._conn
        if self.started is None or conn is None:
            return None
        if self.session.get_transaction() is None:  # ended without telling us (a failed close)
            self._reset()
            return None
        if conn.invalidated or conn.closed:
            return ServerTxn.GONE
        try:
            driver = conn.connection.driver_connection
        except Exception:  # the connection went away under SQLAlchemy
            return ServerTxn.GONE
        return serverstate.read(driver, self.db.dialect)

    @property
    def failed(self) -> bool:
        if self.flush_failed or self.lost is not None:
            return True
        return self.server_state() in (ServerTxn.FAILED, ServerTxn.GONE)

    @property
    def in_transaction(self) -> bool:
        """A transaction is open on the server, whatever began it (a read too)."""
        return self.started is not None or self.flush_failed or self.lost is not None

    def snapshot(self) -> TxnSnapshot:
        self._follow_quietly()
        staged = self.staged_counts()
        if not self.in_transaction:
            return TxnSnapshot("idle", staged=staged)
        return TxnSnapshot(
            "failed" if self.failed else "open",
            tuple(name for name, _, _ in self.savepoints),
            self.isolation,
            self.statements,
            time.monotonic() - (self.started or time.monotonic()),
            lost=self.lost is not None,
            staged=staged,
        )

    def _server_work(self) -> str | None:
        """What the server holds for the user in this transaction: flushed
        objects and SQL statements (reads are not work)."""
        parts = []
        if self.flushed:
            parts.append(f"{len(self.flushed)} flushed object{'s' if len(self.flushed) != 1 else ''}")
        if self.statements:
            parts.append(f"{self.statements} SQL statement{'s' if self.statements != 1 else ''}")
        return " and ".join(parts) or None

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

    def require_usable(self) -> None:
        if self.lost is not None:
            raise UserError(
                f"the connection was lost, and the transaction with it ({self.lost}); nothing was run", LOST_HINT
            )
        if self.flush_failed:
            raise UserError("a flush failed, so the session refuses all work until it is rolled back", self._hint())

    def _end(self, finish: Any) -> None:
        """Commit or roll back; whatever happens, a lost connection is forgotten."""
        try:
            finish()
        finally:
            self.lost = None

    # -- following the server -----------------------------------------------------

    def sync(self, sql: str | None = None, error: BaseException | None = None) -> tuple[list[str], list[str]]:
        """Read where the server says the transaction stands and follow it;
        returns (warnings, notes) to tell. ``sql``/``error``: what just ran."""
        state = self.server_state()
        if state is None or self.lost is not None:
            return [], []
        if state is ServerTxn.GONE:
            return [self._connection_lost()], []
        if error is not None and self._rolled_back_by(error):
            # pymysql keeps the status of the last OK packet (an error packet has none): the error says it
            return [self._follow_end(sql, error)], []
        if state in (ServerTxn.OPEN, ServerTxn.FAILED):
            self._seen_open = True
        elif state is ServerTxn.IDLE and self.flush_failed and not self.savepoints:
            # SQLAlchemy itself rolled back after the failed flush (and said so): finish that
            self._end(self.session.rollback)
            return [], []
        elif state is ServerTxn.IDLE and self._ended_on_server(sql):
            return [self._follow_end(sql, error)], []
        return [], self._begun_hint()

    def _sync_failed(
        self, sql: str | None, error: BaseException, staged: tuple[int, int, int]
    ) -> tuple[list[str], list[str]]:
        """sync() after a failure; a lost connection also names the staged
        objects the failed flush took with it (``staged``: counted before)."""
        warnings, notes = self.sync(sql, error)
        if self.lost is not None and any(staged) and self.staged_counts() != staged:
            warnings.append("the staged objects ({} new, {} changed, {} deleted) were not saved".format(*staged))
        return warnings, notes

    def _follow_quietly(self) -> None:
        """The net under every path (prompt, \\status, commands of other modules):
        whatever sync() finds is said at once."""
        if self.started is None or self.lost is not None:
            return
        warnings, notes = self.sync()
        for line in warnings:
            self.output.warn(line)
        for line in notes:
            self.output.note(line)

    def _ended_on_server(self, sql: str | None) -> bool:
        """An IDLE reading means the transaction ended, once it reached the
        server: SQLite's BEGIN is sent at once; psycopg's with the first
        statement (a statement just ran, or the server was seen inside it);
        pymysql keeps the status of the last OK packet (a SELECT does not
        update it), so on MariaDB only a reading that saw the transaction
        before, or the answer to a statement that commits implicitly, counts."""
        if self.db.is_sqlite or self._seen_open or (self.db.is_postgres and sql is not None):
            return True
        words = sql.split(None, 1) if sql else []
        return self.db.dialect in ("mysql", "mariadb") and bool(words) and words[0].lower() in MYSQL_IMPLICIT_COMMIT

    def _rolled_back_by(self, error: BaseException) -> bool:
        """MariaDB's deadlock error: InnoDB has rolled the whole transaction back."""
        if self.db.dialect not in ("mysql", "mariadb"):
            return False
        return getattr(driver_error(error), "args", (None,))[:1] == (MYSQL_DEADLOCK,)

    def _begun_hint(self) -> list[str]:
        if self._hinted or self.explicit:
            return []
        self._hinted = True
        snapshot = self.db.is_sqlite or (self.isolation or "").upper() in ("REPEATABLE READ", "SERIALIZABLE")
        holds = "a snapshot and locks" if snapshot else "locks"
        return [
            f"the session's transaction is open on the server ({self.isolation}): it holds {holds} until "
            "\\commit or \\rollback"
        ]

    def _follow_end(self, sql: str | None, error: BaseException | None) -> str:
        """The server ended the transaction: end the session's too, and say what became of the work."""
        mariadb = getattr(self.db.engine.dialect, "is_mariadb", False)
        ending = explain("mariadb" if mariadb else self.db.dialect, sql, error)
        self.server_ended = True
        work = self._server_work()
        if ending.outcome is Ended.ROLLED_BACK:
            gone = self._discarded(self.flushed, self.statements)
            self.session.rollback()
            return f"{ending.reason}; {gone}"
        self._close_keeping_staged()
        if not work:
            return f"{ending.reason} (it held only reads)"
        if ending.outcome is Ended.COMMITTED:
            return f"{ending.reason}: {work} committed; staged objects stay staged"
        return f"{ending.reason}: whether {work} committed cannot be known; check the data"

    def _close_keeping_staged(self) -> None:
        """End the session's transaction without COMMIT's flush or ROLLBACK's
        expunge: what is staged stays staged for the next transaction; every
        other object is let go, so it is read again from the database."""
        transaction = self.session.get_transaction()
        if transaction is not None:
            transaction.close()
        staged = self._staged_states()
        for state in list(self.session.identity_map.all_states()):
            if state not in staged:
                self.session.expunge(state.obj())

    def _connection_lost(self) -> str:
        """The connection is gone, and the server's transaction with it."""
        work = self._server_work()
        if work is None:  # only reads: nothing of the user's went; staged objects stay
            self._close_keeping_staged()
            return (
                "the connection to the server was lost; its transaction held only reads: nothing of yours went with it"
            )
        self.lost = work
        return f"the connection to the server was lost, and the transaction with it, taking {work}"

    def _hint(self) -> str:
        if self.savepoints:
            return f"\\rollback {self.savepoints[-1][0]} returns to the savepoint, \\rollback undoes everything"
        return "\\rollback to go on"

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

        with self._statement(sql, lambda conn: run_compound(conn, sql, outcomes), [p.sql for p in parts]) as results:
            yield results

    @contextmanager
    def _statement(
        self, sql: str, execute: Callable[[Connection], list[Outcome]], statements: Sequence[str]
    ) -> Iterator[list[Outcome]]:
        """One user statement (or one compound line) in the session's transaction:
        autoflush or the unseen-staged warning first, the implicit savepoint of
        on-error-rollback around it, and the server's state followed after it,
        success or failure."""
        self.require_usable()
        self._refuse_implicit_commit(sql)
        staged = self.staged_counts()
        try:
            notes, warnings = self._before_statement(sql)
            conn = self.session.connection()
        except (SQLAlchemyError, UserError) as exc:
            self._tell(exc, *self._sync_failed(None, exc, staged))
            raise
        implicit = conn.begin_nested() if self.on_error_rollback and not self.failed else None
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
                and not self._ended_here()
            ):
                implicit.rollback()
                exc.add_note("rolled back to the implicit savepoint (on-error-rollback): the transaction is still open")
            self._tell(exc, *self._sync_failed(sql, exc, staged))
            raise
        # a COMMIT inside the line (PostgreSQL's compound) took the savepoint with it
        if implicit is not None and implicit.is_active and not self._ended_here():
            implicit.commit()
        told, hints = self.sync(sql)
        last = outcomes[-1]
        last.warnings += told
        last.notes += hints
        if any(leading_words(text, 1) in (["create"], ["drop"], ["alter"]) for text in statements):
            last.warnings += self.tables_changed()

    def _ended_here(self) -> bool:
        """Did the statement end the transaction on the server? Read only where the
        driver's reading is exact (pymysql's may be stale; its lines run piece by piece)."""
        return (self.db.is_postgres or self.db.is_sqlite) and self.server_state() is ServerTxn.IDLE

    def _refuse_implicit_commit(self, sql: str) -> None:
        """--single-transaction on MariaDB: a statement the server commits
        implicitly would commit part of the script; refused before it runs."""
        if not self.settings.single_transaction or self.db.dialect not in ("mysql", "mariadb"):
            return
        words = leading_words(sql, 1)
        if words and words[0] in MYSQL_IMPLICIT_COMMIT:
            raise UserError(
                f"{words[0].upper()} is not allowed with --single-transaction: MariaDB commits it implicitly",
                "run it outside the script's transaction",
            )

    def _tell(self, exc: BaseException, warnings: list[str], notes: list[str]) -> None:
        """What sync() found after a failure: on the error's own line where the
        pipeline shows notes of database errors, else as lines of their own."""
        for line in warnings:
            if isinstance(exc, DBAPIError):
                exc.add_note(line)
            else:
                self.output.warn(line)
        for line in notes:
            self.output.note(line)

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
                    where = f"to savepoint {self.savepoints[-1][0]}: the work since is lost"
                else:
                    where = f"the whole transaction: {work or 'nothing flushed before'} and the staged objects are lost"
                self._reraise(exc, f"the flush failed, so SQLAlchemy rolled back {where}")
        return sql

    def _reraise(self, exc: SQLAlchemyError, note: str) -> NoReturn:
        """A database error carries the note (the pipeline shows notes of those);
        any other error of the unit of work becomes one UserError line."""
        if isinstance(exc, DBAPIError):
            if not exc.connection_invalidated:  # a lost connection is told by sync(), once
                exc.add_note(note)
            raise exc
        raise UserError(f"{one_line(str(exc))} [{note}]", self._hint()) from exc

    def follow(self, action: Callable[[], Outcome], sql: str | None = None) -> Outcome:
        """Run a command that used the connection, then follow the server:
        what sync() finds goes with the outcome, or with the error."""
        staged = self.staged_counts()
        try:
            outcome = action()
        except (SQLAlchemyError, UserError) as exc:
            self._tell(exc, *self._sync_failed(sql, exc, staged))
            raise
        warnings, notes = self.sync(sql)
        outcome.warnings += warnings
        outcome.notes += notes
        return outcome

    # -- transaction commands ---------------------------------------------------

    def begin(self, isolation: str | None = None, read_only: bool = False, sqlite_mode: str | None = None) -> Outcome:
        self.require_usable()
        if self.started is not None and not (self.explicit or self.savepoints or self._server_work() or self.failed):
            self.explicit = True  # begun by reads (\get, reflection): the user's now
            note = "the session had begun its transaction to read; it stays open until \\commit or \\rollback"
            return Outcome(tag="BEGIN", notes=[note] + ([f"its isolation stays {self.isolation}"] if isolation else []))
        if self.in_transaction:
            return Outcome(
                tag="BEGIN", warnings=["WARNING: there is already a transaction in progress (nothing changed)"]
            )
        options: dict[str, Any] = {"isolation_level": isolation or self._next_isolation or self.default_isolation}
        if read_only and self.db.is_postgres:
            options["postgresql_readonly"] = True
        self.explicit = True
        return self.follow(lambda: self._begin_now(options, sqlite_mode))

    def _begin_now(self, options: dict[str, Any], sqlite_mode: str | None) -> Outcome:
        """Begin on the server now, as psql's BEGIN does (no snapshot yet):
        psycopg and MariaDB would otherwise send BEGIN with the first statement,
        and the prompt would say open while the server is idle."""
        conn = self.session.connection(execution_options=immutabledict(options))
        if self.db.is_postgres:
            psycopg_of(conn).execute("")  # psycopg sends its BEGIN (with the isolation level) before any query
        elif self.db.dialect in ("mysql", "mariadb"):
            driver = conn.connection.driver_connection
            assert driver is not None  # the connection was just checked out
            driver.begin()  # PyMySQL's own BEGIN (not in the DB-API)
        notes = ["the session begins a transaction by itself when it needs one; \\begin just began it now"]
        if sqlite_mode:
            notes.append(f"BEGIN {sqlite_mode} is not available in session mode: a plain BEGIN was sent")
        return Outcome(tag="BEGIN", notes=notes)

    def commit(self) -> Outcome:
        if self.lost is not None:
            work = self.lost
            self._end(self.session.rollback)
            raise UserError(
                f"nothing was committed: the connection was lost, and the transaction with it ({work})",
                "the next command uses a new connection",
            )
        if self.failed:
            self._end(self.session.rollback)
            return Outcome(
                tag="ROLLBACK", warnings=["the transaction had failed, so it was rolled back, not committed"]
            )
        objects = len(self.flushed | self._staged_states())
        work = self._server_work() or "its work"
        with self.capturing() as sql:
            try:
                if self._driver is not None and self.started is not None:
                    running.started(self._driver)  # Ctrl-C cancels the COMMIT on the server
                self.session.commit()
            except KeyboardInterrupt:
                self.output.warn(self._after_failed_commit("interrupted during COMMIT", work))
                self._reset_after_failure()
                raise
            except SQLAlchemyError as exc:
                note = self._after_failed_commit("COMMIT failed", work)
                self._reset_after_failure()
                if isinstance(exc, DBAPIError):
                    exc.add_note(note)
                    raise
                raise UserError(f"{one_line(str(exc))} [{note}]") from exc
        notes = flush_notes(sql, "flushed before COMMIT")
        if objects:
            notes.append(f"committed {objects} object{'s' if objects != 1 else ''} with the transaction")
        return Outcome(tag="COMMIT", notes=notes)

    def _after_failed_commit(self, what: str, work: str) -> str:
        """What the server says became of a COMMIT that did not return."""
        state = serverstate.read(self._driver, self.db.dialect) if self._driver is not None else ServerTxn.UNKNOWN
        if state in (ServerTxn.IDLE, ServerTxn.FAILED):
            return f"{what}: the server rolled the transaction back; {work} and the staged objects are lost"
        if state is ServerTxn.OPEN:
            return f"{what}: the transaction is still open on the server; the shell rolls it back"
        return (
            f"{what}, and the connection is gone: whether the transaction ({work}) committed cannot be known; "
            "check the data"
        )

    def _reset_after_failure(self) -> None:
        """After a COMMIT that failed or was interrupted: a fresh start."""
        try:
            self._end(self.session.rollback)
        except Exception:  # the connection is gone: the server has ended the transaction already
            self._close_session()

    def rollback(self) -> Outcome:
        if self.lost is not None:
            work = self.lost
            self._end(self.session.rollback)
            note = f"the lost transaction is acknowledged ({work} went with the connection); a new connection is next"
            return Outcome(tag="ROLLBACK", notes=[note])
        discarded = self._discarded(self.flushed, self.statements)
        try:
            self._end(self.session.rollback)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self._close_session()  # gone: the server rolled the transaction back when the connection went
            discarded += "; the connection was lost: the server rolled back when it went"
        return Outcome(tag="ROLLBACK", notes=[discarded])

    def _discarded(self, flushed: set[InstanceState[Any]], statements: int = 0) -> str:
        staged = sum(self.staged_counts())
        total = staged + len(flushed)
        if not total and not statements:
            return "nothing was staged or flushed"
        text = f"discarded {total} object{'s' if total != 1 else ''} ({staged} staged, {len(flushed)} flushed)"
        return text + (f" and the work of {statements} SQL statement(s)" if statements else "")

    # -- savepoints: session.begin_nested() ---------------------------------------

    def _find(self, name: str | None) -> int:
        if not self.savepoints:
            raise UserError("there is no savepoint", "\\savepoint [NAME] makes one")
        for i in range(len(self.savepoints) - 1, -1, -1):
            if name is None or self.savepoints[i][0] == name:
                return i
        names = ", ".join(n for n, _, _ in self.savepoints)
        raise UserError(f"savepoint {name!r} does not exist", f"open savepoints: {names}")

    def savepoint(self, name: str | None = None) -> Outcome:
        self.require_usable()
        if name is None:
            self._sp_counter += 1
            name = f"sp{self._sp_counter}"
        return self.follow(lambda: self._savepoint(name))

    def _savepoint(self, name: str) -> Outcome:
        with self.capturing() as sql:
            try:
                nested = self.session.begin_nested()  # flushes first, always
            except SQLAlchemyError as exc:
                self._reraise(exc, "begin_nested() flushes first, and that flush failed: the work since is lost")
        self.savepoints.append((name, nested, frozenset(self.flushed)))
        return Outcome(tag="SAVEPOINT", notes=flush_notes(sql, "begin_nested() flushed the staged objects"))

    def release(self, name: str | None = None) -> Outcome:
        self.require_usable()
        idx = self._find(name)
        return self.follow(lambda: self._release(idx))

    def _release(self, idx: int) -> Outcome:
        with self.capturing() as sql:
            try:
                while len(self.savepoints) > idx:
                    self.savepoints[-1][1].commit()  # flushes first
                    self.savepoints.pop()
            except SQLAlchemyError as exc:
                self._reraise(exc, "RELEASE flushes first, and that flush failed: the work since is lost")
        return Outcome(tag="RELEASE", notes=flush_notes(sql, "flushed before RELEASE"))

    def rollback_to(self, name: str | None) -> Outcome:
        """Undo the work since savepoint NAME; like PostgreSQL, NAME stays."""
        if self.lost is not None:
            self.require_usable()
        idx = self._find(name)
        return self.follow(lambda: self._rollback_to(idx))

    def _rollback_to(self, idx: int) -> Outcome:
        sp_name, _, flushed_before = self.savepoints[idx]
        discarded = self._discarded(self.flushed - flushed_before)
        self.savepoints[idx][1].rollback()  # and the savepoints inside it
        del self.savepoints[idx:]
        self.flushed = set(flushed_before)
        self.savepoints.append((sp_name, self.session.begin_nested(), flushed_before))
        return Outcome(tag="ROLLBACK", notes=[discarded])
