"""Turn exceptions into the one line a user reads.

Every failure the user can cause ends up here: database errors from the
driver (through SQLAlchemy's DBAPIError wrapper), connection failures, and
the shell's own ``UserError``. None of them ever shows a traceback.
"""

from __future__ import annotations

import re

from sqlshell.urls import scrub_secrets


class UserError(Exception):
    """A mistake the user can fix: bad argument, unknown command, refused action.

    The message is shown as it is, on one line; ``hint`` says what to do.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConnectError(UserError):
    """The database cannot be reached: exit code 2 in scripts."""


_WS = re.compile(r"\s*\n\s*")


def one_line(text: str) -> str:
    """Fold a multi-line driver message into one line."""
    return _WS.sub("; ", text.strip())


def driver_error(exc: BaseException) -> BaseException:
    """The DBAPI exception inside SQLAlchemy's wrapper, or the exception itself."""
    return getattr(exc, "orig", None) or exc


def describe_db_error(exc: BaseException, sql: str = "", line: int = 0) -> str:
    """One line for a failed statement: the server's message, where in the
    input it points (psql's position, turned into a line number), hint and detail.
    """
    orig = driver_error(exc)
    diag = getattr(orig, "diag", None)
    if diag is not None and diag.message_primary:
        severity = diag.severity or "ERROR"
        parts = [f"{severity}: {diag.message_primary}"]
        if diag.message_detail:
            parts.append(f"DETAIL: {one_line(diag.message_detail)}")
        if diag.message_hint:
            parts.append(f"HINT: {one_line(diag.message_hint)}")
        text = "  ".join(parts)
        pos = diag.statement_position
        if pos and sql and line:
            offset = int(pos) - 1
            err_line = line + sql.count("\n", 0, offset)
            column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
            text += f" (at line {err_line}, column {column})"
    else:
        text = f"ERROR: {one_line(str(orig)) or type(orig).__name__}"
    prefix = f"line {line}: " if line else ""
    return scrub_secrets(prefix + text + _notes(exc))


def _notes(exc: BaseException) -> str:
    """Notes the shell attached (``add_note``) about what it did after the error."""
    notes = getattr(exc, "__notes__", None)
    return "".join(f" [{n}]" for n in notes) if notes else ""
