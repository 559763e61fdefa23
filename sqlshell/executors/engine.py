"""Engine mode: every statement is a one-shot call through the pool.

A connection is checked out, the statement runs in AUTOCOMMIT (so it is
committed the moment it succeeds, and statements such as VACUUM that refuse
transaction blocks work), its rows are rendered, and the connection goes back
to the pool. The pool is SQLAlchemy's; we only borrow from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlshell.database import Database
from sqlshell.executors.common import run_statement
from sqlshell.results import Outcome


class EngineExecutor:
    name = "engine"

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> Iterator[Outcome]:
        with self.db.engine.connect() as conn:
            yield run_statement(conn, sql, copy_data=copy_data, data_line=data_line)
            # AUTOCOMMIT already committed on the server; this ends SQLAlchemy's
            # autobegun bookkeeping so the pool gets a clean connection back.
            conn.commit()

    def close(self) -> None:
        """Nothing is held between statements."""
