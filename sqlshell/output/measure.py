"""The first of the aligned layouts' two passes over a result: measure every
column (width, numeric or not) while the shown cell text goes to a ``Spill``.

psql aligns a table over the whole result, and ``\\x auto`` decides on the
whole result too, but a result arrives a batch at a time and may not fit in
memory. So the cells are measured once, set aside (the first batch in
memory, the rest in a temporary file), and printed from there with the final
widths by ``aligned`` or ``expanded``. Memory stays at one batch.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlshell.output.cells import cell_width, column_cells, visible
from sqlshell.output.options import RenderOptions
from sqlshell.output.values import is_numeric
from sqlshell.results import Column

Batch = tuple[list[list[str]], bool, bool]  # cells (one list per column), multi-line?, ASCII?


class Spill:
    """The cell text of a result's batches, held between measuring and printing:
    the first batch in memory, the rest in a temporary file. A batch is written
    as one string per column, its cells joined by \\x1f (shown cells hold no
    control character but line breaks), which marshal writes and reads back
    at memory speed."""

    def __init__(self) -> None:
        self.first: Batch | None = None
        self.file: IO[bytes] | None = None

    def add(self, cells: list[list[str]], multiline: bool, ascii_: bool) -> None:
        if self.first is None:
            self.first = (cells, multiline, ascii_)
            return
        if not cells or not cells[0]:
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        data = marshal.dumps((["\x1f".join(col) for col in cells], multiline, ascii_))
        self.file.write(len(data).to_bytes(8, "little") + data)

    def __iter__(self) -> Iterator[Batch]:
        if self.first is None:
            return
        yield self.first
        if self.file is None:
            return
        self.file.seek(0)
        read = self.file.read
        while size := read(8):
            joined, multiline, ascii_ = marshal.loads(read(int.from_bytes(size, "little")))
            yield [col.split("\x1f") for col in joined], multiline, ascii_

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


@dataclass
class Measured:
    names: list[str]
    widths: list[int]  # header and data
    data_widths: list[int]  # data only (the expanded layout's value column)
    right: list[bool]
    count: int
    multiline: bool  # some cell has more than one line


def measure(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, spill: Spill
) -> Measured:
    """Read every batch once: widths, row count and alignment, the cells to ``spill``."""
    names = [visible(c.name) for c in columns]
    ncols = len(names)
    data_widths = [0] * ncols
    numeric: list[bool | None] = [c.numeric for c in columns]
    undecided = [i for i, n in enumerate(numeric) if n is None]
    seen = [False] * ncols  # a column of only NULLs is not numeric (psql: text)
    count = 0
    any_multiline = False
    for batch in batches:
        count += len(batch)
        cols = list(zip(*batch, strict=True)) if ncols else []
        cells, multiline, ascii_ = [], False, True
        for i, col in enumerate(cols):
            texts, w, multi, asc = column_cells(col, opts.null)
            cells.append(texts)
            multiline |= multi
            ascii_ &= asc
            if w > data_widths[i]:
                data_widths[i] = w
        for i in undecided:  # SQLite: numeric when every value of the whole result is a number
            if numeric[i] is False:
                continue
            values = [v for v in cols[i] if v is not None]
            if values:
                seen[i] = True
                if not all(is_numeric(v) for v in values):
                    numeric[i] = False
        any_multiline |= multiline
        spill.add(cells, multiline, ascii_)
    right = [bool(n) if n is not None else seen[i] for i, n in enumerate(numeric)]
    widths = [max(cell_width(n), w) for n, w in zip(names, data_widths, strict=True)]  # a name's widest line
    return Measured(names, widths, data_widths, right, count, any_multiline)
