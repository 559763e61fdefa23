"""Outcome → text. No database here: renderers write strings to a ``write``
callable, one batch of rows at a time, so memory does not grow with the size
of a result.

Formats: ``aligned`` (psql's table, the default; ``table`` is another name for
it), ``unaligned`` (psql ``-A``), ``csv`` (RFC 4180), ``tsv``, ``json`` (one
JSON array per result, on its own line), ``jsonl`` (one JSON object per row),
and any other tabulate format name (tabulate needs every row to size its
columns, so those collect the whole result first).

The aligned table is aligned over the whole result, as psql's is: a result of
more than one batch is measured while its cell text goes to a temporary file
(``_Spill``), then printed from it with the final widths. Memory stays at one
batch; ``\\x auto`` is decided on the whole result too.
"""

from __future__ import annotations

import marshal
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any

from sqlshell.output.values import column_text, is_numeric, to_json, to_text
from sqlshell.results import Column, Outcome

Write = Callable[[str], object]  # what it returns is ignored: file.write fits

NATIVE_FORMATS = ("aligned", "table", "unaligned", "csv", "tsv", "json", "jsonl")
MACHINE_FORMATS = ("csv", "tsv", "json", "jsonl")  # data only: no titles, footers or blank lines
ALIASES = {"table": "aligned"}


def known_formats() -> list[str]:
    """Every name ``--format`` and ``\\format`` accept."""
    from tabulate import tabulate_formats

    return list(NATIVE_FORMATS) + [f for f in tabulate_formats if f not in NATIVE_FORMATS]


def is_format(name: str) -> bool:
    """Checking a native format does not import tabulate (its import is a
    tenth of a -c run's start-up)."""
    return name in NATIVE_FORMATS or name in known_formats()


@dataclass(frozen=True)
class RenderOptions:
    format: str = "aligned"
    null: str = "<null>"  # how NULL is shown in table formats (psql shows nothing)
    quiet: bool = False  # no tags, no "(N rows)" footers
    expanded: bool = False
    auto_width: int | None = None  # \x auto: expanded when a table row would be wider than this
    tuples_only: bool = False  # psql -t: no header, no footer
    footer: bool = True  # psql \pset footer: "(N rows)"
    field_separator: str = "|"  # psql -F: between fields in the unaligned format


def render(outcome: Outcome, opts: RenderOptions, write: Write) -> int:
    """Write one outcome; returns how many rows were written."""
    count = 0
    for text in outcome.raw:
        write(text)
    tag = outcome.tag
    if outcome.columns is None:
        shown = tag() if callable(tag) else tag
    else:
        fmt = ALIASES.get(opts.format, opts.format)
        if fmt != opts.format:
            opts = replace(opts, format=fmt)
        renderer = _RENDERERS.get(fmt, _render_tabulate)
        count = renderer(outcome.columns, outcome.batches, replace(opts, footer=opts.footer and outcome.footer), write)
        shown = tag() if callable(tag) else tag  # a lazy tag counts the rows just written
        # Like psql: after rows, only a data-changing statement's tag (… RETURNING).
        if shown and not shown.startswith(_ROW_CHANGING):
            shown = None
    if shown and not opts.quiet:
        write(shown + "\n")
    return count


_ROW_CHANGING = ("INSERT", "UPDATE", "DELETE", "MERGE")


def _footer(count: int, opts: RenderOptions) -> str:
    if opts.quiet or opts.tuples_only or not opts.footer:
        return ""
    return f"({count} {'row' if count == 1 else 'rows'})\n"


