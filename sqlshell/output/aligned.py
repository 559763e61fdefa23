"""psql's aligned format (its default, and ours): a header centred over each
column, a ``-+-`` rule, rows padded to the widest cell of the whole result,
numbers on the right, multi-line cells continued with ``+``, and ``(N rows)``.

The result is read twice: ``measure`` sizes it and spills the cells, then this
module prints them. ``\\x`` (and ``\\x auto``, when the table would be wider
than the terminal) hands the same measured cells to ``expanded`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlshell.output.cells import display_width, total_width
from sqlshell.output.expanded import write_expanded
from sqlshell.output.measure import Measured, Spill, measure
from sqlshell.output.options import RenderOptions, Write, footer
from sqlshell.results import Column


def render_aligned(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    spill = Spill()
    try:
        m = measure(columns, batches, opts, spill)
        expanded = opts.expanded
        if not expanded and opts.auto_width and len(columns) > 1 and m.count:
            expanded = total_width(m.widths) > opts.auto_width
        if expanded:
            write_expanded(m, spill, opts, write)
        else:
            _write_table(m, spill, opts, write)
    finally:
        spill.close()
    return m.count


def _write_table(m: Measured, spill: Spill, opts: RenderOptions, write: Write) -> None:
    if not opts.tuples_only:
        _write_header(m.names, m.widths, write)
    widths, right = m.widths, m.right
    last = len(widths) - 1
    fast = None
    for cells, multiline, ascii_ in spill:
        if not cells:
            continue
        if ascii_ and not multiline:
            if fast is None:  # one format string for every row
                specs = [
                    "{:" + (">" if right[i] else "<") + str(w) + "}" if (i < last or right[i]) else "{}"
                    for i, w in enumerate(widths)
                ]
                fast = " " + " | ".join(specs) + "\n"
            write("".join([fast.format(*row) for row in zip(*cells, strict=True)]))
        else:
            write("".join([line for row in zip(*cells, strict=True) for line in _row_lines(row, widths, right)]))
    write(footer(m.count, opts) + "\n")


def _write_header(names: Sequence[str], widths: Sequence[int], write: Write) -> None:
    """psql's header: each name centred over its column; a name of several lines
    takes several header lines, each but its last ended by ``+``."""
    if not names:
        write("--\n")
        return
    parts = [n.split("\n") for n in names]
    last = len(parts) - 1
    for k in range(max(map(len, parts))):
        line = []
        for j, (p, w) in enumerate(zip(parts, widths, strict=False)):
            if k < len(p):
                gap = w - display_width(p[k])
                line.append(" " + " " * (gap // 2) + p[k] + " " * (gap - gap // 2))
                line.append("+" if k < len(p) - 1 else " ")
            else:
                line.append(" " * (w + 2))
            if j < last:
                line.append("|")
        write("".join(line) + "\n")
    write("-" + "-+-".join("-" * w for w in widths) + "-\n")


def _row_lines(row: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> list[str]:
    """One row, as psql's ``print_aligned_text`` lays it out: a ``+`` after a
    cell that goes on in the next line, and no padding after the last column."""
    parts = [c.split("\n") for c in row]
    height = max(map(len, parts))
    last = len(parts) - 1
    lines = []
    for k in range(height):
        out = []
        for j, p in enumerate(parts):
            w = widths[j]
            more = k < len(p) - 1
            piece = " "
            if k >= len(p):
                if j < last:
                    piece += " " * w
            else:
                text = p[k]
                gap = w - display_width(text)
                if right[j]:
                    piece += " " * gap + text
                else:
                    piece += text
                    if j < last or more:
                        piece += " " * gap
            if more:
                piece += "+"
            elif j < last:
                piece += " "
            if j < last:
                piece += "|"
            out.append(piece)
        lines.append("".join(out) + "\n")
    return lines
