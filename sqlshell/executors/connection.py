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
  ``in_transaction``), so the shell's state never drifts from the server's.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, NestedTransaction, RootTransaction
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from sqlshell.cancel import running
from sqlshell.database import BEGIN_KEY, Database
from sqlshell.errors import UserError
from sqlshell.executors import serverstate
from sqlshell.executors.common import run_statement
from sqlshell.executors.compound import run_compound
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.settings import Settings
    from sqlshell.sqltext.pieces import Piece

LOST_HINT = "\\rollback to acknowledge, then \\begin again"


@dataclass(frozen=True)
class TxnSnapshot:
    """Where the held connection's transaction stands, for prompt and status."""

    state: str  # idle | open | failed
    savepoints: tuple[str, ...] = ()
    isolation: str | None = None
    statements: int = 0
    age: float | None = None  # seconds since \begin
    lost: bool = False
    maybe_committed: bool = False  # lost after a COMMIT in its last line
    staged: tuple[int, int, int] | None = None  # session mode: new, dirty, deleted objects

    @property
    def indicator(self) -> str:
        """psql's %x: nothing when idle, * in a transaction, ! in a failed one."""
        return {"idle": "", "open": "*", "failed": "!"}[self.state]

    def summary(self) -> str:
        """The one short line shown after each statement inside a transaction."""
        if self.state == "idle":
            return "no transaction"
        head = "transaction LOST" if self.lost else f"transaction {self.state}"
        if self.maybe_committed:
            head = "transaction LOST (a COMMIT in its last line may have committed it)"
        parts = [f"{head} {self.age or 0:.1f}s", f"{self.statements} statement{'s' if self.statements != 1 else ''}"]
        if self.savepoints:
            parts.append(f"savepoints {' > '.join(self.savepoints)}")
        return ", ".join(parts)


DB_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mysql": "MariaDB", "mariadb": "MariaDB"}
_OPEN = (ServerTxn.OPEN, ServerTxn.FAILED)