# -- what a cell looks like on a terminal ------------------------------------

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def display_width(text: str) -> int:
    """Terminal columns taken by text (East Asian wide characters take two,
    combining characters none), as psql's ``pg_wcswidth`` counts."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def visible(text: str) -> str:
    """psql's ``pg_wcsformat``: a tab moves to the next multiple of 8 columns
    of its line, ``\\r`` shows as ``\\r``, other control characters as
    ``\\xNN`` (``\\uNNNN`` above ASCII); line breaks stay (multi-line cells)."""
    out: list[str] = []
    col = 0
    for ch in text:
        if ch == "\n":
            out.append(ch)
            col = 0
        elif ch == "\t":
            pad = 8 - col % 8
            out.append(" " * pad)
            col += pad
        elif ch == "\r":
            out.append("\\r")
            col += 2
        elif _CONTROL.match(ch):
            shown = f"\\x{ord(ch):02X}" if ord(ch) < 0x80 else f"\\u{ord(ch):04X}"
            out.append(shown)
            col += len(shown)
        else:
            out.append(ch)
            col += display_width(ch)
    return "".join(out)


def table_width(columns: Sequence[Column], rows: Iterable[tuple[Any, ...]], null: str) -> int:
    """Terminal columns the aligned table of these rows takes (its widest line)."""
    widths = [display_width(c.name) for c in columns]
    for i, col in enumerate(zip(*rows, strict=True)):
        for text in _cells(col, null)[0]:
            widths[i] = max(widths[i], _width(text))
    return _total_width(widths)


def _total_width(widths: Sequence[int]) -> int:
    return sum(widths) + 3 * max(len(widths) - 1, 0) + 2


def _width(text: str) -> int:
    if "\n" in text:
        return max(map(display_width, text.split("\n")))
    return display_width(text)


def _cells(values: Sequence[Any], null: str) -> tuple[list[str], int, bool, bool]:
    """One column of one batch as shown: texts, widest, multi-line?, ASCII?"""
    texts = column_text(values, null)
    joined = "".join(texts)
    if _CONTROL.search(joined):
        texts = [visible(t) for t in texts]
        joined = "".join(texts)
    if "\n" in joined:
        return texts, max(map(_width, texts), default=0), True, joined.isascii()
    if joined.isascii():
        return texts, max(map(len, texts), default=0), False, True
    return texts, max(map(display_width, texts), default=0), False, False


# -- psql's aligned table ---------------------------------------------------


class _Spill:
    """The cell text of a result's batches, held between measuring and printing:
    the first batch in memory, the rest in a temporary file. A batch is written
    as one string per column, its cells joined by \\x1f (shown cells hold no
    control character but line breaks), which marshal writes and reads back
    at memory speed."""

    def __init__(self) -> None:
        self.first: tuple[list[list[str]], bool, bool] | None = None
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

    def __iter__(self) -> Iterator[tuple[list[list[str]], bool, bool]]:
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
class _Measured:
    names: list[str]
    widths: list[int]  # header and data
    data_widths: list[int]  # data only (the expanded layout's value column)
    right: list[bool]
    count: int
    multiline: bool  # some cell has more than one line


def _measure(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, spill: _Spill
) -> _Measured:
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
            texts, w, multi, asc = _cells(col, opts.null)
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
    widths = [max(display_width(n), w) for n, w in zip(names, data_widths, strict=True)]
    return _Measured(names, widths, data_widths, right, count, any_multiline)


def _render_aligned(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    spill = _Spill()
    try:
        m = _measure(columns, batches, opts, spill)
        expanded = opts.expanded
        if not expanded and opts.auto_width and len(columns) > 1 and m.count:
            expanded = _total_width(m.widths) > opts.auto_width
        if expanded:
            _write_expanded(m, spill, opts, write)
        else:
            _write_table(m, spill, opts, write)
    finally:
        spill.close()
    return m.count


def _write_table(m: _Measured, spill: _Spill, opts: RenderOptions, write: Write) -> None:
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
    write(_footer(m.count, opts) + "\n")


def _write_header(names: Sequence[str], widths: Sequence[int], write: Write) -> None:
    if not names:
        write("--\n")
        return
    parts = []
    for name, w in zip(names, widths, strict=False):
        gap = w - display_width(name)
        left = gap // 2
        parts.append(" " * left + name + " " * (gap - left))
    write(" " + " | ".join(parts) + " \n")
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


def _write_expanded(m: _Measured, spill: _Spill, opts: RenderOptions, write: Write) -> None:
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
    if m.count == 0:
        write(_footer(0, opts))
    write("\n")


# -- psql's unaligned format ------------------------------------------------


def _render_unaligned(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    sep = opts.field_separator
    names = [c.name for c in columns]
    count = 0
    if opts.expanded:
        for batch in batches:
            out = []
            for row in batch:
                out.append("\n" if count else "")
                count += 1
                texts = (opts.null if v is None else to_text(v) for v in row)
                out.extend(f"{n}{sep}{t}\n" for n, t in zip(names, texts, strict=True))
            write("".join(out))
        return count
    if not opts.tuples_only:
        write(sep.join(names) + "\n")
    for batch in batches:
        count += len(batch)
        fields = [column_text(col, opts.null) for col in zip(*batch, strict=True)]
        write("".join([sep.join(row) + "\n" for row in zip(*fields, strict=True)]))
    write(_footer(count, opts))
    return count


# -- machine formats ----------------------------------------------------------


_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_column(values: Sequence[Any]) -> list[str]:
    """RFC 4180 fields: quoted when they hold a comma, quote or line break, and
    an empty string is ``""`` so that it differs from NULL (an empty field)."""
    texts = column_text(values, "")
    special = _CSV_SPECIAL.search("".join(texts)) is not None
    if not special and not any(t == "" and v is not None for t, v in zip(texts, values, strict=True)):
        return texts
    return [
        '"' + t.replace('"', '""') + '"' if (v is not None and (t == "" or _CSV_SPECIAL.search(t))) else t
        for t, v in zip(texts, values, strict=True)
    ]


def _render_csv(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    if opts.expanded:  # psql's -x --csv: a name,value line per column of every row, no header
        names = _csv_column([c.name for c in columns])
        count = 0
        for batch in batches:
            count += len(batch)
            write("".join(f"{n},{v}\r\n" for row in batch for n, v in zip(names, _csv_column(row), strict=True)))
        return count
    if not opts.tuples_only:
        write(",".join(_csv_column([c.name for c in columns])) + "\r\n")
    return _write_delimited(batches, _csv_column, ",", "\r\n", write)


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TSV_SPECIAL = re.compile(r"[\\\t\n\r]")


def _tsv_column(values: Sequence[Any]) -> list[str]:
    """PostgreSQL's text COPY format: NULL is ``\\N``; backslash, tab and line
    breaks are escaped, so every value survives a round trip."""
    texts = column_text(values, "\\N")
    if not _TSV_SPECIAL.search("".join(texts)):
        return texts
    return [t if v is None else t.translate(_TSV_ESCAPES) for t, v in zip(texts, values, strict=True)]


def _render_tsv(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    if not opts.tuples_only:
        write("\t".join(c.name.translate(_TSV_ESCAPES) for c in columns) + "\n")
    return _write_delimited(batches, _tsv_column, "\t", "\n", write)


def _write_delimited(
    batches: Iterable[list[tuple[Any, ...]]],
    column: Callable[[Sequence[Any]], list[str]],
    sep: str,
    end: str,
    write: Write,
) -> int:
    count = 0
    for batch in batches:
        count += len(batch)
        fields = [column(col) for col in zip(*batch, strict=True)]
        write("".join([sep.join(row) + end for row in zip(*fields, strict=True)]))
    return count


def _json_objects(columns: list[Column], batches: Iterable[list[tuple[Any, ...]]]) -> Iterator[list[str]]:
    """Each batch's rows as JSON object texts."""
    import json

    keys = [json.dumps(c.name, ensure_ascii=False) + ": " for c in columns]
    kinds = ["json" if c.json else "number" if c.numeric or c.number_items else "" for c in columns]
    for batch in batches:
        yield [
            "{" + ", ".join(k + to_json(v, kind) for k, v, kind in zip(keys, row, kinds, strict=True)) + "}"
            for row in batch
        ]


