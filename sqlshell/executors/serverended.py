"""Why the server ended a transaction the shell still held, in one line.

``serverstate.read`` says *that* the server is outside the transaction; this
module says what most likely happened and whether the work was committed, so
the shell can follow the server and tell the user. It only claims committed
or rolled back where the dialect leaves no doubt; otherwise the outcome is
unknown and the user is told to check the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from sqlshell.errors import driver_error, one_line
from sqlshell.sqltext.classify import classified

# Statements MySQL/MariaDB commit implicitly (before and after themselves).
MYSQL_IMPLICIT_COMMIT = frozenset(
    {
        "alter",
        "analyze",
        "cache",
        "check",
        "create",
        "drop",
        "flush",
        "grant",
        "install",
        "lock",
        "optimize",
        "rename",
        "repair",
        "reset",
        "revoke",
        "truncate",
        "uninstall",
        "unlock",
    }
)
MYSQL_DEADLOCK = 1213  # ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back
_TXN_END = re.compile(r"(?:^|;)\s*(commit|end|rollback|abort)\b", re.IGNORECASE)


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


def explain(dialect: str, sql: str | None, error: BaseException | None) -> Ending:
    """The likely end of the transaction, after ``sql`` succeeded (``error``
    None) or failed with ``error`` and left the server outside it."""
    who = _product(dialect)
    first = classified(sql).verb if sql else ""
    if dialect in ("mysql", "mariadb"):
        if error is None and first in MYSQL_IMPLICIT_COMMIT:
            return Ending(Ended.COMMITTED, f"{who} committed the transaction implicitly: {first.upper()}")
        code = getattr(driver_error(error), "args", [None])[0] if error is not None else None
        if code == MYSQL_DEADLOCK:
            return Ending(Ended.ROLLED_BACK, f"{who} rolled the whole transaction back: deadlock")
    if dialect == "sqlite" and error is not None:
        why = one_line(str(driver_error(error)))
        return Ending(Ended.ROLLED_BACK, f"SQLite rolled the transaction back (ON CONFLICT ROLLBACK or RAISE): {why}")
    verbs = {m.lower() for m in _TXN_END.findall(sql)} if sql else set()
    commits, rolls = bool(verbs & {"commit", "end"}), bool(verbs & {"rollback", "abort"})
    if commits and not rolls:
        return Ending(Ended.COMMITTED, f"{who} committed the transaction: a COMMIT inside the statement")
    if rolls and not commits:
        return Ending(Ended.ROLLED_BACK, f"{who} rolled the transaction back: a ROLLBACK inside the statement")
    return Ending(Ended.UNKNOWN, f"{who} ended the transaction inside the statement")
