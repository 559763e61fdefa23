"""Meta-commands that read statements from files or write results to one:
``\\i``/``\\ir`` run a script, ``\\e`` runs what the user edited, ``\\o``
sends results to a file.

The commands hand back the statements to run (``Outcome.script``); the
pipeline runs them as it runs the outer input: in the current mode and
transaction, statement by statement, streamed, with the same on-error
policy; a failure inside it fails the ``\\i`` too, so an outer script stops
where psql's would.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, TextIO

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.errors import UserError
from sqlshell.results import Outcome, Script
from sqlshell.sqltext.source import stream_statements, text_statements

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Files")

MAX_DEPTH = 16  # nested \i levels: deeper is a file including itself


@commands.add("\\i", "FILE", "run the statements in FILE (relative to the current directory)", aliases=("\\include",))
def include(shell: Shell, args: Args) -> Outcome:
    word = _one_path(args, "\\i FILE")
    return run_file(shell, Path(word).expanduser(), word)


@commands.add(
    "\\ir",
    "FILE",
    "run FILE, relative to the directory of the script being run",
    aliases=("\\include_relative",),
)
def include_relative(shell: Shell, args: Args) -> Outcome:
    word = _one_path(args, "\\ir FILE")
    path = Path(word).expanduser()
    if shell.scripts and not path.is_absolute():
        path = shell.scripts[-1].parent / path
    return run_file(shell, path, word)


def run_file(shell: Shell, path: Path, shown: str) -> Outcome:
    """A script file to run; ``shown`` is its name as the user wrote it (for messages)."""
    if len(shell.scripts) >= MAX_DEPTH:
        raise UserError(f"cannot run {shown}: scripts nested {MAX_DEPTH} deep", "does a script include itself?")
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise UserError(f"cannot read {shown}: {exc.strerror or exc}") from exc
    statements = stream_statements(
        stream, shell.db.nested_comments, shown, server_strings=shell.standard_conforming_strings
    )
    return Outcome(script=Script(statements, shown, _running(shell, path, stream)))


@contextlib.contextmanager
def _running(shell: Shell, path: Path, stream: IO[bytes]) -> Iterator[None]:
    """While the file's statements run: it is the innermost script (``\\ir``'s
    base, the nesting depth); then it is closed."""
    shell.scripts.append(path.absolute())
    try:
        with stream:
            yield
    finally:
        shell.scripts.pop()


@commands.add("\\o", "[FILE]", "send results to FILE (created or emptied); \\o alone: back to standard output")
def output(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\o [FILE]")
    if not args.words:
        _redirect(shell, None)
        return _told(shell, "results go to standard output")
    word = args.words[0]
    if word.startswith("|"):
        raise UserError("\\o cannot pipe results to a command", "give a file name")
    try:
        # newline="": the file gets exactly what the renderer wrote (CSV's CRLF included).
        file = Path(word).expanduser().open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"cannot write {word}: {exc.strerror or exc}") from exc
    _redirect(shell, file)
    return _told(shell, f"results go to {word}")


def _told(shell: Shell, note: str) -> Outcome:
    """psql's \\o says nothing, so a script's output matches; at the prompt
    sqlshell tells the terminal where results now go (stderr)."""
    return Outcome.message(note) if shell.settings.interactive else Outcome()


def _redirect(shell: Shell, file: TextIO | None) -> None:
    """Switch the results to ``file``; the previous ``\\o`` file is closed, and what
    it could not write (a full disk) is an error rather than a traceback."""
    try:
        shell.output.redirect(file)
    except OSError as exc:
        raise UserError(f"cannot write the results file: {exc.strerror or exc}") from exc


@commands.add(
    "\\e",
    "[FILE]",
    "edit the last statement (or FILE) in $EDITOR, then run what was saved",
)
def edit(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\e [FILE]")
    if args.words:
        word = args.words[0]
        path = Path(word).expanduser()
        run_editor(path)
        return run_file(shell, path, word)
    # A private directory: the statement may hold secrets.
    with tempfile.TemporaryDirectory(prefix="sqlshell-") as tmp:
        path = Path(tmp) / "statement.sql"
        path.write_text((shell.last_sql or "") + "\n", encoding="utf-8")
        run_editor(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read what the editor saved: {exc}") from exc
    statements = text_statements(text, shell.db.nested_comments, shell.standard_conforming_strings)
    if not statements:
        return Outcome.message("nothing to run")
    if shell.on_edited is not None:
        shell.on_edited(text.strip())  # Up brings it back, as psql's history does
    # What runs is shown first, as psql shows it.
    return Outcome(stdout=text.strip() + "\n", script=Script(statements))


def editor_command() -> list[str]:
    """$EDITOR, else $VISUAL (psql's order), else vi; it may carry arguments (``code -w``)."""
    return shlex.split(os.environ.get("EDITOR") or os.environ.get("VISUAL") or "vi")


def run_editor(path: Path) -> None:
    """Let the user edit ``path``; raises UserError unless the editor ends well."""
    command = editor_command()
    if not command:
        raise UserError("$EDITOR is empty", "set EDITOR to your editor's command")
    try:
        done = subprocess.run([*command, str(path)], check=False)
    except OSError as exc:
        raise UserError(
            f"cannot start the editor {command[0]}: {exc.strerror or exc}", "set EDITOR to your editor's command"
        ) from exc
    if done.returncode != 0:
        raise UserError(f"the editor exited with status {done.returncode}; nothing was run")


def _one_path(args: Args, usage: str) -> str:
    args.at_most(1, usage)
    if not args.words or not args.words[0]:
        raise UserError(f"{usage.split()[0]} needs a file name", f"usage: {usage}")
    return args.words[0]
