"""The REPL's PromptSession, assembled in one place: key bindings, history,
completion, SQL highlighting and the bottom toolbar.

prompt_toolkit owns editing (emacs or vi bindings, multi-line buffer, Ctrl-R
reverse search through the history); the shell adds only the Enter rule:
Enter runs the input when the splitter says it is complete (ends with ``;``
or is a meta-command), otherwise it inserts a newline, as psql does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.enums import DEFAULT_BUFFER, EditingMode
from prompt_toolkit.filters import has_focus
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from pygments.lexers.sql import PostgresLexer, SqlLexer

from sqlshell.interactive import lockwatch
from sqlshell.interactive.assist import assistance_word, hint
from sqlshell.interactive.completion import SqlCompleter
from sqlshell.interactive.continuation import STATEMENT, marker, open_state
from sqlshell.interactive.history import open_history
from sqlshell.interactive.toolbar import toolbar_text
from sqlshell.sqltext.split import is_complete

if TYPE_CHECKING:
    from sqlshell.state import Shell

_LEXERS: dict[bool, Lexer] = {}
# The statement typed before a meta-command that ran at once (psql keeps its query buffer).
_CARRIED: WeakKeyDictionary[Buffer, str] = WeakKeyDictionary()


def guide(shell: Shell, buf: Buffer, before: str, last: str) -> bool:
    """Enter on a continuation line (``before`` is the unfinished statement):
    a meta-command runs at once, as in psql, and the statement waits at the
    next prompt; ``quit``/``exit``/``help`` say what to type instead. True when
    the line was handled."""
    state = open_state(before + "\n", shell.db.nested_comments)
    line = last.strip()
    if state in (STATEMENT, "(") and line.startswith("\\") and line[1:2] not in ("", ";", ":"):
        _CARRIED[buf] = before + "\n"
        buf.text = line
        buf.validate_and_handle()
        return True
    word = assistance_word(last)
    if word is not None:
        told = hint(word, state)
        run_in_terminal(lambda: shell.output.note(told))
    return False


def carried(session: PromptSession[str]) -> str:
    """The unfinished statement to put back at the next prompt ("" if none)."""
    return _CARRIED.pop(session.default_buffer, "")


def continuation(shell: Shell, session: PromptSession[str]) -> Any:
    """The continuation prompt: what the lines above leave open (psql's ``-#``,
    ``'#``, ``(#``, ``$#`` idea): ``-`` a statement, ``'``/``"`` a quote,
    ``(`` a parenthesis, ``$$`` a dollar quote, ``/*`` a comment."""

    def text(width: int, line_number: int, wrap_count: int) -> str:
        if wrap_count:
            return " " * width
        lines = session.default_buffer.document.lines[:line_number]
        mark = marker(open_state("\n".join(lines) + "\n", shell.db.nested_comments))
        return (mark + "> ").rjust(width)

    return text


def key_bindings(shell: Shell) -> KeyBindings:
    kb = KeyBindings()

    # Only in the statement buffer: during Ctrl-R search, Enter accepts the match.
    @kb.add("enter", filter=has_focus(DEFAULT_BUFFER))
    def _(event: KeyPressEvent) -> None:
        buf = event.current_buffer
        state = buf.complete_state
        if state is not None and state.current_completion is not None:
            buf.complete_state = None  # Enter in the completion menu takes the completion
            return
        text = buf.text
        complete = is_complete(text, shell.db.nested_comments, shell.standard_conforming_strings())
        if complete or assistance_word(text) is not None:
            buf.validate_and_handle()
            return
        before, _, last = text.rpartition("\n")
        if (before and not guide(shell, buf, before, last)) or not before:
            buf.insert_text("\n")

    @kb.add("escape", "enter", filter=has_focus(DEFAULT_BUFFER))
    def _(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return kb


def sql_lexer(shell: Shell) -> Lexer:
    """PostgreSQL's dialect on PostgreSQL, generic SQL elsewhere (follows ``\\connect``)."""
    postgres = shell.db.is_postgres
    if postgres not in _LEXERS:
        _LEXERS[postgres] = PygmentsLexer(PostgresLexer if postgres else SqlLexer)
    return _LEXERS[postgres]


def make_session(shell: Shell, **kwargs: Any) -> PromptSession[str]:
    settings = shell.settings
    options: dict[str, Any] = {
        "multiline": True,
        "key_bindings": key_bindings(shell),
        "completer": SqlCompleter(shell),
        "complete_while_typing": False,  # Tab completes, as in psql; typing stays instant
        "lexer": DynamicLexer(lambda: sql_lexer(shell)),
        "editing_mode": EditingMode.VI if settings.key_bindings == "vi" else EditingMode.EMACS,
        "bottom_toolbar": lambda: toolbar_text(shell.mode.value, shell.txn(), lock_wait=lockwatch.last.label()),
        "refresh_interval": 1.0,  # the toolbar's "open 12s" keeps counting
        "search_ignore_case": True,
    }
    options.update(kwargs)
    if options.get("history") is None:
        options["history"] = open_history(settings.history_size)
    session: PromptSession[str] = PromptSession(**options)
    if "prompt_continuation" not in kwargs:
        session.prompt_continuation = continuation(shell, session)
    return session
