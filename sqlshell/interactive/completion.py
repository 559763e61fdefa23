"""Tab completion for the REPL: SQL keywords, table and column names where
the statement wants them, meta-command names and their arguments.

Names come from the database's catalog (``sqlshell.interactive.catalog``, loaded in the
background). Meta-command arguments are completed from each command's own
declaration, so a command added to the registry completes without a line
here: its ``choices``, or the placeholders of its usage text (``TABLE``,
``[[SCHEMA.]NAME]``, ``col=value``, ``FILE``, ``FORMAT``, ``SAVEPOINT``,
``[on|off]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from sqlshell.commands.registry import Command, registry_of
from sqlshell.interactive.catalog import Catalog, catalog_for
from sqlshell.interactive.sqlcontext import analyze
from sqlshell.interactive.sqlwords import FUNCTIONS, KEYWORDS

if TYPE_CHECKING:
    from sqlshell.state import Shell

FIRST_LOAD_WAIT = 2.0  # seconds the first Tab waits for the catalog's first load
_BLANK = re.compile(r"\s+")
_SCHEMA_TABLE = re.compile(r"\b(?:from|join|into|update|table)\s+(\w+\.\w*)$", re.IGNORECASE)


class SqlCompleter(Completer):
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self._paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        line = document.current_line_before_cursor.lstrip()
        if line.startswith("\\"):
            yield from self._meta(line, complete_event)
            return
        schema_table = _SCHEMA_TABLE.search(document.text_before_cursor)
        if schema_table:  # "from sales.or": the tables of that schema
            word = schema_table.group(1)
            yield from _matching(word, self._quoted(self._catalog().tables(FIRST_LOAD_WAIT)), "table")
            return
        ctx = analyze(document.text_before_cursor, document.text_after_cursor)
        if ctx.want == "none":
            return
        if ctx.want == "table":
            yield from _matching(ctx.word, self._quoted(self._catalog().tables(FIRST_LOAD_WAIT)), "table")
            return
        if ctx.want == "column":
            catalog = self._catalog()
            columns = dict.fromkeys(c for t in ctx.tables for c in catalog.columns(t, FIRST_LOAD_WAIT))
            yield from _matching(ctx.word, self._quoted(columns), "column")
            if ctx.qualified:
                return
            yield from _matching(ctx.word, [f + "(" for f in FUNCTIONS], "function")
        yield from _matching(ctx.word, KEYWORDS, "keyword")

    def _catalog(self) -> Catalog:
        """The names of whatever database the shell is on now (``\\connect`` moves it)."""
        return catalog_for(self.shell.db)

    def _quoted(self, names: Iterable[str]) -> list[tuple[str, str]]:
        """(text to insert, name to show): quoted where the dialect needs it."""
        quote = self.shell.db.engine.dialect.identifier_preparer.quote
        return [(".".join(quote(p) for p in n.split(".")), n) for n in names]  # schema.table: each part

    # -- meta-commands ----------------------------------------------------------

    def _meta(self, line: str, event: CompleteEvent) -> Iterator[Completion]:
        parts = _BLANK.split(line)
        if len(parts) == 1:  # still typing the name
            registry = registry_of(self.shell)
            for name in registry.names():
                if name.startswith(line):
                    cmd = registry.lookup(name)
                    yield Completion(name, -len(line), display_meta=cmd.help if cmd else None)
            return
        cmd = registry_of(self.shell).lookup(parts[0])
        if cmd is None:
            return
        args, word = parts[1:-1], parts[-1]
        kind, choices = _slot(cmd, len(args))
        if kind == "file":
            yield from self._paths.get_completions(Document(word, len(word)), event)
        elif kind == "table":
            yield from _matching(word, self._quoted(self._catalog().tables(FIRST_LOAD_WAIT)), "table")
        elif kind == "column" and args and "=" not in word:
            names = self._catalog().columns(args[0], FIRST_LOAD_WAIT)
            yield from _matching(word, [(n + "=", n) for n in names], "column")
        elif kind == "format":
            from sqlshell.output.render import known_formats

            yield from _matching(word, known_formats(), "format")
        elif kind == "savepoint":
            yield from _matching(word, self.shell.txn().savepoints, "savepoint")
        elif choices:
            yield from _matching(word, choices, "")


def _slot(cmd: Command, index: int) -> tuple[str, tuple[str, ...]]:
    """What argument ``index`` of a command is, read from its declaration."""
    if index == 0 and cmd.choices:
        return "choice", cmd.choices
    placeholders = [p for p in _BLANK.split(cmd.args.strip()) if p]
    if any("=" in p for p in placeholders) and index > 0:
        return "column", ()  # TABLE [KEY …] col=value …: a column after the table
    slots = [p for p in placeholders if p.strip("[]") not in ("…", "...")]
    if not slots:
        return "", ()
    text = slots[min(index, len(slots) - 1)] if index < len(slots) or _repeats(placeholders) else ""
    bare = text.strip("[]")
    if "|" in bare:
        return "choice", tuple(w for w in bare.split("|") if w.islower())
    if bare in ("TABLE", "SCHEMA.]NAME", "PATTERN") or bare.endswith("TABLE"):
        return "table", ()
    return {"FILE": "file", "FORMAT": "format", "SAVEPOINT": "savepoint"}.get(bare, ""), ()


def _repeats(placeholders: list[str]) -> bool:
    return bool(placeholders) and placeholders[-1].strip("[]").endswith(("…", "..."))


def _matching(word: str, candidates: Iterable[str | tuple[str, str]], meta: str) -> Iterator[Completion]:
    """Candidates that start with the word, case-insensitively, in their order."""
    folded = word.lower()
    for c in candidates:
        text, shown = (c, c) if isinstance(c, str) else c
        if shown.lower().startswith(folded) or text.lower().startswith(folded):
            yield Completion(text, -len(word), display=shown, display_meta=meta or None)
