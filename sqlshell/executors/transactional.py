"""The rules both transaction holders follow, written once.

``ConnectionExecutor`` (a held Connection) and ``SessionExecutor`` (an ORM
Session) hold a transaction in different ways, but a person sees the same
rules in both: savepoints have names (``sp1``, ``sp2`` … when none is given)
and are found by name from the newest; ``\\rollback NAME`` keeps NAME, as in
PostgreSQL; a failed transaction is rolled back, never committed; a second
``\\begin`` changes nothing; on-error-rollback wraps each statement in an
implicit savepoint. ``TransactionRules`` holds these; each executor says only
how its level does a thing (``_level_savepoint`` and friends: SQL on the
held connection, ``Session.begin_nested()`` in the session) and what makes
it unusable (``_usable``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlshell.errors import UserError
from sqlshell.executors.contract import TxnSnapshot, TxnStatus
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, NestedTransaction
    from sqlalchemy.exc import DBAPIError

    from sqlshell.settings import Settings

M = TypeVar("M")  # what a level keeps per savepoint (nothing, or the session's nested transaction)

ALREADY_OPEN = "WARNING: there is already a transaction in progress (nothing changed)"
NO_TRANSACTION = "WARNING: there is no transaction in progress"
FAILED_NOT_COMMITTED = "the transaction had failed, so it was rolled back, not committed"
IMPLICIT_UNDONE = "rolled back to the implicit savepoint (on-error-rollback): the transaction is still open"


@dataclass(frozen=True)
class Savepoint(Generic[M]):
    name: str
    mark: M


class TransactionRules(Generic[M]):
    """The shared half of a transaction holder; subclasses set the attributes
    below and implement the ``_level_*`` methods and ``_usable``."""

    savepoints: list[Savepoint[M]]
    isolation: str | None
    statements: int  # user statements in this transaction
    started: float | None  # time.monotonic() when it began
    settings: Settings  # the run's one Settings: on-error-rollback is read there, never copied
    _sp_counter: int

    @property
    def on_error_rollback(self) -> bool:
        """An implicit savepoint around each statement in a transaction: read from
        the Settings each time, so ``\\on-error-rollback`` and ``\\set
        ON_ERROR_ROLLBACK`` reach an open holder with nothing kept in step."""
        return self.settings.on_error_rollback

    # -- what each level says -------------------------------------------------------

    @property
    def failed(self) -> bool:
        raise NotImplementedError

    def _usable(self, what: str) -> None:
        """Raise UserError when ``what`` (a savepoint command) cannot run now."""
        raise NotImplementedError

    def _usable_to_roll_back(self, what: str) -> None:
        """``ROLLBACK TO``: the way out of a failed state, so usually allowed where others are not."""
        self._usable(what)

    def _level_savepoint(self, name: str) -> Outcome:
        raise NotImplementedError

    def _level_release(self, idx: int) -> Outcome:
        raise NotImplementedError

    def _level_rollback_to(self, idx: int) -> Outcome:
        raise NotImplementedError

    # -- savepoints -------------------------------------------------------------------

    def savepoint(self, name: str | None = None) -> Outcome:
        self._usable("SAVEPOINT")
        if name is None:
            self._sp_counter += 1
            name = f"sp{self._sp_counter}"
        return self._level_savepoint(name)

    def release(self, name: str | None = None) -> Outcome:
        self._usable("RELEASE SAVEPOINT")
        return self._level_release(self._find(name))

    def rollback_to(self, name: str | None) -> Outcome:
        """Undo the work since savepoint NAME; like PostgreSQL, NAME stays."""
        self._usable_to_roll_back("ROLLBACK TO SAVEPOINT")
        return self._level_rollback_to(self._find(name))

    def savepoint_names(self) -> tuple[str, ...]:
        return tuple(sp.name for sp in self.savepoints)

    def _find(self, name: str | None) -> int:
        """The newest savepoint called ``name`` (None: the newest of all)."""
        if not self.savepoints:
            raise UserError("there is no savepoint", "\\savepoint [NAME] makes one")
        for i in range(len(self.savepoints) - 1, -1, -1):
            if name is None or self.savepoints[i].name == name:
                return i
        raise UserError(f"savepoint {name!r} does not exist", f"open savepoints: {', '.join(self.savepoint_names())}")

    # -- the shared answers -------------------------------------------------------------

    @staticmethod
    def _already_open() -> Outcome:
        return Outcome(tag="BEGIN", warnings=[ALREADY_OPEN])

    @staticmethod
    def _rolled_back_failed() -> Outcome:
        """What COMMIT of a failed transaction says (the caller has rolled it back)."""
        return Outcome(tag="ROLLBACK", warnings=[FAILED_NOT_COMMITTED])

    def _open_snapshot(
        self, lost: bool, maybe_committed: bool = False, staged: tuple[int, int, int] | None = None
    ) -> TxnSnapshot:
        """The snapshot of a transaction that is open (or failed: ``failed`` says)."""
        return TxnSnapshot(
            TxnStatus.FAILED if self.failed else TxnStatus.OPEN,
            self.savepoint_names(),
            self.isolation,
            self.statements,
            time.monotonic() - (self.started or time.monotonic()),
            lost,
            maybe_committed=maybe_committed,
            staged=staged,
        )

    # -- on-error-rollback ----------------------------------------------------------------

    def _implicit_savepoint(self, conn: Connection) -> NestedTransaction | None:
        """The savepoint around one statement (on-error-rollback), unless the
        transaction has failed already (no savepoint can be made then)."""
        return conn.begin_nested() if self.on_error_rollback and not self.failed else None

    @staticmethod
    def _undo_implicit(implicit: NestedTransaction, exc: DBAPIError) -> None:
        implicit.rollback()
        exc.add_note(IMPLICIT_UNDONE)
