"""Session mode follows the server: the half of ``SessionExecutor`` that reads
where the server says the session's transaction stands, and what it holds.

The server is the truth about the transaction. Once the session has begun one
(by ``\\get``, ``\\change``, a flush, plain SQL, ``\\begin``) it is shown as
open, because it is: it holds locks, and under REPEATABLE READ a snapshot.
After every statement and every command that used the connection, ``sync()``
reads the server's state (``serverstate``: a driver attribute, no query) and
follows it: the server ended the transaction (MariaDB's implicit commit,
SQLite's ON CONFLICT ROLLBACK, a COMMIT inside a statement), or the
connection is gone. Either is said once, in one line (``ended``'s words),
naming the work that went with it.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SAWarning
from sqlalchemy.orm import InstanceState, Session, SessionTransaction

from sqlshell.database import Database
from sqlshell.executors import serverstate
from sqlshell.executors.ended import Ended, explain, rolls_back
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.executors.transactional import TransactionRules
from sqlshell.output.streams import Output
from sqlshell.settings import Settings
from sqlshell.sqltext.classify import classified

LOST_HINT = "\\rollback to acknowledge; the next command uses a new connection"


class Nested(NamedTuple):
    """What a session savepoint keeps: its nested transaction, and the objects flushed before it."""

    txn: SessionTransaction
    flushed_before: frozenset[InstanceState[Any]]


class SessionFollower(TransactionRules[Nested]):
    """Set by ``SessionExecutor``: the session, and what the shell knows of its transaction."""

    db: Database
    settings: Settings
    output: Output
    session: Session
    lost: str | None  # the server work a lost connection took, until \\rollback
    server_ended: bool  # the server ended a transaction (-1: the script's); the shell resets it
    explicit: bool  # \\begin was given
    flushed: set[InstanceState[Any]]
    default_isolation: str
    _conn: Connection | None  # the transaction's connection
    _driver: Any  # its DBAPI connection (read after a failed COMMIT)
    _seen_open: bool  # the server was seen inside this transaction
    _hinted: bool  # the "it holds locks" note was given
    line_ran: list[str]  # a failed compound line: its statements up to the failed one

    def _reset(self) -> None:
        raise NotImplementedError

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

    def server_state(self, after_error: bool = False) -> ServerTxn | None:
        """The server's reading of the session's transaction; None when the
        session holds no connection (``after_error``: see ``serverstate.read``)."""
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
        return serverstate.read(driver, self.db.dialect, after_error)

    @property
    def failed(self) -> bool:
        if self.flush_failed or self.lost is not None:
            return True
        return self.server_state() in (ServerTxn.FAILED, ServerTxn.GONE)

    @property
    def in_transaction(self) -> bool:
        """A transaction is open on the server, whatever began it (a read too)."""
        return self.started is not None or self.flush_failed or self.lost is not None

    def _server_work(self) -> str | None:
        """What the server holds for the user in this transaction: flushed
        objects and SQL statements (reads are not work)."""
        parts = []
        if self.flushed:
            parts.append(f"{len(self.flushed)} flushed object{'s' if len(self.flushed) != 1 else ''}")
        if self.statements:
            parts.append(f"{self.statements} SQL statement{'s' if self.statements != 1 else ''}")
        return " and ".join(parts) or None

    def _discarded(self, flushed: set[InstanceState[Any]], statements: int = 0) -> str:
        staged = sum(self.staged_counts())
        total = staged + len(flushed)
        if not total and not statements:
            return "nothing was staged or flushed"
        text = f"discarded {total} object{'s' if total != 1 else ''} ({staged} staged, {len(flushed)} flushed)"
        return text + (f" and the work of {statements} SQL statement(s)" if statements else "")

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
        state = self.server_state(after_error=error is not None)
        if state is None or self.lost is not None:
            return [], []
        if state is ServerTxn.GONE:
            return [self._connection_lost()], []
        if rolls_back(error):
            # MariaDB's deadlock: InnoDB rolled the whole transaction back (whatever the reading says)
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
        mysql = self.db.dialect in ("mysql", "mariadb")
        return mysql and sql is not None and classified(sql).mysql_implicit_commit()

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
        ending = explain("mariadb" if mariadb else self.db.dialect, sql, error, self.line_ran if error else ())
        self.server_ended = True
        work = self._server_work()
        if ending.outcome is Ended.ROLLED_BACK:
            gone = self._discarded(self.flushed, self.statements)
            self._rollback_without_savepoints()
            return f"{ending.reason}; {gone}"
        self._close_keeping_staged()
        if not work:
            return f"{ending.reason} (it held only reads)"
        if ending.outcome is Ended.COMMITTED:
            return f"{ending.reason}: {work} committed; staged objects stay staged"
        return f"{ending.reason}: whether {work} committed cannot be known; check the data"

    def _rollback_without_savepoints(self) -> None:
        """The session's rollback, after the server rolled back the whole
        transaction: it took the savepoints too, and the session's ROLLBACK TO
        each would fail, so the connection's root transaction goes first (the
        session then finds its nested ones let go of, and says so: not to the user)."""
        if not self.savepoints or self._conn is None or self._conn.invalidated:
            self.session.rollback()
            return
        self._conn.rollback()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # "transaction already deassociated from connection"
            self.session.rollback()

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
            return f"\\rollback {self.savepoints[-1].name} returns to the savepoint, \\rollback undoes everything"
        return "\\rollback to go on"

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
