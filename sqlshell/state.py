"""The shell's state, in one place: the database, the mode and its executor,
the held connection (connection mode), and the settings.

Only this module switches modes, and it refuses to when the switch would
drop work the user has not committed or rolled back (``openwork`` decides
that, for every occasion that could lose work).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import DBAPIError, PendingRollbackError, SQLAlchemyError

from sqlshell.conditionals import Conditions
from sqlshell.database import Database
from sqlshell.errors import one_line
from sqlshell.executors.contract import IDLE, Executor, Mode, Transactional, TxnSnapshot, TxnStatus
from sqlshell.executors.factory import executor_for
from sqlshell.observe.trace import Tracer
from sqlshell.observe.txnstory import Story
from sqlshell.openwork import Occasion, settle
from sqlshell.output.streams import Output
from sqlshell.results import Outcome
from sqlshell.settings import Settings
from sqlshell.sqltext.serverparams import standard_strings

if TYPE_CHECKING:
    from sqlshell.executors.connection import ConnectionExecutor
    from sqlshell.sqltext.pieces import Piece


class MetaCommands(Protocol):
    """What the shell needs of its meta-commands (``commands.registry.Registry``):
    the caller builds the registry and hands it in, so this module imports no
    command (the commands import the shell)."""

    def run(self, shell: Shell, line: str) -> Outcome: ...


class Shell:
    def __init__(self, db: Database, settings: Settings, output: Output, registry: MetaCommands) -> None:
        self.db = db
        self.settings = settings  # the one copy of every setting: everything reads it here
        self.output = output
        output.prefs = settings  # -q / \\set QUIET: the output reads the same value
        self._attach(db)
        self.registry = registry  # commands.all.build_registry(), by whoever builds the shell
        self.conditions = Conditions()  # the REPL's \if stack (the prompt shows a skipped branch)
        self.on_edited: Callable[[str], None] | None = None  # the REPL's history takes what \e ran
        self.mode = Mode.ENGINE
        self.engine_executor = executor_for(Mode.ENGINE, db, settings, output)
        self.held: ConnectionExecutor | None = None  # connection mode
        self.session: Transactional | None = None  # session mode
        self.last_sql: str | None = None  # the last SQL statement run: what \e edits
        self.variables: dict[str, str] = {}  # \set NAME value → :NAME in SQL
        self.scripts: list[Path] = []  # the \i files being run, innermost last (\ir's base)
        self.line_pieces: Sequence[Piece] = ()  # the statements of the line being run, classified
        self.told: list[str] = []  # what the server did behind the shell's back, not yet said
        self.single_transaction_ended = False  # -1: the server ended the script's transaction
        self.story = Story()  # \txn: the open transaction's statements
        self.trace: Tracer | None = None  # \trace on: the life cycle on stderr

    @property
    def transactional(self) -> Transactional | None:
        """The current mode's transaction holder (None in engine mode)."""
        if self.mode is Mode.CONNECTION:
            return self.held
        if self.mode is Mode.SESSION:
            return self.session
        return None

    # -- modes ------------------------------------------------------------------

    @property
    def executor(self) -> Executor:
        return self.transactional or self.engine_executor

    def set_mode(self, mode: Mode) -> list[str]:
        """Switch modes; returns what to tell the user. Raises OpenWork when the
        current mode holds uncommitted work."""
        if mode is self.mode:
            return [f"already in {mode.value} mode"]
        settle(self, Occasion.MODE_SWITCH, doing=f"leave {self.mode.value} mode")
        notes = []
        if self.held is not None:
            notes.append(self.held.close(reset=True) or "connection returned to the pool")
            self.held = None
        if self.session is not None:
            self.session.close()
            self.session = None
            notes.append("session closed")
        if mode is Mode.CONNECTION:
            self.held = executor_for(mode, self.db, self.settings, self.output)
            notes.append("holding one connection: statements autocommit until \\begin")
        elif mode is Mode.SESSION:
            self.session = executor_for(mode, self.db, self.settings, self.output)
            notes.append("an ORM session: stage objects with \\add, \\change, \\remove; \\flush sends them")
        self.mode = mode
        return [f"{mode.value} mode", *notes]

    def reconnect(self, db: Database) -> None:
        """Move the shell to another (already checked) database, keeping its mode.
        Raises OpenWork, before anything changes, when the current mode holds
        uncommitted work. The old engine is disposed last, so its pooled
        connections are not left open behind the user's back."""
        settle(self, Occasion.RECONNECT, doing="connect elsewhere")
        mode, old = self.mode, self.db
        self.set_mode(Mode.ENGINE)  # gives back the held connection / closes the session
        self.db, self.engine_executor = db, executor_for(Mode.ENGINE, db, self.settings, self.output)
        self._attach(db)
        try:
            if mode is not Mode.ENGINE:
                self.set_mode(mode)
        finally:
            old.dispose()

    def _attach(self, db: Database) -> None:
        """Make ``db`` the shell's: echo and the server's notices go to its
        output (stderr), and echo is on exactly when the settings say so."""
        db.echo_to, db.notice_to = self.output.warn, self.output.server
        self.follow_settings()

    def follow_settings(self) -> None:
        """The one effect a setting cannot simply be read for, SQL echo's event
        listeners (installed only while on, so they cost nothing off), follows
        ``settings.echo``: at start, on \\connect, and after every statement,
        whatever changed it (``--echo``, ``\\echo on|off``)."""
        if self.db.echoing != self.settings.echo:
            self.db.set_echo(self.settings.echo)

    def transaction_holder(self) -> tuple[Transactional, list[str]]:
        """The current mode's transaction holder; in engine mode, switch to
        connection mode first (\\begin typed in engine mode means the user wants
        a transaction, and a transaction needs a held connection)."""
        holder = self.transactional
        if holder is not None:
            return holder, []
        self.set_mode(Mode.CONNECTION)
        assert self.held is not None
        return self.held, ["switched to connection mode: the transaction needs a held connection"]

    # -- the server's truth ------------------------------------------------------

    def follow_server(self, cause: Sequence[Piece] = (), error: BaseException | None = None) -> None:
        """Read where the server says the transaction stands and follow it (a
        driver attribute, no query): engine mode hands a connection the server
        left inside a transaction to connection mode; connection mode ends or
        takes on the transaction. What happened is kept in ``told``."""
        stranded = self.engine_executor.take_stranded() if self.engine_executor.stranded is not None else None
        if stranded is not None:
            if self.mode is Mode.ENGINE:
                from sqlshell.executors.ended import opened_why

                self.held = executor_for(Mode.CONNECTION, self.db, self.settings, self.output, held=stranded)
                self.held.drift.clear()
                self.mode = Mode.CONNECTION
                self.told.append(
                    f"{opened_why(cause)}: switched to connection mode to hold it (\\commit or \\rollback ends it)"
                )
            else:  # a helper's checkout (not the mode's connection): never left open
                stranded.close()
        if self.session is not None and self.mode is Mode.SESSION:
            from sqlshell.executors.session import SessionExecutor

            if isinstance(self.session, SessionExecutor):  # -1: the server ended the script's transaction
                if self.session.server_ended and self.settings.single_transaction:
                    self.single_transaction_ended = True
                self.session.server_ended = False
        held = self.held if self.mode is Mode.CONNECTION else None
        if held is None:
            return
        was_open = held.in_transaction
        held.follow(cause, error)
        if was_open and not held.in_transaction and self.settings.single_transaction:
            self.single_transaction_ended = True
        self.told += held.take_drift()

    def after_statement(self, error: BaseException | None = None) -> list[str]:
        """After every statement and meta-command, success or failure: follow the
        server; returns the lines to tell."""
        try:
            self.follow_server(self.line_pieces, error)
        finally:
            self.line_pieces = ()
            self.follow_settings()
        told, self.told = self.told, []
        return told

    # -- facts for prompt and status --------------------------------------------

    def txn(self) -> TxnSnapshot:
        holder = self.transactional
        if holder is None:
            return IDLE
        try:
            return holder.snapshot()
        except SQLAlchemyError:
            # The holder cannot even ask its connection (invalidated under a
            # transaction: \\d after the server closed it): the transaction is gone.
            return TxnSnapshot(TxnStatus.FAILED, lost=True)

    def standard_conforming_strings(self) -> bool | None:
        """The server's standard_conforming_strings on the connection the next
        statement runs on, as the driver last heard it (no query): the held
        connection or the session's, else the one engine mode last gave back.
        The splitter follows it, as psql's lexer does. None: not PostgreSQL, or unknown."""
        if not self.db.is_postgres:
            return None
        driver = None
        try:
            if self.held is not None:
                driver = self.held.conn.connection.driver_connection
            elif self.session is not None:
                # the connection the session's transaction holds; asking never begins one
                driver = getattr(self.session, "driver_connection", None)
        except Exception:  # an invalidated connection: fall back to what the pool last saw
            driver = None
        value = standard_strings(driver) if driver is not None else None
        return self.db.standard_strings if value is None else value

    @property
    def db_label(self) -> str:
        return self.db.label

    def prompt_text(self) -> str:
        txn = self.txn()
        staged = ""
        if txn.staged is not None:
            staged = " +{} ~{} -{}".format(*txn.staged)
        skipping = "" if self.conditions.active else " [skipping]"
        return f"{self.db_label} {self.mode.value}{staged}{txn.indicator}{skipping}> "

    # -- end of life ------------------------------------------------------------

    def discard_open_work(self) -> list[str]:
        """Roll back whatever is open; returns what was discarded (to be told).

        When the connection is already gone (an idle timeout, pg_terminate_backend,
        a failover) the rollback cannot run: the server has dropped the
        transaction with the connection, and that is what is told. Only the end
        of the shell calls this, so the holder is then let go of."""
        told: list[str] = []
        if self.held is not None and self.mode is Mode.CONNECTION:
            # an interrupted line may have ended the transaction (a COMMIT in it) before
            # the interrupt: follow the server first, never call that "rolled back"
            with contextlib.suppress(SQLAlchemyError):
                self.follow_server(self.line_pieces)
            told, self.told = self.told, []
        elif self.session is not None and self.mode is Mode.SESSION:
            from sqlshell.executors.session import SessionExecutor

            with contextlib.suppress(SQLAlchemyError):
                if isinstance(self.session, SessionExecutor):
                    told = self.session.sync()[0]
        holder = self.transactional
        if holder is None:
            return told
        try:
            work = holder.open_work()
        except SQLAlchemyError:
            work = None
        unknown = getattr(holder, "maybe_committed", False)
        try:
            discarded = holder.discard()
        except SQLAlchemyError as exc:
            _let_go(holder)
            self.held = self.session = None
            self.mode = Mode.ENGINE
            what = f"({work})" if work else "(an open transaction)"
            if _connection_gone(exc):
                return [*told, f"the connection was lost, and its open work with it: nothing was committed {what}"]
            why = one_line(str(exc))
            return [*told, f"could not roll back ({why}); the connection was closed, so nothing was committed {what}"]
        if unknown and discarded:
            return [*told, f"lost with the connection: {discarded}"]
        return [*told, f"rolled back: {discarded}"] if discarded else told

    def close(self) -> None:
        """End of the shell. Whatever is still open is rolled back, and said so:
        the normal paths have asked or reported already, so this speaks only
        when the shell ends abnormally (an internal error, an interrupt)."""
        try:
            settle(self, Occasion.ABORT)
        except Exception as exc:  # the connection may be gone: the server rolls back then
            self.output.error(f"sqlshell: open work was lost with the connection ({type(exc).__name__})")
        for holder in (self.held, self.session):
            if holder is not None:
                _let_go(holder)
        self.held = self.session = None
        try:
            self.output.redirect(None)  # closes a \o file
        except OSError as exc:  # a full disk: what it could not write already failed its statement
            self.output.error(f"sqlshell: cannot close the results file: {exc.strerror or exc}")
        self.db.dispose()


def _connection_gone(exc: SQLAlchemyError) -> bool:
    """Did this error come from a connection the server (or the network) closed?"""
    if isinstance(exc, PendingRollbackError):  # SQLAlchemy invalidated it on an earlier error
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _let_go(holder: Executor) -> None:
    """Close a connection or session holder at the end of the shell, whatever
    state its connection is in: a dead one cannot be closed cleanly, and the
    server has already rolled back what it held."""
    try:
        holder.close()
    except Exception:
        for name in ("conn", "session"):  # ConnectionExecutor's Connection, SessionExecutor's Session
            target = getattr(holder, name, None)
            with contextlib.suppress(Exception):
                target.invalidate()  # type: ignore[union-attr]
