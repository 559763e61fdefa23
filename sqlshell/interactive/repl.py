"""The interactive loop: prompt → pipeline, like prompt_toolkit's tutorial REPL.

The PromptSession (editing, history, completion, toolbar) is built in
``sqlshell.interactive.prompt``. What the loop adds to the script pipeline is what only
makes sense with a person at a terminal: asking before a destructive
statement, paging results taller or wider than the screen, keeping the
completion catalog fresh after DDL, and asking what to do with an open
transaction on the way out. The prompt shows the database, the mode and
psql's transaction indicator (``*`` open, ``!`` failed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from prompt_toolkit import PromptSession

from sqlshell import __version__
from sqlshell.cancel import Canceller
from sqlshell.commands.registry import parse_meta
from sqlshell.errors import QuitRequested
from sqlshell.exitstatus import ExitStatus
from sqlshell.interactive.assist import HELP, assistance_word
from sqlshell.interactive.catalog import catalog_for, refresh
from sqlshell.interactive.lockwatch import watching
from sqlshell.interactive.pager import PagedStream, pager_command, usable
from sqlshell.interactive.prompt import carried, make_session
from sqlshell.openwork import Occasion, settle
from sqlshell.pipeline import Pipeline
from sqlshell.querysend import is_watch
from sqlshell.sqltext.destructive import destructive_reason
from sqlshell.sqltext.source import text_statements
from sqlshell.sqltext.split import Kind, Statement
from sqlshell.state import Shell

__all__ = ["make_session", "run_repl"]

# Meta-commands after which the tables may have changed (they run scripts, or say so).
# (\connect needs nothing: a new database gets its own catalog.)
_REFRESH_AFTER = frozenset({"\\i", "\\ir", "\\include", "\\include_relative", "\\e", "\\refresh"})


def run_repl(shell: Shell, session: PromptSession[str] | None = None, **session_kwargs: Any) -> ExitStatus:
    session = session or make_session(shell, **session_kwargs)
    catalog_for(shell.db)  # start reading table names now, in the background
    loop = _Loop(shell)
    out = shell.output
    out.note(f"sqlshell {__version__}: {shell.db.display_url} ({shell.db.dialect}), {shell.mode.value} mode")
    out.note("\\? lists the meta-commands, \\q quits")
    shell.on_edited = session.history.append_string  # \e's statement joins the history
    while True:
        try:
            text = session.prompt(shell.prompt_text, default=carried(session))
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt clears the line
        except EOFError:
            if _may_quit(shell):
                break
            continue
        word = assistance_word(text)
        if word == "help":
            out.write(HELP)
            out.flush()
            continue
        if word == "quit":
            if _may_quit(shell):
                break
            continue
        try:
            loop.run(text)
        except QuitRequested:
            if _may_quit(shell):
                break
    return ExitStatus.OK


class _Loop:
    """One input's statements, with the interactive checks around each."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.pipeline = Pipeline(shell)
        self.pipeline.conditions = shell.conditions  # the prompt shows a skipped \if branch
        self.canceller = Canceller()
        self.ddl_in_transaction = False

    def run(self, text: str) -> None:
        self.pipeline.conditions.last_line = 0  # each input counts its lines from 1
        shell = self.shell
        statements = text_statements(text, shell.db.nested_comments, shell.standard_conforming_strings)
        for i, stmt in enumerate(statements):
            if not self._confirmed(stmt):
                rest = " (nor the rest of the input)" if i < len(statements) - 1 else ""
                shell.output.note(f"not run{rest}")
                return
            try:
                # \watch never ends by itself: its output goes straight to the screen.
                with paging(shell) if not is_watch(stmt) else nullcontext(), self.canceller.armed(), watching(shell):
                    self.pipeline.execute(stmt)
            except KeyboardInterrupt:
                # Ctrl-C while rows were being printed (a running statement is cancelled
                # on the server instead, and reports its own error).
                shell.output.flush()
                shell.output.note(
                    "interrupted" + (" (the rest of the input was not run)" if i < len(statements) - 1 else "")
                )
                return
            finally:
                self._after(stmt)

    def _confirmed(self, stmt: Statement) -> bool:
        settings = self.shell.settings
        if stmt.kind is not Kind.SQL or not (settings.interactive and settings.destructive_warning):
            return True
        if not self.pipeline.conditions.active:
            return True  # a skipped \if branch: it will not run
        reason = destructive_reason(stmt.text, self.shell.standard_conforming_strings(), stmt.info)
        if reason is None:
            return True
        answer = ask(f"{reason}: run it? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    def _after(self, stmt: Statement) -> None:
        """Keep completion's table and column names in step with DDL."""
        db = self.shell.db
        catalog_for(db)  # after \connect: start on the new database's names
        changed = parse_meta(stmt.text)[0] in _REFRESH_AFTER if stmt.kind is Kind.META else stmt.info.ddl
        idle = self.shell.txn().state == "idle"
        if changed:
            refresh(db)  # seen by other connections now if it autocommitted…
            self.ddl_in_transaction = not idle
        elif self.ddl_in_transaction and idle:
            refresh(db)  # …or once its transaction has ended (committed or rolled back)
            self.ddl_in_transaction = False


@contextmanager
def paging(shell: Shell) -> Iterator[None]:
    """Route one statement's results through the pager when they do not fit
    (interactive, pager on, results going to a terminal, a pager installed)."""
    out, settings = shell.output, shell.settings
    target = out.stdout
    on_terminal = out.results is target and getattr(target, "isatty", lambda: False)()
    command = pager_command(settings.pager_command)
    if not (settings.interactive and settings.pager and on_terminal and usable(command)):
        yield
        return
    stream = PagedStream(target, command)
    out.stdout = stream
    try:
        yield
    finally:
        out.stdout = target
        stream.flush()


def ask(question: str) -> str:
    """A plain line of input (not the SQL buffer's Enter rules); Ctrl-C or
    Ctrl-D answer with nothing."""
    asker: PromptSession[str] = PromptSession()
    try:
        return asker.prompt(question)
    except (EOFError, KeyboardInterrupt):
        return ""


def _may_quit(shell: Shell) -> bool:
    """Never drop open work silently (a transaction, staged or flushed objects):
    ``openwork`` asks commit / rollback / stay."""
    return settle(shell, Occasion.QUIT, ask=ask)