class HeldConnection:
    name = "connection"

    def __init__(self, db: Database, settings: Settings, conn: Connection | None = None) -> None:
        """``conn``: a connection engine mode found inside a server transaction,
        handed over so the transaction is held, not returned to the pool."""
        self.db = db
        self.settings = settings
        self.next_isolation: str | None = None
        self._open(conn)

    @property
    def on_error_rollback(self) -> bool:
        """An implicit savepoint around each statement in a transaction: read from
        the Settings each time, so ``\\on-error-rollback`` needs no copy kept in step."""
        return self.settings.on_error_rollback

    # -- life cycle -----------------------------------------------------------

    def _open(self, conn: Connection | None = None) -> None:
        self.conn = conn if conn is not None else self.db.engine.connect()
        self.default_isolation: str = self.conn.default_isolation_level or "READ COMMITTED"
        if conn is None:  # a handed-over connection is in the pool's AUTOCOMMIT already
            self.conn.execution_options(isolation_level="AUTOCOMMIT")
        self.txn: RootTransaction | None = None
        self.savepoints: list[str] = []
        self.isolation: str | None = None
        self.started: float | None = None
        self.statements = 0
        self.lost = False
        self.loss_told = False
        self.maybe_committed = False  # lost in a line after its COMMIT: the outcome is unknown
        self._read_only = False
        self._sp_counter = 0
        self.drift: list[str] = []  # what the server did behind the shell's back, to be told
        if conn is not None and self.server() in _OPEN:
            self._adopt()

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

    def server(self) -> ServerTxn:
        """Where the server says the transaction stands (a driver attribute, no query)."""
        if self.conn.invalidated or self.conn.closed:
            return ServerTxn.GONE
        return serverstate.read(self.conn.connection.driver_connection, self.db.dialect)

    @property
    def failed(self) -> bool:
        if self.txn is None:
            return False
        return self.lost or self.server() is ServerTxn.FAILED

    def snapshot(self) -> TxnSnapshot:
        if self.txn is None:
            return TxnSnapshot("idle")
        return TxnSnapshot(
            "failed" if self.failed else "open",
            tuple(self.savepoints),
            self.isolation,
            self.statements,
            time.monotonic() - (self.started or time.monotonic()),
            self.lost,
            maybe_committed=self.maybe_committed,
        )

    def follow(self, cause: Sequence[Piece] = (), error: BaseException | None = None) -> None:
        """Read the server's state and follow it when it differs from the shell's
        (``cause``: the statements just run; ``error``: how they failed, if they did)."""
        if self.lost:
            return
        state = self.server()
        if state is ServerTxn.GONE:
            if self.txn is not None:
                self.lost = True
            return
        if state in (ServerTxn.UNKNOWN, ServerTxn.BUSY):
            return
        if state is ServerTxn.OPEN and error is not None and _mysql_errno(error) in _MYSQL_ROLLS_BACK:
            # an error packet carries no status flags, so pymysql's are from the last OK:
            # these errors are documented to roll the whole transaction back
            state = ServerTxn.IDLE
        if self.txn is not None and state is ServerTxn.IDLE:
            why = ended_why(self.db.dialect, cause, error)
            self._end(self.txn.rollback)  # the server has no transaction: nothing is sent
            self.drift.append(f"{why}; the shell is back to autocommit")
        elif self.txn is None and state in _OPEN:
            self._adopt(cause)
            self.drift.append(opened_why(cause))
        if error is None and self.txn is not None:
            for piece in cause:
                if piece.isolation and not piece.session_isolation:
                    self.isolation = piece.isolation
        for piece in cause if error is None else ():
            if piece.isolation and (piece.session_isolation or self.txn is None):
                if piece.session_isolation:
                    self.default_isolation = piece.isolation
                elif not self.db.is_postgres:  # MySQL: SET TRANSACTION is for the next one
                    self.next_isolation = piece.isolation

    def _adopt(self, cause: Sequence[Piece] = ()) -> None:
        """Take on a transaction the server opened (a BEGIN inside a compound line):
        the connection stays in AUTOCOMMIT, where SQLAlchemy's commit and
        rollback are the driver's, which end the server's transaction."""
        self.txn = self.conn.get_transaction() or self.conn.begin()
        begin = next((p.txn for p in cause if p.txn is not None and p.txn.action == "begin"), None)
        self.isolation = (begin.isolation if begin else None) or self.default_isolation
        self.started = time.monotonic()
        self.statements = 0
        self.savepoints = []

    def take_drift(self) -> list[str]:
        told, self.drift = self.drift, []
        if self.lost and not self.loss_told:
            self.loss_told = True
            told.append(
                "the connection was lost after a COMMIT inside this line: whether the transaction "
                "was committed cannot be known; \\rollback to acknowledge"
                if self.maybe_committed
                else "the connection was lost: its transaction is gone; \\rollback to acknowledge"
            )
        return told

    # -- statements -----------------------------------------------------------

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        with self._statement():
            yield run_statement(self.conn, sql, copy_data=copy_data, data_line=data_line)

    @contextmanager
    def run_many(
        self, sql: str, parts: Sequence[Piece], outcomes: list[Outcome] | None = None
    ) -> Iterator[list[Outcome]]:
        """A compound line as one query string (PostgreSQL: as psql sends it);
        the savepoints it set or released are followed. ``outcomes``: see run_compound."""
        with self._statement():
            try:
                outcomes = run_compound(self.conn, sql, outcomes)
            except DBAPIError:
                # PostgreSQL ran the line's COMMIT before the connection died, or not:
                # which cannot be known, so the loss must not be told as a rollback
                if self.txn is not None and self.conn.invalidated and any(_ends(p) for p in parts):
                    self.maybe_committed = True
                raise
            self.savepoints = savepoints_after(self.savepoints, parts)
            yield outcomes

    @contextmanager
    def _statement(self) -> Iterator[None]:
        if self.lost:
            raise UserError("the transaction was lost with its connection; this statement was not run", LOST_HINT)
        if self.txn is None:
            try:
                yield
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    self._reopen()
                    raise UserError(
                        f"the connection was lost ({_first_line(exc)}); a new one is open "
                        "and the statement was not run again",
                        "session settings and temporary tables of the old connection are gone",
                    ) from exc
                raise
            finally:
                # AUTOCOMMIT: ends SQLAlchemy's autobegun bookkeeping, unless the
                # server is inside a transaction the statement opened (follow adopts it)
                if not self.conn.invalidated and self.conn.in_transaction() and self.server() not in _OPEN:
                    self.conn.commit()
            return
        implicit = self.conn.begin_nested() if self.on_error_rollback and not self.failed else None
        self.statements += 1
        try:
            yield
        except DBAPIError as exc:
            self._after_error(exc, implicit)
            raise
        if implicit is not None and implicit.is_active and self.server() is ServerTxn.OPEN:
            implicit.commit()

    def _after_error(self, exc: DBAPIError, implicit: NestedTransaction | None) -> None:
        if exc.connection_invalidated or self.conn.invalidated:
            self.lost = True
            return
        if implicit is not None and implicit.is_active and self.server() in _OPEN:
            implicit.rollback()
            exc.add_note("rolled back to the implicit savepoint (on-error-rollback): the transaction is still open")

    def _lost(self, exc: DBAPIError, what: str) -> UserError:
        """The connection went away under a transaction command."""
        self.lost = self.loss_told = True
        return UserError(
            f"the connection was lost ({_first_line(exc)}): {what} did not run and the transaction is gone",
            LOST_HINT,
        )

    # -- transaction commands ---------------------------------------------------

    def begin(self, isolation: str | None = None, read_only: bool = False, sqlite_mode: str | None = None) -> Outcome:
        if self.lost:
            raise UserError("the transaction was lost with its connection", LOST_HINT)
        if self.txn is not None:
            return Outcome(
                tag="BEGIN", warnings=["WARNING: there is already a transaction in progress (nothing changed)"]
            )
        if self.conn.in_transaction():
            self.conn.commit()
        level = isolation or self.next_isolation or self.default_isolation
        options: dict[str, Any] = {"isolation_level": level}
        if self.db.is_postgres and (read_only or self._read_only):
            options["postgresql_readonly"] = self._read_only = read_only
        self.conn.execution_options(**options)
        if sqlite_mode and self.db.is_sqlite:
            self.conn.info[BEGIN_KEY] = f"BEGIN {sqlite_mode}"
        self.txn = self.conn.begin()
        # The drivers begin lazily; the server must be in the transaction now, as
        # after psql's BEGIN, so what it shows (pg_stat_activity, the state read
        # after this command) is the transaction the prompt shows.
        if self.db.is_postgres:
            self._begin_now_psycopg()
        elif self.db.dialect in ("mysql", "mariadb"):
            self.conn.exec_driver_sql("START TRANSACTION READ ONLY" if read_only else "START TRANSACTION")
        self.next_isolation = None
        self.isolation = level
        self.started = time.monotonic()
        self.statements = 0
        return Outcome(tag="BEGIN")

    def _begin_now_psycopg(self) -> None:
        """psycopg sends BEGIN before the next statement: an empty one (no
        statement at all for the server) makes it send it now."""
        try:
            dbapi: Any = self.conn.connection.dbapi_connection  # psycopg's Connection
            with dbapi.cursor() as cursor:
                cursor.execute("")
        except Exception as exc:
            self._quiet(self.conn.rollback)
            self.txn = None
            raise UserError(f"BEGIN failed: {_first_line(exc)}") from exc

    def commit(self) -> Outcome:
        if self.txn is None:
            return Outcome(tag="COMMIT", warnings=["WARNING: there is no transaction in progress"])
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
            return Outcome(
                tag="ROLLBACK", warnings=["the transaction had failed, so it was rolled back, not committed"]
            )
        dbapi = self.conn.connection.dbapi_connection
        running.started(dbapi)  # Ctrl-C cancels the COMMIT on the server (deferred triggers, a slow fsync)
        try:
            self._end(self.txn.commit, on_error=self._commit_failed)
        except DBAPIError as exc:
            exc.add_note(self._commit_outcome)
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
        elif state in _OPEN:
            # SQLAlchemy let go of the transaction with the failed COMMIT, the driver did
            # not (SQLite's "database is locked"): roll it back there, or the switch back
            # to AUTOCOMMIT would commit it (Python's sqlite3 commits then)
            driver: Any = self.conn.connection.dbapi_connection
            self._quiet(driver.rollback)
            if self.server() in _OPEN:
                self.conn.invalidate()  # closing the connection discards the transaction
            self._commit_outcome = "COMMIT did not finish: the transaction was rolled back"
        else:
            self._commit_outcome = (
                "the connection was lost during COMMIT: whether the transaction was committed cannot be known"
            )

    def rollback(self) -> Outcome:
        if self.txn is None:
            return Outcome(tag="ROLLBACK", warnings=["WARNING: there is no transaction in progress"])
        lost = self.lost
        self._end(self.txn.rollback)
        notes = ["the lost transaction is acknowledged; a new connection is open"] if lost else []
        return Outcome(tag="ROLLBACK", notes=notes)

    @staticmethod
    def _quiet(finish: Any) -> None:
        with contextlib.suppress(Exception):
            finish()

    def _end(self, finish: Any, on_error: Any = None) -> None:
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

    # -- savepoints -----------------------------------------------------------

    def _require_txn(self, what: str) -> None:
        if self.txn is None:
            raise UserError(f"{what} can only be used in a transaction", "\\begin first")
        if self.lost:
            raise UserError("the transaction was lost with its connection", LOST_HINT)

    def _find(self, name: str | None) -> int:
        if not self.savepoints:
            raise UserError("there is no savepoint", "\\savepoint [NAME] makes one")
        if name is None:
            return len(self.savepoints) - 1
        for i in range(len(self.savepoints) - 1, -1, -1):
            if self.savepoints[i] == name:
                return i
        names = ", ".join(self.savepoints)
        raise UserError(f"savepoint {name!r} does not exist", f"open savepoints: {names}")

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

    def savepoint(self, name: str | None = None) -> Outcome:
        self._require_txn("SAVEPOINT")
        if name is None:
            self._sp_counter += 1
            name = f"sp{self._sp_counter}"
        self._send(f"SAVEPOINT {self._quoted(name)}", "SAVEPOINT")
        if name in self.savepoints:  # the server moves the name to the new savepoint
            self.savepoints.remove(name)
        self.savepoints.append(name)
        return Outcome(tag="SAVEPOINT")

    def release(self, name: str | None = None) -> Outcome:
        self._require_txn("RELEASE SAVEPOINT")
        idx = self._find(name)
        self._send(f"RELEASE SAVEPOINT {self._quoted(self.savepoints[idx])}", "RELEASE SAVEPOINT")
        del self.savepoints[idx:]
        return Outcome(tag="RELEASE")

    def rollback_to(self, name: str | None) -> Outcome:
        """Undo the work since savepoint NAME; like PostgreSQL, NAME stays."""
        self._require_txn("ROLLBACK TO SAVEPOINT")
        idx = self._find(name)
        self._send(f"ROLLBACK TO SAVEPOINT {self._quoted(self.savepoints[idx])}", "ROLLBACK TO SAVEPOINT")
        del self.savepoints[idx + 1 :]
        return Outcome(tag="ROLLBACK")


