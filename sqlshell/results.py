"""What a statement or meta-command produced: the only currency between the
executors/commands and the renderer.

Rows are an iterator of batches, so a million-row result flows from the
driver to the output a batch at a time and memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlshell.sqltext.split import Statement


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    numeric: bool | None = None  # None: decide from the values (SQLite and friends)
    json: bool = False  # the value is JSON text (PostgreSQL json/jsonb)
    number_items: bool = False  # an array of numbers (their items are JSON numbers)


@dataclass
class Script:
    """Statements a meta-command hands back for the pipeline to run (``\\i``,
    ``\\ir``, ``\\e``): the commands never call the pipeline, so the statements
    run as the outer input's do (same shell, rendering, on-error policy).

    ``statements`` may be read lazily (a file split as it is read); ``scope`` is
    held open while they run (the open file, the ``\\ir`` base directory) and
    closed after, whatever happened. ``source`` names the script in error lines
    (None: the outer input's way, as for ``\\e``)."""

    statements: Iterable[Statement]
    source: str | None = None
    scope: AbstractContextManager[object] = field(default_factory=nullcontext)


@dataclass
class Outcome:
    """Rows (if any), then the command tag, then the shell's own notes.

    ``tag`` may be a callable evaluated after the rows were consumed (a row
    count is only known then). ``answer`` is a psql meta-command's reply
    (``\\pset``'s "Null display is …"): standard output, as psql prints it, even
    while results go to an ``\\o`` file. ``notes`` are the shell's own remarks,
    on stderr. ``-q`` drops both (as it drops tags and footers); ``warnings``
    always go to stderr. ``stdout``/``stderr`` are text written as it is, the
    results so far flushed first (psql's ``\\echo``, ``\\warn``), even under
    ``-q``. ``script``: statements to run next (``\\i``, ``\\e``).
    """

    columns: list[Column] | None = None
    batches: Iterable[list[tuple[Any, ...]]] = ()
    tag: str | Callable[[], str] | None = None
    answer: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    footer: bool = True  # "(N rows)" after a table; off for meta-command listings
    raw: Iterable[str] = ()  # text passed through as it is (COPY … TO STDOUT)
    stdout: str = ""  # standard output, not the \\o file (\\echo; what \\e runs)
    stderr: str = ""  # standard error (\\warn)
    script: Script | None = None  # statements to run after this outcome is shown

    def close(self) -> None:
        """Stop reading rows (output closed, Ctrl-C): the driver's cursor is
        released now, before its connection goes back to the pool."""
        for source in (self.batches, self.raw):
            close = getattr(source, "close", None)
            if close is not None:
                close()

    @classmethod
    def message(cls, *notes: str) -> Outcome:
        return cls(notes=list(notes))

    @classmethod
    def answered(cls, *lines: str) -> Outcome:
        return cls(answer=list(lines))

    @classmethod
    def table(cls, headers: list[str], rows: list[tuple[Any, ...]], footer: bool = False) -> Outcome:
        return cls(columns=[Column(h, numeric=False) for h in headers], batches=[rows] if rows else [], footer=footer)
