"""The interactive loop: prompt → pipeline, like prompt_toolkit's tutorial REPL.

prompt_toolkit owns editing, history and the multi-line buffer; Enter runs
the input only when the splitter says it is complete (ends with ``;`` or is a
meta-command), otherwise it inserts a newline, as psql does. The prompt shows
the database, the mode and psql's transaction indicator (``*`` open, ``!`` failed).
"""

from __future__ import annotations

import os
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from sqlshell import __version__
from sqlshell.commands.core import QuitRequested
from sqlshell.exitstatus import ExitStatus
from sqlshell.paths import state_dir
from sqlshell.pipeline import Pipeline
from sqlshell.source import text_statements
from sqlshell.split import is_complete
from sqlshell.state import Shell


def _history() -> History:
    """A history file only the user can read (statements can hold secrets)."""
    try:
        directory = state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "history"
        fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


def _key_bindings(shell: Shell) -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _(event: KeyPressEvent) -> None:
        buf = event.current_buffer
        if is_complete(buf.text, shell.db.nested_comments) or buf.text.strip() in ("", "quit", "exit"):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    @kb.add("escape", "enter")
    def _(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return kb


def make_session(shell: Shell, **kwargs: Any) -> PromptSession[str]:
    return PromptSession(
        multiline=True,
        key_bindings=_key_bindings(shell),
        history=kwargs.pop("history", None) or _history(),
        **kwargs,
    )


def run_repl(shell: Shell, **session_kwargs: Any) -> ExitStatus:
    session = make_session(shell, **session_kwargs)
    pipeline = Pipeline(shell)
    out = shell.output
    out.note(f"sqlshell {__version__}: {shell.db.display_url} ({shell.db.dialect}), {shell.mode.value} mode")
    out.note("\\? lists the meta-commands, \\q quits")
    while True:
        try:
            text = session.prompt(shell.prompt_text)
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt clears the line
        except EOFError:
            if _may_quit(shell):
                break
            continue
        if text.strip() in ("quit", "exit"):
            if _may_quit(shell):
                break
            continue
        try:
            for stmt in text_statements(text, shell.db.nested_comments):
                pipeline.execute(stmt)
        except QuitRequested:
            if _may_quit(shell):
                break
    return ExitStatus.OK


def _may_quit(shell: Shell) -> bool:
    """Never drop an open transaction silently: ask commit / rollback / stay."""
    txn = shell.txn()
    if txn.state == "idle":
        return True
    out = shell.output
    question = f"a transaction is open ({txn.summary()}): [c]ommit, [r]ollback, or [s]tay? "
    asker: PromptSession[str] = PromptSession()  # plain line input, not the SQL buffer's Enter rules
    while True:
        try:
            answer = asker.prompt(question).strip().lower()
        except (EOFError, KeyboardInterrupt):
            answer = "s"
        if answer in ("c", "commit"):
            from sqlshell.commands.transaction import commit

            outcome = commit(shell)
            for line in outcome.warnings:
                out.warn(line)
            out.note(str(outcome.tag))
            return True
        if answer in ("r", "rollback"):
            shell.discard_open_work()
            out.note("ROLLBACK")
            return True
        if answer in ("s", "stay", ""):
            out.note("still here; the transaction stays open")
            return False
