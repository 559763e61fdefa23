"""The contract the three modes share: read this module first.

A statement runs in one of three modes (``Mode``), each an executor:
``EngineExecutor`` (a pooled connection per statement, AUTOCOMMIT),
``ConnectionExecutor`` (one held Connection, transactions begun by the user)
and ``SessionExecutor`` (an ORM Session). ``factory.executor_for`` makes the
one a mode needs; ``Shell`` (state.py) only switches between them. This
module imports none of them, so each can import it.

All three satisfy ``Executor``; the two that hold a transaction also satisfy
``Transactional``, whose ``snapshot()`` is what the prompt, the toolbar and
``\\status`` read: a ``TxnSnapshot`` whose ``state`` is a ``TxnStatus``. The
savepoint and failed-transaction rules the two share are written once, in
``transactional.TransactionRules``; why the server ended a transaction is said
in one place, ``ended``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from sqlshell.errors import UserError
from sqlshell.results import Outcome

if TYPE_CHECKING:
    pass


class Mode(StrEnum):
    ENGINE = "engine"
    CONNECTION = "connection"
    SESSION = "session"

    @classmethod
    def parse(cls, text: str) -> Mode:
        text = text.strip().lower()
        for mode in cls:
            if mode.value.startswith(text) and text:
                return mode
        raise UserError(f"unknown mode {text!r}", "modes are engine, connection and session")


class TxnStatus(StrEnum):
    """Where the shell's transaction stands (a str: it compares and prints as its value)."""

    IDLE = "idle"
    OPEN = "open"
    FAILED = "failed"  # PostgreSQL's aborted block, a failed flush, or a lost connection


@dataclass(frozen=True)
class TxnSnapshot:
    """Where the holder's transaction stands, for prompt and status."""

    state: TxnStatus
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
        return _INDICATOR[self.state]

    def summary(self) -> str:
        """The one short line shown after each statement inside a transaction."""
        if self.state is TxnStatus.IDLE:
            return "no transaction"
        head = "transaction LOST" if self.lost else f"transaction {self.state.value}"
        if self.maybe_committed:
            head = "transaction LOST (a COMMIT in its last line may have committed it)"
        parts = [f"{head} {self.age or 0:.1f}s", f"{self.statements} statement{'s' if self.statements != 1 else ''}"]
        if self.savepoints:
            parts.append(f"savepoints {' > '.join(self.savepoints)}")
        return ", ".join(parts)


_INDICATOR = {TxnStatus.IDLE: "", TxnStatus.OPEN: "*", TxnStatus.FAILED: "!"}
IDLE = TxnSnapshot(TxnStatus.IDLE)


class Executor(Protocol):
    """What every mode does: run one statement (rows stream while the context is open)."""

    name: str

    def run(self, sql: str, copy_data: str | None = None, data_line: int = 0) -> AbstractContextManager[Outcome]: ...

    def close(self) -> str | None: ...  # what was done to the connection, if worth telling


class Transactional(Executor, Protocol):
    """An executor that holds a transaction: the held connection, or the ORM session.
    The transaction meta-commands and typed BEGIN/COMMIT/SAVEPOINT call these."""

    next_isolation: str | None  # \\isolation LEVEL: for the next transaction only
    default_isolation: str

    @property
    def on_error_rollback(self) -> bool: ...  # read from the run's Settings

    @property
    def in_transaction(self) -> bool: ...

    def snapshot(self) -> TxnSnapshot: ...

    def open_work(self) -> str | None: ...

    def discard(self) -> str | None: ...

    def begin(
        self, isolation: str | None = None, read_only: bool = False, sqlite_mode: str | None = None
    ) -> Outcome: ...

    def commit(self) -> Outcome: ...

    def rollback(self) -> Outcome: ...

    def savepoint(self, name: str | None = None) -> Outcome: ...

    def release(self, name: str | None = None) -> Outcome: ...

    def rollback_to(self, name: str | None) -> Outcome: ...
