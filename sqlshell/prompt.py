"""The REPL's PromptSession, assembled in one place: key bindings, history,
completion, SQL highlighting and the bottom toolbar.

prompt_toolkit owns editing (emacs or vi bindings, multi-line buffer, Ctrl-R
reverse search through the history); the shell adds only the Enter rule:
Enter runs the input when the splitter says it is complete (ends with ``;``
or is a meta-command), otherwise it inserts a newline, as psql does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.enums import DEFAULT_BUFFER, EditingMode
from prompt_toolkit.filters import has_focus
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from pygments.lexers.sql import PostgresLexer, SqlLexer

from sqlshell import lockwatch
from sqlshell.completion import SqlCompleter
from sqlshell.history import open_history
from sqlshell.split import is_complete
from sqlshell.toolbar import toolbar_text

if TYPE_CHECKING:
    from sqlshell.state import Shell

_LEXERS: dict[bool, Lexer] = {}


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
        if is_complete(buf.text, shell.db.nested_comments) or buf.text.strip() in ("", "quit", "exit"):
            buf.validate_and_handle()
        else:
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
    return PromptSession(**options)
