"""Connection mode: one held Connection, transactions begun and ended by the user.

Everything here is SQLAlchemy's Connection API: ``begin()`` returns the root
Transaction, ``begin_nested()`` a SAVEPOINT, ``commit()``/``rollback()`` end
them, ``invalidated`` tells a lost connection. The shell adds names for
savepoints and the rules a person expects:

* outside ``\\begin`` the connection runs in AUTOCOMMIT, so each statement is
  committed by the server the moment it succeeds;
* ``\\begin`` switches the connection to the chosen isolation level and begins;
  ``\\commit``/``\\rollback`` end the transaction and return to AUTOCOMMIT;
* the driver is asked, after every statement, where the server thinks the
  transaction stands (psycopg's ``transaction_status``, sqlite3's
  ``in_transaction``), so the shell's state never drifts from the server's
  (``connfollow``).

The savepoint rules are ``TransactionRules``' (``transactional``); here is
only how the held connection does them: SQL with the user's names.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, NestedTransaction
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from sqlshell.cancel import running
from sqlshell.database import BEGIN_KEY, Database
from sqlshell.errors import UserError
from sqlshell.executors.common import run_statement
from sqlshell.executors.compound import run_compound
from sqlshell.executors.connfollow import OPEN, FollowsServer, touches_savepoints
from sqlshell.executors.contract import IDLE, TxnSnapshot
from sqlshell.executors.ended import CLOSED_WHILE_IDLE, closed_while_idle, ends, first_line
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.executors.transactional import NO_TRANSACTION, Savepoint
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.settings import Settings
    from sqlshell.sqltext.pieces import Piece

LOST_HINT = "\\rollback to acknowledge, then \\begin again"


class ConnectionExecutor(FollowsServer):
    name = "connection"

    def __init__(self, db: Database, settings: Settings, conn: Connection | None = None) -> None:
        """``conn``: a connection engine mode found inside a server transaction,
        handed over so the transaction is held, not returned to the pool."""
        self.db = db
        self.settings = settings
        self.next_isolation = None
        self._open(conn)

    # -- life cycle -----------------------------------------------------------

    def _open(self, conn: Connection | None = None) -> None:
        self.conn = conn if conn is not None else self.db.engine.connect()
        self.default_isolation = self.conn.default_isolation_level or "READ COMMITTED"
        if conn is None:  # a handed-over connection is in the pool's AUTOCOMMIT already
            self.conn.execution_options(isolation_level="AUTOCOMMIT")
        self.txn = None
        self.savepoints = []
        self.isolation = None
        self.started = None
        self.statements = 0
        self.lost = False
        self.loss_told = False
        self.maybe_committed = False  # lost in a line after its COMMIT: the outcome is unknown
        self._read_only = False
        self._sp_counter = 0
        self.drift = []  # what the server did behind the shell's back, to be told
        if conn is not None and self.server() in OPEN:
            self._adopt()
            self.adopted_blind = True  # follow() learns the line next

    def close(self, reset: bool = False) -> str | None:
        """Give the connection back to the pool (the caller has dealt with any
        transaction); ``reset`` (leaving the mode) first, so nothing set here
        (``SET``, temporary tables, prepared statements) leaks into engine mode.
        Returns what was done."""
        if self.txn is not None:
            self._end(self.txn.rollback)
        told = None
        if reset and not self.conn.invalidated:
            told = self._reset()
        self.conn.close()
        return told

    def _reset(self) -> str | None:
        if self.db.is_postgres:
            try:
                self.conn.exec_driver_sql("DISCARD ALL")
                if self.conn.in_transaction():
                    self.conn.commit()  # AUTOCOMMIT: only SQLAlchemy's bookkeeping
            except SQLAlchemyError:
                self.conn.invalidate()
                return "the connection could not be reset, so it was closed"
            return "connection reset (DISCARD ALL) and returned to the pool"
        if self.db.is_sqlite and self.db.url.database in (None, "", ":memory:"):
            return None  # the one in-memory database lives in this connection
        # pymysql has no COM_RESET_CONNECTION; SQLite cannot reset: closing is the reset
        self.conn.invalidate()
        return "connection closed, so its session settings do not reach engine mode"

    @property
    def in_transaction(self) -> bool:
        return self.txn is not None

    def open_work(self) -> str | None:
        """What a mode change or exit would lose, or None."""
        return self.snapshot().summary() if self.txn is not None else None

    def discard(self) -> str | None:
        """Roll back whatever is open; say what was discarded."""
        work = self.open_work()
        if work is not None:
            self.rollback()
        return work

    # -- state ----------------------------------------------------------------

    def snapshot(self) -> TxnSnapshot:
        if self.txn is None:
            return IDLE
        if not self.lost and self.conn.invalidated:  # gone with no statement to find it (a Ctrl-C)
            self.lost = True
        return self._open_snapshot(self.lost, maybe_committed=self.maybe_committed)

    # -- statements -----------------------------------------------------------

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        self.failed_at = 0  # the line's pieces come one by one: this one is the first of the rest
        with self._statement():
            yield run_statement(self.conn, sql, copy_data=copy_data, data_line=data_line)
        self.failed_at = None

    @contextmanager
    def run_many(
        self, sql: str, parts: Sequence[Piece], outcomes: list[Outcome] | None = None
    ) -> Iterator[list[Outcome]]:
        """A compound line as one query string (PostgreSQL: as psql sends it);
        the savepoints it set or released are followed. ``outcomes``: see run_compound."""
        outcomes = [] if outcomes is None else outcomes
        # a line that sets or releases savepoints itself gets no implicit one (psql
        # neither releases its own then): RELEASE of an older savepoint takes the
        # implicit one with it, and releasing the implicit one takes the line's
        implicit = not any(touches_savepoints(p) for p in parts)
        with self._statement(implicit):
            try:
                run_compound(self.conn, sql, outcomes)
            except DBAPIError as exc:
                self.failed_at = len(outcomes)  # the results before the failed statement came back
                if not implicit and self.on_error_rollback and self.txn is not None:
                    exc.add_note("on-error-rollback: no implicit savepoint around a line with savepoint commands")
                # PostgreSQL ran the line's COMMIT before the connection died, or not:
                # which cannot be known, so the loss must not be told as a rollback
                if self.txn is not None and self.conn.invalidated and any(ends(p) for p in parts):
                    self.maybe_committed = True
                if self.txn is not None and not self.conn.invalidated:
                    self._follow_savepoints(parts[: len(outcomes)])  # those before the failed one ran
                raise
            self._follow_savepoints(parts)
            yield outcomes

    @contextmanager
    def _statement(self, implicit: bool = True) -> Iterator[None]:
        """One statement (or compound line); ``implicit``: on-error-rollback may wrap it."""
        if self.lost:
            raise UserError("the transaction was lost with its connection; this statement was not run", LOST_HINT)
        if self.txn is None:
            try:
                yield
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    self._reopen()
                    raise UserError(
                        f"the connection was lost ({first_line(exc)}); a new one is open "
                        "and the statement was not run again",
                        "session settings and temporary tables of the old connection are gone",
                    ) from exc
                raise
            finally:
                # AUTOCOMMIT: ends SQLAlchemy's autobegun bookkeeping, unless the
                # server is inside a transaction the statement opened (follow adopts it)
                if not self.conn.invalidated and self.conn.in_transaction() and self.server() not in OPEN:
                    self.conn.commit()
            return
        implicit_sp = self._implicit_savepoint(self.conn) if implicit else None
        self.statements += 1
        try:
            yield
        except DBAPIError as exc:
            self._after_error(exc, implicit_sp)
            raise
        if implicit_sp is not None and implicit_sp.is_active and self.server() is ServerTxn.OPEN:
            implicit_sp.commit()

    def _after_error(self, exc: DBAPIError, implicit: NestedTransaction | None) -> None:
        if exc.connection_invalidated or self.conn.invalidated:
            self.lost = True
            return
        if implicit is not None and implicit.is_active and self.server(after_error=True) in OPEN:
            self._undo_implicit(implicit, exc)

    def _lost(self, exc: DBAPIError, what: str) -> UserError:
        """The connection went away under a transaction command."""
        self.lost = self.loss_told = True
        return UserError(
            f"the connection was lost ({first_line(exc)}): {what} did not run and the transaction is gone",
            LOST_HINT,
        )

    # -- transaction commands ---------------------------------------------------

    def begin(self, isolation: str | None = None, read_only: bool = False, sqlite_mode: str | None = None) -> Outcome:
        if self.lost:
            raise UserError("the transaction was lost with its connection", LOST_HINT)
        if self.txn is not None:
            return self._already_open()
        if self.conn.in_transaction():
            self.conn.commit()
        level = isolation or self.next_isolation or self.default_isolation
        options: dict[str, Any] = {"isolation_level": level}
        if self.db.is_postgres and (read_only or self._read_only):
            options["postgresql_readonly"] = self._read_only = read_only
        self.conn.execution_options(**options)
        if sqlite_mode and self.db.is_sqlite:
            self.conn.info[BEGIN_KEY] = f"BEGIN {sqlite_mode}"
        try:
            self.txn = self.conn.begin()
            # The drivers begin lazily; the server must be in the transaction now, as
            # after psql's BEGIN, so what it shows (pg_stat_activity, the state read
            # after this command) is the transaction the prompt shows.
            if self.db.is_postgres:
                self._begin_now_psycopg()
            elif self.db.dialect in ("mysql", "mariadb"):
                self.conn.exec_driver_sql("START TRANSACTION READ ONLY" if read_only else "START TRANSACTION")
        except (SQLAlchemyError, UserError):  # SQLite's "database is locked": no transaction was begun
            self.txn = None
            if not self.conn.invalidated:
                self._autocommit()
            raise
        self.next_isolation = None
        self.isolation = level
        self.started = time.monotonic()
        self.statements = 0
        return Outcome(tag="BEGIN")

    def commit(self) -> Outcome:
        if self.txn is None:
            return Outcome(tag="COMMIT", warnings=[NO_TRANSACTION])
        if self.lost:
            unknown = self.maybe_committed
            self._end(self.txn.rollback)
            return Outcome(
                tag="ROLLBACK",
                warnings=[
                    "the connection was lost after a COMMIT: whether the transaction was committed cannot be known"
                    if unknown
                    else "the transaction was lost with its connection: nothing was committed"
                ],
            )
        if self.failed:
            self._end(self.txn.rollback)
            return self._rolled_back_failed()
        dbapi = self.conn.connection.dbapi_connection
        running.started(dbapi)  # Ctrl-C cancels the COMMIT on the server (deferred triggers, a slow fsync)
        try:
            self._end(self.txn.commit, on_error=self._commit_failed)
        except DBAPIError as exc:
            exc.add_note(CLOSED_WHILE_IDLE if closed_while_idle(exc) else self._commit_outcome)
            raise
        except KeyboardInterrupt as exc:
            raise UserError(f"COMMIT was interrupted: {self._commit_outcome}") from exc
        finally:
            running.connection = None
        return Outcome(tag="COMMIT")

    _commit_outcome = ""

    def _commit_failed(self) -> None:
        """Before the failed COMMIT's connection is replaced: what did the server do?"""
        state = self.server()
        if state is ServerTxn.IDLE:
            self._commit_outcome = "COMMIT failed: the transaction was rolled back"
        elif state in OPEN:
            # SQLAlchemy let go of the transaction with the failed COMMIT, the driver did
            # not (SQLite's "database is locked"): roll it back there, or the switch back
            # to AUTOCOMMIT would commit it (Python's sqlite3 commits then)
            driver: Any = self.conn.connection.dbapi_connection
            self._quiet(driver.rollback)
            if self.server() in OPEN:
                self.conn.invalidate()  # closing the connection discards the transaction
            self._commit_outcome = "COMMIT did not finish: the transaction was rolled back"
        else:
            self._commit_outcome = (
                "the connection was lost during COMMIT: whether the transaction was committed cannot be known"
            )

    def rollback(self) -> Outcome:
        if self.txn is None:
            return Outcome(tag="ROLLBACK", warnings=[NO_TRANSACTION])
        notes = ["the lost transaction is acknowledged; a new connection is open"] if self.lost else []
        try:
            self._end(self.txn.rollback)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # found only now (_end has opened a new connection): what was asked for happened
            notes = ["the connection was lost: the server rolled back when it went; a new connection is open"]
        return Outcome(tag="ROLLBACK", notes=notes)

    def _end(self, finish: Callable[[], Any], on_error: Callable[[], None] | None = None) -> None:
        """Commit or roll back the root transaction, then return to AUTOCOMMIT,
        whatever happens (a failed COMMIT has ended the transaction too)."""
        try:
            if self.lost or self.conn.invalidated:
                self._quiet(finish)  # the server took the transaction with the connection
            else:
                finish()
        except BaseException:
            if on_error is not None:
                on_error()
            raise
        finally:
            self.txn = None
            self.savepoints = []
            self.isolation = None
            self.started = None
            self.statements = 0
            if self.lost or self.conn.invalidated:
                self._reopen()
            else:
                self._autocommit()

    def _autocommit(self) -> None:
        """Back to AUTOCOMMIT after a transaction, or a BEGIN that failed."""
        if self.conn.get_transaction() is not None:  # a failed COMMIT leaves it to be rolled back
            self._quiet(self.conn.rollback)
        self.conn.info.pop(BEGIN_KEY, None)
        options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
        if self._read_only:
            options["postgresql_readonly"] = self._read_only = False
        self.conn.execution_options(**options)

    def _reopen(self) -> None:
        with contextlib.suppress(Exception):  # the old connection is unusable; closing is best effort
            self.conn.close()
        drift = self.drift
        self._open()
        self.drift = drift

    # -- savepoints: SQL with the user's names on the held connection -----------------

    def _usable(self, what: str) -> None:
        if self.txn is None:
            raise UserError(f"{what} can only be used in a transaction", "\\begin first")
        if self.lost:
            raise UserError("the transaction was lost with its connection", LOST_HINT)

    def _send(self, sql: str, what: str) -> None:
        """A savepoint command, with the user's savepoint name, on the held connection."""
        try:
            self.conn.exec_driver_sql(sql)
        except DBAPIError as exc:
            if exc.connection_invalidated or self.conn.invalidated:
                raise self._lost(exc, what) from exc
            raise

    def _quoted(self, name: str) -> str:
        return self.conn.dialect.identifier_preparer.quote_identifier(name)

    def _level_savepoint(self, name: str) -> Outcome:
        self._send(f"SAVEPOINT {self._quoted(name)}", "SAVEPOINT")
        # MariaDB moves the name to the new savepoint; PostgreSQL and SQLite keep
        # both (RELEASE and ROLLBACK TO find the newer)
        if self.db.dialect in ("mysql", "mariadb"):
            self.savepoints = [sp for sp in self.savepoints if sp.name != name]
        self.savepoints.append(Savepoint(name, None))
        return Outcome(tag="SAVEPOINT")

    def _level_release(self, idx: int) -> Outcome:
        self._send(f"RELEASE SAVEPOINT {self._quoted(self.savepoints[idx].name)}", "RELEASE SAVEPOINT")
        del self.savepoints[idx:]
        return Outcome(tag="RELEASE")

    def _level_rollback_to(self, idx: int) -> Outcome:
        self._send(f"ROLLBACK TO SAVEPOINT {self._quoted(self.savepoints[idx].name)}", "ROLLBACK TO SAVEPOINT")
        del self.savepoints[idx + 1 :]
        return Outcome(tag="ROLLBACK")