def savepoints_after(savepoints: list[str], parts: Sequence[Piece]) -> list[str]:
    """The savepoints open after ``parts`` ran, as the server keeps them."""
    names = list(savepoints)
    for part in parts:
        cmd = part.txn
        if cmd is None:
            continue
        if cmd.action in ("begin", "commit", "rollback"):
            names = [] if cmd.action != "begin" or not names else names
        elif cmd.action == "savepoint" and cmd.name:
            names = [n for n in names if n != cmd.name] + [cmd.name]
        elif cmd.name in names:
            idx = names.index(cmd.name)
            names = names[: idx + (1 if cmd.action == "rollback_to" else 0)]
    return names


def _ends(piece: Piece) -> bool:
    """Does this piece commit the transaction (a COMMIT, or DDL that commits implicitly)?"""
    return (piece.txn is not None and piece.txn.action == "commit") or piece.implicit_commit


def _dialect_name(dialect: str) -> str:
    return DB_NAMES.get(dialect, dialect)


def ended_why(dialect: str, cause: Sequence[Piece], error: BaseException | None) -> str:
    """Why the server has no transaction any more, in words."""
    for part in cause:
        if part.txn is not None and part.txn.action == "commit":
            return "a COMMIT inside this line committed the transaction"
        if part.txn is not None and part.txn.action == "rollback":
            return "a ROLLBACK inside this line rolled the transaction back"
        if part.implicit_commit:
            return f"{_dialect_name(dialect)} committed the transaction implicitly: {part.label}"
    if error is not None:
        reason = _first_line(error)
        if dialect == "sqlite" and any(_OR_ROLLBACK.search(p.sql) for p in cause):
            reason = "ON CONFLICT ROLLBACK"
        elif _mysql_errno(error) == 1213:
            reason = "deadlock"
        return f"{_dialect_name(dialect)} rolled the transaction back: {reason}"
    return "the server ended the transaction inside this statement (the shell cannot tell whether it committed)"


def opened_why(cause: Sequence[Piece]) -> str:
    if any(p.txn is not None and p.txn.action == "begin" for p in cause):
        return "a BEGIN inside this line opened a transaction"
    return "the server opened a transaction inside this statement"


_MYSQL_ROLLS_BACK = frozenset({1213})  # ER_LOCK_DEADLOCK: InnoDB rolls the transaction back


def _mysql_errno(error: BaseException) -> int | None:
    orig = getattr(error, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and type(orig).__module__.startswith("pymysql"):
        return args[0]
    return None


_OR_ROLLBACK = re.compile(r"\b(?:or|conflict)\s+rollback\b", re.IGNORECASE)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]
