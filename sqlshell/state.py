"""The shell's state, in one place: the database, the mode and its executor,
the held connection (connection mode), and the settings.

Only this module switches modes, and it refuses to when the switch would
drop work the user has not committed or rolled back: the caller (REPL or
script pipeline) decides what to ask or say.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from enum import StrEnum
from typing import Protocol

from sqlshell.commands.registry import Registry, build_registry
from sqlshell.database import Database
from sqlshell.errors import UserError
from sqlshell.executors.connection import HeldConnection, TxnSnapshot
from sqlshell.executors.engine import EngineExecutor
from sqlshell.output import Output
from sqlshell.results import Outcome
from sqlshell.settings import Settings


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


class Executor(Protocol):
    name: str

    def run(self, sql: str) -> AbstractContextManager[Outcome]: ...

    def close(self) -> None: ...


class OpenWork(UserError):
    """A mode change, reconnect or exit would drop an open transaction."""


class Shell:
    def __init__(self, db: Database, settings: Settings, output: Output, registry: Registry | None = None) -> None:
        self.db = db
        self.settings = settings
        self.output = output
        self.registry = registry or build_registry()
        self.mode = Mode.ENGINE
        self.engine_executor = EngineExecutor(db)
        self.held: HeldConnection | None = None

    # -- modes ------------------------------------------------------------------

    @property
    def executor(self) -> Executor:
        if self.mode is Mode.CONNECTION and self.held is not None:
            return self.held
        return self.engine_executor

    def set_mode(self, mode: Mode) -> list[str]:
        """Switch modes; returns what to tell the user. Raises OpenWork when the
        current mode holds uncommitted work."""
        if mode is self.mode:
            return [f"already in {mode.value} mode"]
        if mode is Mode.SESSION:
            raise UserError("session mode is not available yet", "use engine or connection mode")
        self.ensure_no_open_work(f"leave {self.mode.value} mode")
        notes = []
        if self.held is not None:
            self.held.close()
            self.held = None
            notes.append("connection returned to the pool")
        if mode is Mode.CONNECTION:
            self.held = HeldConnection(self.db, on_error_rollback=self.settings.on_error_rollback)
            notes.append("holding one connection: statements autocommit until \\begin")
        self.mode = mode
        return [f"{mode.value} mode", *notes]

    def ensure_no_open_work(self, action: str) -> None:
        if self.held is not None and self.held.in_transaction:
            snap = self.held.snapshot()
            raise OpenWork(
                f"cannot {action}: a transaction is open ({snap.summary()})",
                "\\commit or \\rollback first",
            )

    def connection_for_transaction(self) -> tuple[HeldConnection, list[str]]:
        """The held connection, switching to connection mode if needed (\\begin
        typed in engine mode means the user wants a transaction)."""
        notes: list[str] = []
        if self.mode is not Mode.CONNECTION or self.held is None:
            self.set_mode(Mode.CONNECTION)
            notes = ["switched to connection mode: the transaction needs a held connection"]
        assert self.held is not None
        return self.held, notes

    # -- facts for prompt and status --------------------------------------------

    def txn(self) -> TxnSnapshot:
        if self.held is not None:
            return self.held.snapshot()
        return TxnSnapshot("idle")

    @property
    def db_label(self) -> str:
        url = self.db.url
        if self.db.is_sqlite:
            name = (url.database or ":memory:").rsplit("/", 1)[-1]
            return name or ":memory:"
        return url.database or url.host or self.db.dialect

    def prompt_text(self) -> str:
        return f"{self.db_label} {self.mode.value}{self.txn().indicator}> "

    # -- end of life ------------------------------------------------------------

    def discard_open_work(self) -> list[str]:
        """Roll back whatever is open; returns what was discarded (to be told)."""
        told = []
        if self.held is not None and self.held.in_transaction:
            snap = self.held.snapshot()
            self.held.rollback()
            told.append(f"rolled back the open transaction ({snap.summary()})")
        return told

    def close(self) -> None:
        if self.held is not None:
            self.held.close()
            self.held = None
        self.db.dispose()
