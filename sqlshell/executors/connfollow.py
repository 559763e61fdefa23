"""The held connection follows the server: the half of ``ConnectionExecutor``
that reads where the server says the transaction stands and takes it on.

After every statement (success or failure) the shell asks the driver
(``serverstate``: an attribute, no query; one COM_PING on MariaDB after an
error) and follows it when the server differs: a ``\\;`` line's COMMIT or
MariaDB's implicit commit ended the transaction (the shell returns to
AUTOCOMMIT), a ``BEGIN`` in a line opened one (the shell adopts it), or the
connection is gone (the transaction is lost until ``\\rollback``). What
happened is kept in ``drift`` and told once, in ``ended``'s words.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlshell.errors import UserError
from sqlshell.executors import serverstate
from sqlshell.executors.ended import ended_why, first_line, opened_why, rolls_back
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.executors.transactional import Savepoint, TransactionRules

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RootTransaction

    from sqlshell.database import Database
    from sqlshell.sqltext.pieces import Piece

OPEN = (ServerTxn.OPEN, ServerTxn.FAILED)


class FollowsServer(TransactionRules[None]):
    """Set by ``ConnectionExecutor``: the connection, its root transaction, and
    what the shell knows of it."""

    db: Database
    conn: Connection
    txn: RootTransaction | None
    default_isolation: str
    next_isolation: str | None
    lost: bool  # the connection went away under the transaction
    loss_told: bool
    maybe_committed: bool  # lost in a line after its COMMIT: the outcome is unknown
    drift: list[str]  # what the server did behind the shell's back, to be told
    failed_at: int | None = None  # the piece of the line that failed (pieces after it never ran)
    adopted_blind = False  # taken on from engine mode before the line that opened it was known

    def _end(self, finish: Callable[[], Any], on_error: Callable[[], None] | None = None) -> None:
        raise NotImplementedError

    @staticmethod
    def _quiet(finish: Any) -> None:
        """Best effort: the connection may be gone already."""
        with contextlib.suppress(Exception):
            finish()

    def server(self, after_error: bool = False) -> ServerTxn:
        """Where the server says the transaction stands (a driver attribute, no query;
        ``after_error``: the driver's reading may be stale, see ``serverstate.read``)."""
        if self.conn.invalidated or self.conn.closed:
            return ServerTxn.GONE
        return serverstate.read(self.conn.connection.driver_connection, self.db.dialect, after_error)

    @property
    def failed(self) -> bool:
        if self.txn is None:
            return False
        return self.lost or self.server() is ServerTxn.FAILED

    def follow(self, cause: Sequence[Piece] = (), error: BaseException | None = None) -> None:
        """Read the server's state and follow it when it differs from the shell's
        (``cause``: the statements just run; ``error``: how they failed, if they did)."""
        failed_at, self.failed_at = self.failed_at, None
        if self.lost:
            return
        state = self.server(after_error=error is not None)
        if state is ServerTxn.GONE:
            if self.txn is not None:
                self.lost = True
            return
        if state in (ServerTxn.UNKNOWN, ServerTxn.BUSY):
            return
        if state is ServerTxn.OPEN and rolls_back(error):
            # should the driver's reading be stale still: these errors are
            # documented to roll the whole transaction back
            state = ServerTxn.IDLE
        if self.txn is not None and state is ServerTxn.IDLE:
            why = ended_why(self.db.dialect, cause, error, failed_at)
            self._end(self.txn.rollback)  # the server has no transaction: nothing is sent
            self.drift.append(f"{why}; the shell is back to autocommit")
        elif self.txn is None and state in OPEN:
            self._adopt(_ran(cause, error, failed_at))
            self.drift.append(opened_why(cause))
        elif self.adopted_blind and self.txn is not None:  # handed over by engine mode: now the line is known
            self._adopt(_ran(cause, error, failed_at))
        self.adopted_blind = False
        if error is None:
            self._follow_isolation(cause)

    def _follow_isolation(self, cause: Sequence[Piece]) -> None:
        """SET TRANSACTION / SET SESSION CHARACTERISTICS typed in a line that succeeded."""
        if self.txn is not None:
            for piece in cause:
                if piece.isolation and not piece.session_isolation:
                    self.isolation = piece.isolation
        for piece in cause:
            if piece.isolation and (piece.session_isolation or self.txn is None):
                if piece.session_isolation:
                    self.default_isolation = piece.isolation
                elif not self.db.is_postgres:  # MySQL: SET TRANSACTION is for the next one
                    self.next_isolation = piece.isolation

    def _adopt(self, ran: Sequence[Piece] = ()) -> None:
        """Take on a transaction the server opened (a BEGIN inside a compound line):
        the connection stays in AUTOCOMMIT, where SQLAlchemy's commit and
        rollback are the driver's, which end the server's transaction. What ran
        of the line after its BEGIN is in the transaction: its statements and savepoints."""
        self.txn = self.conn.get_transaction() or self.conn.begin()
        starts = [i for i, p in enumerate(ran) if p.txn is not None and p.txn.action == "begin"]
        inside = ran[starts[-1] :] if starts else ran
        begin = inside[0].txn if starts else None
        self.isolation = (begin.isolation if begin else None) or self.default_isolation
        self.started = time.monotonic()
        self.statements = sum(1 for p in inside if p.txn is None)
        replaces = self.db.dialect in ("mysql", "mariadb")
        self.savepoints = [Savepoint(n, None) for n in savepoints_after([], inside, replaces)]

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
            raise UserError(f"BEGIN failed: {first_line(exc)}") from exc

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

    def _follow_savepoints(self, parts: Sequence[Piece]) -> None:
        """The savepoints a compound line set, released or rolled back to."""
        replaces = self.db.dialect in ("mysql", "mariadb")
        self.savepoints = [Savepoint(n, None) for n in savepoints_after(self.savepoint_names(), parts, replaces)]


def _ran(cause: Sequence[Piece], error: BaseException | None, failed_at: int | None) -> Sequence[Piece]:
    """The pieces of the line that ran and succeeded (none known after an
    error whose place in the line is not known)."""
    if error is None:
        return cause
    return cause[:failed_at] if failed_at is not None else ()


def touches_savepoints(piece: Piece) -> bool:
    return piece.txn is not None and piece.txn.action in ("savepoint", "release", "rollback_to")


def savepoints_after(savepoints: Sequence[str], parts: Sequence[Piece], replaces: bool = False) -> list[str]:
    """The savepoints open after ``parts`` ran, as the server keeps them
    (``replaces``: a new savepoint replaces an older one of its name, as on
    MariaDB; PostgreSQL keeps both, and finds the newer)."""
    names = list(savepoints)
    for part in parts:
        cmd = part.txn
        if cmd is None:
            continue
        if cmd.action in ("begin", "commit", "rollback"):
            names = [] if cmd.action != "begin" or not names else names
        elif cmd.action == "savepoint" and cmd.name:
            names = [n for n in names if n != cmd.name or not replaces] + [cmd.name]
        elif cmd.name in names:
            idx = len(names) - 1 - names[::-1].index(cmd.name)  # the newest of that name
            names = names[: idx + (1 if cmd.action == "rollback_to" else 0)]
    return names
