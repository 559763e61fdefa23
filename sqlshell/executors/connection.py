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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import NestedTransaction, RootTransaction
from sqlalchemy.exc import DBAPIError

from sqlshell.database import BEGIN_KEY, Database
from sqlshell.errors import UserError
from sqlshell.executors.common import run_statement
from sqlshell.results import Outcome

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
        parts = [f"{head} {self.age or 0:.1f}s", f"{self.statements} statement{'s' if self.statements != 1 else ''}"]
        if self.savepoints:
            parts.append(f"savepoints {' > '.join(self.savepoints)}")
        return ", ".join(parts)


class HeldConnection:
    name = "connection"

    def __init__(self, db: Database, on_error_rollback: bool = False) -> None:
        self.db = db
        self.on_error_rollback = on_error_rollback
        self.next_isolation: str | None = None
        self._open()

    # -- life cycle -----------------------------------------------------------

    def _open(self) -> None:
        self.conn = self.db.engine.connect()
        self.default_isolation: str = self.conn.default_isolation_level or "READ COMMITTED"
        self.conn.execution_options(isolation_level="AUTOCOMMIT")
        self.txn: RootTransaction | None = None
        self.savepoints: list[tuple[str, NestedTransaction]] = []
        self.isolation: str | None = None
        self.started: float | None = None
        self.statements = 0
        self.lost = False
        self._read_only = False
        self._sp_counter = 0

    def close(self) -> None:
        """Give the connection back to the pool (the caller has dealt with any transaction)."""
        if self.txn is not None:
            self._end(self.txn.rollback)
        self.conn.close()

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

    def _driver(self) -> Any:
        return self.conn.connection.driver_connection

    @property
    def failed(self) -> bool:
        if self.txn is None:
            return False
        if self.lost:
            return True
        if self.db.is_postgres:
            from psycopg.pq import TransactionStatus

            return bool(self._driver().info.transaction_status == TransactionStatus.INERROR)
        return False

    def snapshot(self) -> TxnSnapshot:
        if self.txn is None:
            return TxnSnapshot("idle")
        return TxnSnapshot(
            "failed" if self.failed else "open",
            tuple(name for name, _ in self.savepoints),
            self.isolation,
            self.statements,
            time.monotonic() - (self.started or time.monotonic()),
            self.lost,
        )

    # -- statements -----------------------------------------------------------

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        if self.lost:
            raise UserError("the transaction was lost with its connection; this statement was not run", LOST_HINT)
        if self.txn is None:
            try:
                yield run_statement(self.conn, sql, copy_data=copy_data, data_line=data_line)
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
                if not self.conn.invalidated and self.conn.in_transaction():
                    self.conn.commit()  # AUTOCOMMIT: only ends SQLAlchemy's autobegun bookkeeping
            return
        implicit = self.conn.begin_nested() if self.on_error_rollback and not self.failed else None
        self.statements += 1
        try:
            yield run_statement(self.conn, sql, copy_data=copy_data, data_line=data_line)
        except DBAPIError as exc:
            self._after_error(exc, implicit)
            raise
        if implicit is not None:
            implicit.commit()
        self._check_drift()

    def _after_error(self, exc: DBAPIError, implicit: NestedTransaction | None) -> None:
        if exc.connection_invalidated or self.conn.invalidated:
            self.lost = True
            return
        if implicit is not None and implicit.is_active:
            implicit.rollback()
            exc.add_note("rolled back to the implicit savepoint (on-error-rollback): the transaction is still open")

    def _check_drift(self) -> None:
        """If the server ended the transaction behind our back, say so and follow it."""
        if self.txn is None or self.lost:
            return
        if self.db.is_postgres:
            from psycopg.pq import TransactionStatus

            ended = self._driver().info.transaction_status == TransactionStatus.IDLE
        elif self.db.is_sqlite:
            ended = not self._driver().in_transaction
        else:
            return
        if ended:
            self._end(self.txn.rollback)
            raise UserError(
                "the server ended the transaction inside that statement; the shell is back to autocommit",
                "check whether its work was committed",
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
            options["postgresql_readonly"] = read_only
            self._read_only = read_only
        self.conn.execution_options(**options)
        if sqlite_mode and self.db.is_sqlite:
            self.conn.info[BEGIN_KEY] = f"BEGIN {sqlite_mode}"
        self.txn = self.conn.begin()
        self.next_isolation = None
        self.isolation = level
        self.started = time.monotonic()
        self.statements = 0
        return Outcome(tag="BEGIN")

    def commit(self) -> Outcome:
        if self.txn is None:
            return Outcome(tag="COMMIT", warnings=["WARNING: there is no transaction in progress"])
        if self.lost:
            self._end(self.txn.rollback)
            return Outcome(
                tag="ROLLBACK", warnings=["the transaction was lost with its connection: nothing was committed"]
            )
        if self.failed:
            self._end(self.txn.rollback)
            return Outcome(
                tag="ROLLBACK", warnings=["the transaction had failed, so it was rolled back, not committed"]
            )
        try:
            self._end(self.txn.commit)
        except DBAPIError as exc:
            exc.add_note("COMMIT failed: the transaction was rolled back")
            raise
        return Outcome(tag="COMMIT")

    def rollback(self) -> Outcome:
        if self.txn is None:
            return Outcome(tag="ROLLBACK", warnings=["WARNING: there is no transaction in progress"])
        lost = self.lost
        self._end(self.txn.rollback)
        notes = ["the lost transaction is acknowledged; a new connection is open"] if lost else []
        return Outcome(tag="ROLLBACK", notes=notes)

    def _end(self, finish: Any) -> None:
        """Commit or roll back the root transaction, then return to AUTOCOMMIT,
        whatever happens (a failed COMMIT has ended the transaction too)."""
        try:
            finish()
        finally:
            self.txn = None
            self.savepoints = []
            self.isolation = None
            self.started = None
            self.statements = 0
            if self.lost or self.conn.invalidated:
                self._reopen()
            else:
                self.conn.info.pop(BEGIN_KEY, None)
                options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
                if self._read_only:
                    options["postgresql_readonly"] = self._read_only = False
                self.conn.execution_options(**options)

    def _reopen(self) -> None:
        with contextlib.suppress(Exception):  # the old connection is unusable; closing is best effort
            self.conn.close()
        self._open()

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
            if self.savepoints[i][0] == name:
                return i
        names = ", ".join(n for n, _ in self.savepoints)
        raise UserError(f"savepoint {name!r} does not exist", f"open savepoints: {names}")

    def savepoint(self, name: str | None = None) -> Outcome:
        self._require_txn("SAVEPOINT")
        if name is None:
            self._sp_counter += 1
            name = f"sp{self._sp_counter}"
        self.savepoints.append((name, self.conn.begin_nested()))
        return Outcome(tag="SAVEPOINT")

    def release(self, name: str | None = None) -> Outcome:
        self._require_txn("RELEASE SAVEPOINT")
        idx = self._find(name)
        while len(self.savepoints) > idx:
            self.savepoints[-1][1].commit()
            self.savepoints.pop()
        return Outcome(tag="RELEASE")

    def rollback_to(self, name: str | None) -> Outcome:
        """Undo the work since savepoint NAME; like PostgreSQL, NAME stays."""
        self._require_txn("ROLLBACK TO SAVEPOINT")
        idx = self._find(name)
        while len(self.savepoints) > idx + 1:
            self.savepoints.pop()[1].rollback()
        sp_name, sp = self.savepoints.pop()
        sp.rollback()
        self.savepoints.append((sp_name, self.conn.begin_nested()))
        return Outcome(tag="ROLLBACK")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]
