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


class OpenWork(UserError):
    """A mode change or reconnect would drop open work (``openwork`` decides)."""


class ConnectError(UserError):
    """The database cannot be reached: exit code 2 in scripts."""


class InputError(Exception):
    """The input cannot be read as an SQL script (exit code 2)."""


class QuitRequested(Exception):
    """``\\q``: the REPL or script loop ends (after the open-work check)."""


_WS = re.compile(r"\s*\n\s*")


def one_line(text: str) -> str:
    """Fold a multi-line driver message into one line."""
    return _WS.sub("; ", text.strip())


def driver_error(exc: BaseException) -> BaseException:
    """The DBAPI exception inside SQLAlchemy's wrapper, or the exception itself."""
    return getattr(exc, "orig", None) or exc


def describe_db_error(exc: BaseException) -> str:
    """One line for a failed statement: the server's message, detail and hint
    (where it points is ``error_position``'s business, told once by the caller)."""
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
    else:
        text = f"ERROR: {one_line(str(orig)) or type(orig).__name__}"
    return scrub_secrets(text + _notes(exc))


def error_position(exc: BaseException, sql: str) -> tuple[int, int] | None:
    """Where in ``sql`` the server says the error is: (line within the
    statement, from 0; column, from 1), or None."""
    diag = getattr(driver_error(exc), "diag", None)
    pos = getattr(diag, "statement_position", None) if diag is not None else None
    if not pos or not sql:
        return None
    offset = min(int(pos) - 1, len(sql))
    return sql.count("\n", 0, offset), offset - (sql.rfind("\n", 0, offset) + 1) + 1


def server_message(diag: object) -> str:
    """A notice or warning as psql prints it: ``NOTICE:  text``, then its
    DETAIL and HINT lines."""
    severity = getattr(diag, "severity", None) or "NOTICE"
    lines = [f"{severity}:  {getattr(diag, 'message_primary', None) or ''}"]
    for label, attr in (("DETAIL", "message_detail"), ("HINT", "message_hint")):
        value = getattr(diag, attr, None)
        if value:
            lines.append(f"{label}:  {value}")
    return scrub_secrets("\n".join(lines))


def _notes(exc: BaseException) -> str:
    """Notes the shell attached (``add_note``) about what it did after the error."""
    notes = getattr(exc, "__notes__", None)
    return "".join(f" [{n}]" for n in notes) if notes else ""
