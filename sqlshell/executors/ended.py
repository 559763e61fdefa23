"""Why the server ended (or opened) a transaction the shell did not, in one line.

``serverstate.read`` says *that* the server is outside the transaction (or
inside one the shell did not begin); this module says what most likely
happened, so the executors can follow the server and tell the user. Both
transaction holders use it: the held connection knows the classified pieces
of the line (``ended_why``, ``opened_why``), the session the statement's text
(``explain``, which also says whether the work was committed: the session
must know whether to keep its staged objects). Either claims committed or
rolled back only where the dialect leaves no doubt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sqlshell.errors import driver_error, one_line
from sqlshell.sqltext.classify import Classification, classified
from sqlshell.sqltext.pieces import split_texts

if TYPE_CHECKING:
    from sqlshell.sqltext.pieces import Piece

MYSQL_DEADLOCK = 1213  # ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back
_MYSQL_ROLLS_BACK = frozenset({MYSQL_DEADLOCK})
DB_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mysql": "MariaDB", "mariadb": "MariaDB"}


# -- the held connection: the line's classified pieces --------------------------------


def ended_why(dialect: str, cause: Sequence[Piece], error: BaseException | None, failed_at: int | None = None) -> str:
    """Why the server has no transaction any more, in words. ``failed_at``: the
    index in ``cause`` of the piece that failed with ``error`` (those after it
    never ran; one that failed ended nothing by succeeding)."""
    ran = cause
    if error is not None and failed_at is not None and failed_at < len(cause):
        failed = cause[failed_at]
        if failed.txn is not None and failed.txn.action == "commit":
            return f"the COMMIT failed, so {_dialect_name(dialect)} rolled the transaction back: {first_line(error)}"
        cause = cause[: failed_at + 1]
        ran = cause if failed.implicit_commit else cause[:failed_at]  # MariaDB commits before it fails
    for part in ran:
        if part.txn is not None and part.txn.action == "commit":
            return "a COMMIT inside this line committed the transaction"
        if part.txn is not None and part.txn.action == "rollback":
            return "a ROLLBACK inside this line rolled the transaction back"
        if part.implicit_commit:
            return f"{_dialect_name(dialect)} committed the transaction implicitly: {part.label}"
    if error is not None:
        reason = first_line(error)
        if dialect == "sqlite" and any(p.info.conflict_rollback for p in cause):
            reason = "ON CONFLICT ROLLBACK"
        elif mysql_errno(error) == MYSQL_DEADLOCK:
            reason = "deadlock"
        return f"{_dialect_name(dialect)} rolled the transaction back: {reason}"
    return "the server ended the transaction inside this statement (the shell cannot tell whether it committed)"


def opened_why(cause: Sequence[Piece]) -> str:
    if any(p.txn is not None and p.txn.action == "begin" for p in cause):
        return "a BEGIN inside this line opened a transaction"
    return "the server opened a transaction inside this statement"


def ends(piece: Piece) -> bool:
    """Does this piece commit the transaction (a COMMIT, or DDL that commits implicitly)?"""
    return (piece.txn is not None and piece.txn.action == "commit") or piece.implicit_commit


CLOSED_WHILE_IDLE = (
    "PostgreSQL had closed the connection for idling in the transaction and rolled it back: "
    "the COMMIT never reached it, nothing was committed"
)


def closed_while_idle(error: BaseException) -> bool:
    """PostgreSQL's idle_in_transaction_session_timeout (SQLSTATE 25P03): the
    server ended the connection, and its transaction, before the command came.

    The SQLSTATE arrives only when libpq read the server's FATAL message as a
    result; when the command met the closed socket first, libpq reports it as
    "consuming input failed: terminating connection due to idle-in-transaction
    timeout" with no SQLSTATE, so the server's own words are read too."""
    orig = driver_error(error)
    return getattr(orig, "sqlstate", None) == "25P03" or _IDLE_TIMEOUT in str(orig)


_IDLE_TIMEOUT = "terminating connection due to idle-in-transaction timeout"  # PostgreSQL's FATAL text


def rolls_back(error: BaseException | None) -> bool:
    """An error MariaDB/MySQL documents to roll the whole transaction back."""
    return error is not None and mysql_errno(error) in _MYSQL_ROLLS_BACK


def _dialect_name(dialect: str) -> str:
    return DB_NAMES.get(dialect, dialect)


# -- the session: the statement's text, and what became of the work ---------------------


class Ended(Enum):
    COMMITTED = "committed"
    ROLLED_BACK = "rolled back"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Ending:
    outcome: Ended
    reason: str  # "MariaDB committed the transaction implicitly: CREATE"


def _product(dialect: str) -> str:
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite", "mysql": "MariaDB/MySQL", "mariadb": "MariaDB"}.get(
        dialect, dialect
    )


def explain(dialect: str, sql: str | None, error: BaseException | None, ran: Sequence[str] = ()) -> Ending:
    """The likely end of the transaction, after ``sql`` succeeded (``error``
    None) or failed with ``error`` and left the server outside it. ``ran``: a
    compound line's statements up to the one that failed (its last)."""
    who = _product(dialect)
    if error is not None and ran:
        failed = classified(ran[-1]).txn
        if failed is not None and failed.action == "commit":
            return Ending(Ended.ROLLED_BACK, f"the COMMIT failed, so {who} rolled the transaction back")
        sql = ";".join(ran[:-1])  # those after the failed one never ran
    first = classified(sql) if sql else None
    if dialect in ("mysql", "mariadb"):
        if first is not None and first.mysql_implicit_commit():  # the commit comes first: it stands
            return Ending(Ended.COMMITTED, f"{who} committed the transaction implicitly: {first.verb.upper()}")
        if mysql_errno(error) == MYSQL_DEADLOCK:
            return Ending(Ended.ROLLED_BACK, f"{who} rolled the whole transaction back: deadlock")
    if dialect == "sqlite" and error is not None:
        why = one_line(str(driver_error(error)))
        return Ending(Ended.ROLLED_BACK, f"SQLite rolled the transaction back (ON CONFLICT ROLLBACK or RAISE): {why}")
    texts = split_texts(sql, dialect) if sql else []
    actions = {txn.action for txn in (Classification(text).txn for text in texts) if txn is not None}
    commits, rolls = "commit" in actions, "rollback" in actions
    if commits and not rolls:
        return Ending(Ended.COMMITTED, f"{who} committed the transaction: a COMMIT inside the statement")
    if rolls and not commits:
        return Ending(Ended.ROLLED_BACK, f"{who} rolled the transaction back: a ROLLBACK inside the statement")
    return Ending(Ended.UNKNOWN, f"{who} ended the transaction inside the statement")


# -- reading errors ------------------------------------------------------------------


def mysql_errno(error: BaseException | None) -> int | None:
    """PyMySQL's error number (its first argument), else None."""
    if error is None:
        return None
    orig = driver_error(error)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and type(orig).__module__.startswith("pymysql"):
        return args[0]
    return None


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]
