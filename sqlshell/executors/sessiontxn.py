"""Session mode's transaction commands: ``\\begin``, ``\\commit``, ``\\rollback``
and savepoints, the half of ``SessionExecutor`` that ends or nests the
Session's transaction.

Each runs through ``follow``: the command, then the server's state read and
followed (``sessionfollow``), so a command that the server answered by
ending the transaction is told as such. The savepoint rules (names, finding
them, ``\\rollback NAME`` keeping NAME) are ``TransactionRules``'; here is only
how the session nests: ``Session.begin_nested()``, which flushes first.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.util import immutabledict

from sqlshell.cancel import running
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError, one_line
from sqlshell.executors import serverstate
from sqlshell.executors.ended import CLOSED_WHILE_IDLE, closed_while_idle
from sqlshell.executors.orm import flush_notes
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.executors.sessionfollow import LOST_HINT, Nested, SessionFollower
from sqlshell.executors.transactional import Savepoint
from sqlshell.results import Outcome


class SessionCommands(SessionFollower):
    """Set by ``SessionExecutor``: how it captures the SQL a flush emits."""

    capturing: Callable[[], AbstractContextManager[list[str]]]
    _next_isolation: str | None
    _committing = False  # \commit got past its flush: COMMIT itself was sent

    def require_usable(self) -> None:
        if self.lost is not None:
            raise UserError(
                f"the connection was lost, and the transaction with it ({self.lost}); nothing was run", LOST_HINT
            )
        if self.flush_failed:
            raise UserError("a flush failed, so the session refuses all work until it is rolled back", self._hint())

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
            return self._already_open()
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
            return self._rolled_back_failed()
        objects = len(self.flushed | self._staged_states())
        work = self._server_work() or "its work"
        self._committing = False
        with self.capturing() as sql:
            try:
                if self._driver is not None and self.started is not None:
                    running.started(self._driver)  # Ctrl-C cancels the COMMIT on the server
                self.session.flush()  # what fails here fails before COMMIT is sent
                self._committing = True
                self.session.commit()
            except KeyboardInterrupt:
                self.output.warn(self._after_failed_commit("interrupted during COMMIT", work))
                self._reset_after_failure()
                raise
            except SQLAlchemyError as exc:
                note = self._after_failed_commit("COMMIT failed", work)
                if closed_while_idle(exc):
                    note = f"{CLOSED_WHILE_IDLE} ({work} and the staged objects are lost)"
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
        if not self._committing:  # the flush before it failed: COMMIT was never sent
            return (
                f"{what} (its flush lost the connection): the transaction was not committed; "
                f"{work} and the staged objects are lost"
            )
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

    # -- savepoints: session.begin_nested() ---------------------------------------

    def _usable(self, what: str) -> None:
        self.require_usable()

    def _usable_to_roll_back(self, what: str) -> None:
        """ROLLBACK TO is the way out of a failed flush: only a lost connection refuses it."""
        if self.lost is not None:
            self.require_usable()

    def _level_savepoint(self, name: str) -> Outcome:
        return self.follow(lambda: self._savepoint(name))

    def _savepoint(self, name: str) -> Outcome:
        with self.capturing() as sql:
            try:
                nested = self.session.begin_nested()  # flushes first, always
            except SQLAlchemyError as exc:
                self._reraise(exc, "begin_nested() flushes first, and that flush failed: the work since is lost")
        self.savepoints.append(Savepoint(name, Nested(nested, frozenset(self.flushed))))
        return Outcome(tag="SAVEPOINT", notes=flush_notes(sql, "begin_nested() flushed the staged objects"))

    def _level_release(self, idx: int) -> Outcome:
        return self.follow(lambda: self._release(idx))

    def _release(self, idx: int) -> Outcome:
        with self.capturing() as sql:
            try:
                while len(self.savepoints) > idx:
                    self.savepoints[-1].mark.txn.commit()  # flushes first
                    self.savepoints.pop()
            except SQLAlchemyError as exc:
                self._reraise(exc, "RELEASE flushes first, and that flush failed: the work since is lost")
        return Outcome(tag="RELEASE", notes=flush_notes(sql, "flushed before RELEASE"))

    def _level_rollback_to(self, idx: int) -> Outcome:
        return self.follow(lambda: self._rollback_to(idx))

    def _rollback_to(self, idx: int) -> Outcome:
        name, (nested, flushed_before) = self.savepoints[idx].name, self.savepoints[idx].mark
        discarded = self._discarded(self.flushed - flushed_before)
        nested.rollback()  # and the savepoints inside it
        del self.savepoints[idx:]
        self.flushed = set(flushed_before)
        self.savepoints.append(Savepoint(name, Nested(self.session.begin_nested(), flushed_before)))
        return Outcome(tag="ROLLBACK", notes=[discarded])
