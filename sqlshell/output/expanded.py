"""psql's expanded layout (``\\x``, and ``\\x auto`` for a table wider than the
terminal): one block per row, headed ``-[ RECORD n ]``, a ``name | value``
line per column.

It prints the cells ``measure`` spilled, with the widths it measured, so an
expanded result is as wide as psql's: the value column stretches to the
record header lines and to the widest value of the whole result.
"""

from __future__ import annotations

from sqlshell.output.cells import display_width
from sqlshell.output.measure import Measured, Spill
from sqlshell.output.options import RenderOptions, Write, footer


def _record_line(record: int, hwidth: int, dwidth: int) -> str:
    """psql's ``print_aligned_vertical_line`` (border 1): ``-[ RECORD n ]-+--``,
    or the bare rule between records when there is no title (``-t``)."""
    s = "-"
    reclen = 0
    if record:
        title = f"[ RECORD {record} ]"
        s += title
        reclen = len(title)
    reclen += 1
    s += "-" * max(hwidth - reclen, 0)
    reclen -= hwidth
    for ch in "-+-":
        if reclen <= 0:
            s += ch
        reclen -= 1
    return s + "-" * max(dwidth - max(reclen, 0), 0) + "\n"


def write_expanded(m: Measured, spill: Spill, opts: RenderOptions, write: Write) -> None:
    """psql's ``\\x`` layout: one block per row, a line per column."""
    hwidth = max(map(display_width, m.names), default=0)
    # psql widens the value column to the record header lines ("-[ RECORD 12 ]").
    swidth = 4 if m.multiline else 3
    rwidth = 0 if opts.tuples_only else len(str(m.count)) + 12
    dwidth = max(hwidth + swidth + max(m.data_widths, default=0), rwidth) - hwidth - swidth
    heads = [n + " " * (hwidth - display_width(n)) for n in m.names]
    blank = " " * hwidth
    record = 0
    for cells, _multiline, _ascii in spill:
        out = []
        for row in zip(*cells, strict=True):
            record += 1
            if not opts.tuples_only or record > 1:
                out.append(_record_line(0 if opts.tuples_only else record, hwidth, dwidth))
            for head, cell in zip(heads, row, strict=True):
                if "\n" not in cell:
                    out.append(head + " | " + cell + "\n")
                    continue
                lines = cell.split("\n")
                for k, text in enumerate(lines):
                    if k < len(lines) - 1:
                        text += " " * (dwidth - display_width(text)) + "+"
                    out.append((head if k == 0 else blank) + " | " + text + "\n")
        write("".join(out))
    if m.count == 0 or not m.names:  # psql's "no cells" case: the footer alone, even for rows of no columns
        write(footer(m.count, opts))
    write("\n")
