"""``\\g FILE`` / ``\\gx FILE``: one statement's results written to a file, as psql does.

A file name after ``\\g`` used to be dropped in silence, so the results went to the
terminal while the user looked for them in the file."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TextIO

from sqlshell.errors import UserError
from sqlshell.sqltext.metaargs import words
from sqlshell.sqltext.split import Statement


def g_file(stmt: Statement, variables: dict[str, str]) -> TextIO | None:
    """The file named after a ``\\g`` / ``\\gx`` terminator, opened for writing
    (created or emptied, like ``\\o FILE``), or None when no file is named."""
    head, _, rest = stmt.terminator.partition(" ")
    if head not in ("\\g", "\\gx") or not rest.strip():
        return None
    if rest.lstrip().startswith("|"):
        raise UserError(f"{head} cannot pipe results to a command", "give a file name")
    names = words(rest, variables)
    if len(names) != 1:
        raise UserError(f"{head} takes one file name, not {len(names)}", f"usage: {head} [FILE]")
    try:
        # newline="": the file gets exactly what the renderer wrote (CSV's CRLF included).
        return Path(names[0]).expanduser().open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"cannot write {names[0]}: {exc.strerror or exc}") from exc


def close_g_file(target: TextIO | None, failed: bool) -> None:
    """Close the ``\\g`` file; a failure to write what it still holds (a full disk)
    fails the statement, unless the statement already failed (then it is said once)."""
    if target is None:
        return
    if failed:
        with contextlib.suppress(OSError):
            target.close()
        return
    try:
        target.close()
    except OSError as exc:
        raise UserError(f"cannot write {target.name}: {exc.strerror or exc}") from exc
