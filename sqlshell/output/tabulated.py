"""tabulate's formats (``github``, ``grid``, ``html``, ``latex``, …): its table
only, with no psql footer or tag after it.

tabulate needs every row to size its columns, so these collect the whole
result first (the native formats stream). tabulate is imported at first use:
its import is a tenth of a ``-c`` run's start-up, and scripts rarely ask for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlshell.output.options import RenderOptions, Write
from sqlshell.output.values import is_numeric, to_text
from sqlshell.results import Column


def render_tabulate(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    """tabulate's formats (github, grid, …): its table only, no psql footer."""
    from tabulate import tabulate

    raw = [row for batch in batches for row in batch]
    cell = _markdown_cell if opts.format in _MARKDOWN else str
    rows = [[cell(opts.null if v is None else to_text(v)) for v in row] for row in raw]
    align = ["right" if _numeric_column(c, i, raw) else "left" for i, c in enumerate(columns)]
    # Numbers are aligned by column type, never parsed from text ('00123' stays text).
    headers = () if opts.tuples_only else [cell(c.name) for c in columns]
    write(tabulate(rows, headers=headers, tablefmt=opts.format, disable_numparse=True, colalign=align) + "\n")
    return len(rows)


# Markdown tables (GitHub's and pipe) end a cell at every "|" and a row at every
# line break; tabulate writes both raw, so a value holding either broke the table.
_MARKDOWN = frozenset({"github", "pipe"})


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def _numeric_column(column: Column, i: int, rows: list[tuple[Any, ...]]) -> bool:
    if column.numeric is not None:
        return column.numeric
    values = [r[i] for r in rows if r[i] is not None]
    return bool(values) and all(is_numeric(v) for v in values)