def _render_json(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    """One JSON array per result, on one line: several results are one
    document per line (JSON Lines of arrays)."""
    count = 0
    for objects in _json_objects(columns, batches):
        if objects:
            write(("[" if count == 0 else ", ") + ", ".join(objects))
            count += len(objects)
    write("]\n" if count else "[]\n")
    return count


def _render_jsonl(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    """JSON Lines: one object per row, of every result."""
    count = 0
    for objects in _json_objects(columns, batches):
        if objects:
            write("\n".join(objects) + "\n")
            count += len(objects)
    return count


def _render_tabulate(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    """tabulate's formats (github, grid, …): its table only, no psql footer."""
    from tabulate import tabulate

    raw = [row for batch in batches for row in batch]
    rows = [[opts.null if v is None else to_text(v) for v in row] for row in raw]
    align = ["right" if _numeric_column(c, i, raw) else "left" for i, c in enumerate(columns)]
    # Numbers are aligned by column type, never parsed from text ('00123' stays text).
    headers = () if opts.tuples_only else [c.name for c in columns]
    write(tabulate(rows, headers=headers, tablefmt=opts.format, disable_numparse=True, colalign=align) + "\n")
    return len(rows)


def _numeric_column(column: Column, i: int, rows: list[tuple[Any, ...]]) -> bool:
    if column.numeric is not None:
        return column.numeric
    values = [r[i] for r in rows if r[i] is not None]
    return bool(values) and all(is_numeric(v) for v in values)


_RENDERERS: dict[str, Callable[[list[Column], Iterable[list[tuple[Any, ...]]], RenderOptions, Write], int]] = {
    "aligned": _render_aligned,
    "unaligned": _render_unaligned,
    "csv": _render_csv,
    "tsv": _render_tsv,
    "json": _render_json,
    "jsonl": _render_jsonl,
}
