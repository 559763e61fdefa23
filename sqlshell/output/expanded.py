"""psql's expanded layout (``\\x``, and ``\\x auto`` for a table wider than the
terminal): one block per row, headed ``-[ RECORD n ]``, a ``name | value``
line per column.

It prints the cells ``measure`` spilled, with the widths it measured, so an
expanded result is as wide as psql's: the value column stretches to the
record header lines and to the widest value of the whole result.
"""

from __future__ import annotations

from sqlshell.output.cells import cell_width, display_width
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


def _head_lines(name: str, hwidth: int) -> list[str]:
    """A column name's lines, padded to the name column and ended by ``+`` (more
    lines follow) or a space, as psql's ``print_aligned_vertical`` writes them."""
    lines = name.split("\n")
    return [
        text + " " * (hwidth - display_width(text)) + ("+" if k < len(lines) - 1 else " ")
        for k, text in enumerate(lines)
    ]


def write_expanded(m: Measured, spill: Spill, opts: RenderOptions, write: Write) -> None:
    """psql's ``\\x`` layout: one block per row, a line per column."""
    hwidth = max(map(cell_width, m.names), default=0)
    # psql widens the value column to the record header lines ("-[ RECORD 12 ]").
    swidth = 4 if m.multiline else 3
    rwidth = 0 if opts.tuples_only else len(str(m.count)) + 12
    dwidth = max(hwidth + swidth + max(m.data_widths, default=0), rwidth) - hwidth - swidth
    heads = [_head_lines(n, hwidth) for n in m.names]
    record = 0
    for cells, _multiline, _ascii in spill:
        out = []
        for row in zip(*cells, strict=True):
            record += 1
            if not opts.tuples_only or record > 1:
                out.append(_record_line(0 if opts.tuples_only else record, hwidth, dwidth))
            for head, cell in zip(heads, row, strict=True):
                if "\n" not in cell and len(head) == 1:
                    out.append(head[0] + "| " + cell + "\n")
                    continue
                lines = cell.split("\n")
                for k in range(max(len(lines), len(head))):
                    out.append(head[k] if k < len(head) else " " * (hwidth + 1))
                    if k < len(lines):
                        text = lines[k]
                        if k < len(lines) - 1:
                            text += " " * (dwidth - display_width(text)) + "+"
                        out.append("| " + text + "\n")
                    else:
                        out.append("|\n")
        write("".join(out))
    if m.count == 0 or not m.names:  # psql's "no cells" case: the footer alone, even for rows of no columns
        write(footer(m.count, opts))
    write("\n")
