"""psql's meta-commands that send the query before them somewhere other than
the screen: ``\\gset [PREFIX]`` (its one row into variables), ``\\gexec``
(each value of the result run as a statement) and ``\\watch`` (run again
every few seconds).

Each ends the SQL statement it follows (the splitter's terminators); typed
alone, it sends the previous query again, as psql does with an empty query
buffer. The query itself runs through the pipeline (``Pipeline.execute``), so
errors, transaction state and on-error policy are the same as for ``;``
(a sender takes the pipeline as a ``Runner``: this module does not import it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from sqlshell.cancel import running
from sqlshell.errors import UserError
from sqlshell.output.render import ALIASES, MACHINE_FORMATS, render
from sqlshell.output.values import to_text
from sqlshell.results import Outcome
from sqlshell.sqltext import metaargs
from sqlshell.sqltext.split import Kind, Statement

if TYPE_CHECKING:
    from sqlshell.state import Shell


class Runner(Protocol):
    """What a sender needs of the pipeline (``pipeline.Pipeline``, which imports
    this module): run a statement as any other, report a failure, say where."""

    @property
    def shell(self) -> Shell: ...

    def execute(
        self, stmt: Statement, consume: Callable[[Outcome], object] | None = None, raw: bool = False
    ) -> bool: ...

    def fail(self, stmt: Statement, message: str) -> bool: ...

    def where(self, stmt: Statement, line: int = 0) -> str: ...


Sender = Callable[[Runner, Statement], bool]

# psql's variables with hooks: \gset leaves them alone, with a warning.
_SPECIAL = frozenset(
    [
        "AUTOCOMMIT",
        "COMP_KEYWORD_CASE",
        "ECHO",
        "ECHO_HIDDEN",
        "FETCH_COUNT",
        "HIDE_TABLEAM",
        "HIDE_TOAST_COMPRESSION",
        "HISTCONTROL",
        "HISTFILE",
        "HISTSIZE",
        "IGNOREEOF",
        "ON_ERROR_ROLLBACK",
        "ON_ERROR_STOP",
        "PROMPT1",
        "PROMPT2",
        "PROMPT3",
        "QUIET",
        "SHOW_ALL_RESULTS",
        "SHOW_CONTEXT",
        "SINGLELINE",
        "SINGLESTEP",
        "VERBOSITY",
    ]
)


def sender(stmt: Statement) -> Sender | None:
    """The sender for a statement ended by (or a line holding only) one of these commands."""
    if stmt.kind is Kind.SQL:
        return _SENDERS.get(stmt.terminator.split(maxsplit=1)[0]) if stmt.terminator else None
    if not stmt.text:
        return None
    name = stmt.text.split(maxsplit=1)[0]
    return _SENDERS.get(name) or _AGAIN.get(name)


def again(pipeline: Runner, stmt: Statement) -> bool:
    """``\\g [FILE]`` / ``\\gx [FILE]`` on a line of their own: psql sends its
    query buffer, which after a statement ran is that statement again. Ended by
    the same command, so the file and the expanded display apply as usual."""
    shell = pipeline.shell
    name = stmt.text.split(maxsplit=1)[0]
    if not shell.last_sql:
        return pipeline.fail(stmt, f"{name} cannot be used with an empty query (write the query, then {name})")
    return pipeline.execute(Statement(Kind.SQL, shell.last_sql, stmt.line, terminator=stmt.text.strip()))


def is_watch(stmt: Statement) -> bool:
    return sender(stmt) is watch


def _query(pipeline: Runner, stmt: Statement) -> tuple[Statement, list[str]] | None:
    """The query to send and the command's arguments (None: failed, and said so)."""
    shell = pipeline.shell
    text = stmt.terminator if stmt.kind is Kind.SQL else stmt.text
    name, _, args = text.partition(" ")
    words = metaargs.words(args, shell.variables)
    if stmt.kind is Kind.SQL:
        return replace(stmt, terminator=""), words
    if not shell.last_sql:
        pipeline.fail(stmt, f"{name} cannot be used with an empty query (write the query, then {name})")
        return None
    return Statement(Kind.SQL, shell.last_sql, stmt.line), words


