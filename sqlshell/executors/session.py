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
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from sqlalchemy import event, inspect
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import InstanceState, Session, SessionTransaction

from sqlshell.database import Database
from sqlshell.errors import UserError, one_line
from sqlshell.executors.common import run_statement
from sqlshell.executors.connection import TxnSnapshot
from sqlshell.executors.orm import StatementRecorder, Tables, flush_notes, keep_alive, tables_named
from sqlshell.output import Output
from sqlshell.results import Outcome
from sqlshell.settings import Settings
from sqlshell.tags import leading_words


class SessionExecutor:
    name = "session"

    def __init__(self, db: Database, settings: Settings, output: Output) -> None:
        self.db, self.settings, self.output = db, settings, output
        self.on_error_rollback = settings.on_error_rollback
        if not hasattr(db.engine.dialect, "default_isolation_level"):
            with db.engine.connect():  # the dialect learns the server's defaults on first connect
                pass
        self.default_isolation: str = db.default_isolation
        self.autoflush = False  # \autoflush: flush staged objects before each SQL statement
        self.session = Session(db.transactional_engine, autoflush=False)
        self.tables = Tables(db, self.session, lambda: self.started is not None)
        self._next_isolation: str | None = None
        self.recorder = StatementRecorder(db.engine, output.warn)
        self.capturing = self.recorder.recording
        event.listen(self.session, "after_begin", self._after_begin)
        event.listen(self.session, "after_flush", self._after_flush)
        event.listen(self.session, "after_transaction_end", self._after_transaction_end)
        keep_alive(self.session)
        self._reset()

    def _reset(self) -> None:
        """The root transaction ended: forget what belonged to it."""
        self.started: float | None = None  # when the transaction got its connection
        self.isolation: str | None = None
        self.explicit = False  # \begin was given
        self.statements = 0  # typed SQL run in this transaction
        self.flushed: set[InstanceState[Any]] = set()
        self.savepoints: list[tuple[str, SessionTransaction, frozenset[InstanceState[Any]]]] = []
        self._sp_counter = 0
        self.session.bind = self._bind()

    def close(self) -> None:
        """Roll back whatever is left (the caller has dealt with open work)."""
        self.session.close()
        self.recorder.close()

    # -- SQLAlchemy's events ------------------------------------------------------

    def _after_begin(self, session: Session, transaction: SessionTransaction, connection: Any) -> None:
        if self.started is None:
            self.started = time.monotonic()
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
    def failed(self) -> bool:
        if self.flush_failed:
            return True
        if self.started is None or not self.db.is_postgres:
            return False
        from psycopg.pq import TransactionStatus

        try:  # the connection this transaction already holds: no new BEGIN
            driver = self.session.connection().connection.driver_connection
            return driver.info.transaction_status == TransactionStatus.INERROR
        except Exception:  # an invalidated connection: the transaction is gone
            return True

    @property
    def in_transaction(self) -> bool:
        """Open for the user: work was sent or asked for, not merely read."""
        if self.started is None:
            return self.flush_failed
        return bool(self.explicit or self.flushed or self.statements or self.savepoints) or self.failed

    def snapshot(self) -> TxnSnapshot:
        staged = self.staged_counts()
        if not self.in_transaction:
            return TxnSnapshot("idle", staged=staged)
        return TxnSnapshot(
            "failed" if self.failed else "open",
            tuple(name for name, _, _ in self.savepoints),
            self.isolation,
            self.statements,
            time.monotonic() - (self.started or time.monotonic()),
            staged=staged,
        )

    def open_work(self) -> str | None:
        """What leaving the mode or exiting would lose, or None."""
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
        self.session.rollback()
        return work

    def require_usable(self) -> None:
        if self.flush_failed:
            raise UserError("a flush failed, so the session refuses all work until it is rolled back", self._hint())

    def _hint(self) -> str:
        if self.savepoints:
            return f"\\rollback {self.savepoints[-1][0]} returns to the savepoint, \\rollback undoes everything"
        return "\\rollback to go on"

    # -- statements -------------------------------------------------------------

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        self.require_usable()
        notes, warnings = self._before_statement(sql)
        conn = self.session.connection()
        implicit = conn.begin_nested() if self.on_error_rollback and not self.failed else None
        self.statements += 1
        try:
            outcome = run_statement(conn, sql, copy_data=copy_data, data_line=data_line)
            outcome.notes[:0], outcome.warnings[:0] = notes, warnings
            yield outcome
        except DBAPIError as exc:
            if implicit is not None and implicit.is_active and not exc.connection_invalidated:
                implicit.rollback()
                exc.add_note("rolled back to the implicit savepoint (on-error-rollback): the transaction is still open")
            raise
        if implicit is not None:
            implicit.commit()
        if leading_words(sql, 1) in (["create"], ["drop"], ["alter"]):
            outcome.warnings += self.tables_changed()

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
        staged = "{} new, {} changed, {} deleted".format(*self.staged_counts())
        with self.capturing() as sql:
            try:
                self.session.flush()
            except SQLAlchemyError as exc:
                if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                    self._reraise(
                        exc,
                        f"the connection to the server was lost: the staged objects ({staged}) were not saved, "
                        "and the transaction with everything flushed before is gone",
                    )
                where = f"to savepoint {self.savepoints[-1][0]}" if self.savepoints else "the whole transaction"
                self._reraise(exc, f"the flush failed, so SQLAlchemy rolled back {where}: the work since is lost")
        return sql

    def _reraise(self, exc: SQLAlchemyError, note: str) -> NoReturn:
        """A database error carries the note (the pipeline shows notes of those);
        any other error of the unit of work becomes one UserError line."""
        if isinstance(exc, DBAPIError):
            exc.add_note(note)
            raise exc
        raise UserError(f"{one_line(str(exc))} [{note}]", self._hint()) from exc

    # -- transaction commands ---------------------------------------------------

    def begin(self, isolation: str | None = None, read_only: bool = False, sqlite_mode: str | None = None) -> Outcome:
        self.require_usable()
        if self.in_transaction:
            return Outcome(
                tag="BEGIN", warnings=["WARNING: there is already a transaction in progress (nothing changed)"]
            )
        if self.started is not None:  # begun by reads (\get, reflection): the user's now
            self.explicit = True
            note = "the session had begun its transaction to read; it stays open until \\commit or \\rollback"
            return Outcome(tag="BEGIN", notes=[note] + ([f"its isolation stays {self.isolation}"] if isolation else []))
        options: dict[str, Any] = {"isolation_level": isolation or self._next_isolation or self.default_isolation}
        if read_only and self.db.is_postgres:
            options["postgresql_readonly"] = True
        self.session.connection(execution_options=options)  # begins now, with these options
        self.explicit = True
        notes = ["the session begins a transaction by itself when it needs one; \\begin just began it now"]
        if sqlite_mode:
            notes.append(f"BEGIN {sqlite_mode} is not available in session mode: a plain BEGIN was sent")
        return Outcome(tag="BEGIN", notes=notes)

    def commit(self) -> Outcome:
        if self.failed:
            self.session.rollback()
            return Outcome(
                tag="ROLLBACK", warnings=["the transaction had failed, so it was rolled back, not committed"]
            )
        objects = len(self.flushed | self._staged_states())
        with self.capturing() as sql:
            try:
                self.session.commit()
            except SQLAlchemyError as exc:
                self.session.rollback()
                self._reraise(exc, "COMMIT failed: the transaction was rolled back and the staged work lost")
        notes = flush_notes(sql, "flushed before COMMIT")
        if objects:
            notes.append(f"committed {objects} object{'s' if objects != 1 else ''} with the transaction")
        return Outcome(tag="COMMIT", notes=notes)

    def rollback(self) -> Outcome:
        discarded = self._discarded(self.flushed, self.statements)
        self.session.rollback()
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
        idx = self._find(name)
        sp_name, _, flushed_before = self.savepoints[idx]
        discarded = self._discarded(self.flushed - flushed_before)
        self.savepoints[idx][1].rollback()  # and the savepoints inside it
        del self.savepoints[idx:]
        self.flushed = set(flushed_before)
        self.savepoints.append((sp_name, self.session.begin_nested(), flushed_before))
        return Outcome(tag="ROLLBACK", notes=[discarded])
