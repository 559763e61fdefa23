"""Engine mode: every statement is a one-shot call through the pool.

A connection is checked out, the statement runs in AUTOCOMMIT (so it is
committed the moment it succeeds, and statements such as VACUUM that refuse
transaction blocks work), its rows are rendered, and the connection goes back
to the pool. The pool is SQLAlchemy's; we only borrow from it.

Unless the server says the statement left a transaction open on it (a
``begin\\; insert …`` line): such a connection is never handed back to the
pool, where the next statement would silently run inside that transaction
or the pool's reset would roll it back untold. It is kept (``stranded``) for
the shell, which holds it in connection mode and says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from sqlshell.database import Database
from sqlshell.executors import serverstate
from sqlshell.executors.common import run_statement
from sqlshell.executors.compound import run_compound
from sqlshell.executors.serverstate import ServerTxn
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.sqltext.pieces import Piece


class EngineExecutor:
    name = "engine"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.stranded: Connection | None = None  # left inside a server transaction: the shell takes it

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        conn = self.db.engine.connect()
        ok = False
        try:
            yield run_statement(conn, sql, copy_data=copy_data, data_line=data_line)
            ok = True
        finally:
            self._give_back(conn, ok)

    @contextmanager
    def run_many(
        self, sql: str, parts: Sequence[Piece], outcomes: list[Outcome] | None = None
    ) -> Iterator[list[Outcome]]:
        """A compound line as one query string (PostgreSQL, as psql sends it).
        ``outcomes``: see run_compound."""
        conn = self.db.engine.connect()
        ok = False
        try:
            outcomes = run_compound(conn, sql, outcomes)
            ok = True
            yield outcomes
        finally:
            self._give_back(conn, ok)

    def _give_back(self, conn: Connection, ok: bool) -> None:
        if not conn.invalidated and not conn.closed:
            state = serverstate.read(conn.connection.driver_connection, self.db.dialect)
            if state in (ServerTxn.OPEN, ServerTxn.FAILED):
                self.stranded = conn
                return
            if ok and conn.in_transaction():
                # AUTOCOMMIT already committed on the server; this ends SQLAlchemy's
                # autobegun bookkeeping so the pool gets a clean connection back.
                conn.commit()
        conn.close()

    def take_stranded(self) -> Connection | None:
        conn, self.stranded = self.stranded, None
        return conn

    def close(self) -> None:
        """Nothing is held between statements (a stranded connection is rolled back)."""
        conn = self.take_stranded()
        if conn is not None:
            conn.close()