def gset(pipeline: Runner, stmt: Statement) -> bool:
    found = _query(pipeline, stmt)
    if found is None:
        return False
    query, words = found
    prefix = words[0] if words else ""
    shell = pipeline.shell
    for extra in words[1:]:  # psql's warning: an argument is never dropped in silence
        shell.output.warn(f'{pipeline.where(stmt)}warning: \\gset: extra argument "{extra}" ignored')

    def store(outcome: Outcome) -> None:
        if outcome.columns is None:  # a command without rows: psql shows its tag
            render(outcome, shell.settings.render_options(), shell.output.write)
            return
        rows: list[tuple[object, ...]] = []
        for batch in outcome.batches:
            rows.extend(batch)
            if len(rows) > 1:
                break
        if not rows:
            raise UserError("no rows returned for \\gset")
        if len(rows) > 1:
            raise UserError("more than one row returned for \\gset")
        for column, value in zip(outcome.columns, rows[0], strict=True):
            name = prefix + column.name
            if name in _SPECIAL:
                where = pipeline.where(stmt)
                shell.output.warn(f'{where}warning: attempt to \\gset into specially treated variable "{name}" ignored')
                continue
            if not name.replace("_", "a").isalnum():
                raise UserError(f'invalid variable name: "{name}"', "name the column with AS")
            if value is None:
                shell.variables.pop(name, None)  # NULL unsets, as in psql
            else:
                shell.variables[name] = to_text(value)

    return pipeline.execute(query, consume=store)


def gexec(pipeline: Runner, stmt: Statement) -> bool:
    found = _query(pipeline, stmt)
    if found is None:
        return False
    query, _ = found
    shell = pipeline.shell
    statements: list[str] = []

    def collect(outcome: Outcome) -> None:
        if outcome.columns is None:
            render(outcome, shell.settings.render_options(), shell.output.write)
            return
        for batch in outcome.batches:
            for row in batch:
                statements.extend(to_text(value) for value in row if value is not None)

    if not pipeline.execute(query, consume=collect):
        return False
    ok = True
    # Row by row, column by column, each sent as it is: psql does not read
    # variables in them, so the pipeline sees none meanwhile.
    variables, shell.variables = shell.variables, {}
    try:
        for text in statements:
            if not pipeline.execute(Statement(Kind.SQL, text, stmt.line), raw=True):
                ok = False
                if shell.settings.on_error_stop:
                    break
    finally:
        shell.variables = variables
    return ok


def watch_options(words: list[str]) -> tuple[float, int | None]:
    """psql 16's ``\\watch [SECONDS] [i=SECONDS] [c=COUNT]`` (default every 2 s, no end)."""
    interval: float | None = None
    count: int | None = None
    for word in words:
        key, eq, value = word.partition("=")
        if eq and key == "c":
            if count is not None:
                raise UserError("\\watch: iteration count is specified more than once")
            if not value.isdigit() or int(value) < 1:
                raise UserError(f'\\watch: incorrect iteration count "{value}"')
            count = int(value)
            continue
        if eq and key != "i":
            raise UserError(f'\\watch: unrecognized parameter "{key}"', "\\watch [SECONDS] [i=SECONDS] [c=COUNT]")
        text = value if eq else word
        if interval is not None:
            raise UserError("\\watch: interval value is specified more than once")
        try:
            interval = float(text)
        except ValueError:
            interval = -1.0
        if not interval >= 0 or interval == float("inf"):
            raise UserError(f'\\watch: incorrect interval value "{text}"')
    return (2.0 if interval is None else interval), count


def watch(pipeline: Runner, stmt: Statement) -> bool:
    found = _query(pipeline, stmt)
    if found is None:
        return False
    query, words = found
    try:
        interval, count = watch_options(words)
    except UserError as exc:
        return pipeline.fail(stmt, str(exc))
    out, done = pipeline.shell.output, 0
    opts = pipeline.shell.settings.render_options()
    # psql titles each run, but not with tuples only or in CSV: data formats stay data.
    titled = not opts.tuples_only and ALIASES.get(opts.format, opts.format) not in MACHINE_FORMATS
    running.interrupted = False  # only a Ctrl-C from now on ends it
    try:
        while True:
            if titled:
                out.write(f"{time.strftime('%c')} (every {interval:g}s)\n\n")
            if not pipeline.execute(query):
                return False  # as psql: an error ends the watch
            done += 1
            if (count is not None and done >= count) or running.interrupted:
                return True  # (Ctrl-C may land after the query ended: its cancel then does nothing)
            out.flush()
            running.connection = None  # nothing runs now: Ctrl-C interrupts the wait
            time.sleep(interval)
    except KeyboardInterrupt:
        out.flush()
        return True  # Ctrl-C ends the watch, not the shell


_SENDERS: dict[str, Sender] = {"\\gset": gset, "\\gexec": gexec, "\\watch": watch}
_AGAIN: dict[str, Sender] = {"\\g": again, "\\gx": again}  # only alone: after SQL they are plain terminators
