"""Outcome → text. No database and no I/O here: renderers write strings to a
``write`` callable, one batch of rows at a time, so memory does not grow
with the size of a result.

Formats: ``table`` (psql's aligned format, the default), ``csv`` (RFC 4180),
``tsv``, ``json``, and any other tabulate format name (tabulate needs every
row to size its columns, so those collect the whole result first).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlshell.results import Column, Outcome
from sqlshell.values import column_text, is_numeric, to_json, to_text

Write = Callable[[str], None]

NATIVE_FORMATS = ("table", "csv", "tsv", "json")


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
    format: str = "table"
    null: str = "<null>"  # how NULL is shown in table formats (psql shows nothing)
    quiet: bool = False  # no tags, no "(N rows)" footers
    expanded: bool = False
    auto_width: int | None = None  # \x auto: expanded when a table row would be wider than this


def render(outcome: Outcome, opts: RenderOptions, write: Write) -> int:
    """Write one outcome; returns how many rows were written."""
    count = 0
    for text in outcome.raw:
        write(text)
    tag = outcome.tag
    if callable(tag) and outcome.columns is None:
        tag = tag()
    if outcome.columns is not None:
        renderer = _RENDERERS.get(opts.format, _render_tabulate)
        batches = outcome.batches
        if opts.auto_width and opts.format == "table" and not opts.expanded and len(outcome.columns) > 1:
            opts, batches = _auto_expand(outcome.columns, batches, opts)
        count = renderer(outcome.columns, batches, opts, write)
        if opts.format == "table" or opts.format not in NATIVE_FORMATS:
            if outcome.footer and not opts.quiet and not opts.expanded:
                write(f"({count} {'row' if count == 1 else 'rows'})\n")
            write("\n")
        if callable(tag):
            tag = tag()
        # Like psql: after rows, only a data-changing statement's tag (… RETURNING).
        if tag and not tag.startswith(_ROW_CHANGING):
            tag = None
    if tag and not opts.quiet:
        write(tag + "\n")
    return count


_ROW_CHANGING = ("INSERT", "UPDATE", "DELETE", "MERGE")


def table_width(columns: Sequence[Column], rows: Iterable[tuple[Any, ...]], null: str) -> int:
    """Terminal columns the aligned table of these rows takes (its widest line)."""
    widths = [display_width(c.name) for c in columns]
    for i, col in enumerate(zip(*rows, strict=True)):
        for text in column_text(col, null):
            w = max(map(display_width, text.split("\n"))) if "\n" in text else display_width(text)
            widths[i] = max(widths[i], w)
    return sum(widths) + 3 * max(len(widths) - 1, 0) + 2


def _auto_expand(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions
) -> tuple[RenderOptions, Iterable[list[tuple[Any, ...]]]]:
    """psql's ``\\x auto``, decided on the first batch (rows stream, so later
    batches cannot change a layout already on the screen)."""
    import dataclasses
    from itertools import chain

    it = iter(batches)
    first = next(it, None)
    if first is None:
        return opts, ()
    expanded = table_width(columns, first, opts.null) > (opts.auto_width or 0)
    return dataclasses.replace(opts, expanded=expanded), chain([first], it)


# -- psql's aligned table ---------------------------------------------------


def display_width(text: str) -> int:
    """Terminal columns taken by text (East Asian wide characters take two)."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    gap = width - display_width(text)
    if gap <= 0:
        return text
    return " " * gap + text if right else text + " " * gap


def _render_table(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    if opts.expanded:
        return _render_expanded(columns, batches, opts, write)
    names = [c.name for c in columns]
    ncols = len(names)
    widths = [display_width(n) for n in names]
    numeric: list[bool | None] = [c.numeric for c in columns]
    null = opts.null
    count = 0
    header_done = False
    for batch in batches:
        count += len(batch)
        cells = [column_text(col, null) for col in zip(*batch, strict=True)] if ncols else []
        multiline = False
        for i, col in enumerate(cells):
            if numeric[i] is None:
                values = [r[i] for r in batch if r[i] is not None]
                numeric[i] = bool(values) and all(is_numeric(v) for v in values)
            joined = "\x1f".join(col)
            if "\n" in joined:
                multiline = True
                w = max(display_width(part) for c in col for part in c.split("\n"))
            elif joined.isascii():
                w = max(map(len, col), default=0)
            else:
                w = max(map(display_width, col), default=0)
            if w > widths[i]:
                widths[i] = w
        if not header_done:
            _write_header(names, widths, write)
            header_done = True
        _write_rows(cells, widths, numeric, multiline, write)
    if not header_done:
        _write_header(names, widths, write)
    return count


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


def _write_rows(
    cells: list[list[str]], widths: list[int], numeric: list[bool | None], multiline: bool, write: Write
) -> None:
    if not cells:
        return
    ncols = len(cells)
    last = ncols - 1
    if not multiline and all("".join(col).isascii() for col in cells):
        # Fast path: one format string for every row of the batch.
        specs = []
        for i, w in enumerate(widths):
            align = ">" if numeric[i] else "<"
            specs.append("{:" + align + str(w) + "}" if (i < last or numeric[i]) else "{}")
        fmt = " " + " | ".join(specs) + "\n"
        write("".join([fmt.format(*row) for row in zip(*cells, strict=True)]))
        return
    out = []
    for row in zip(*cells, strict=False):
        if not any("\n" in c for c in row):
            out.append(_line(row, widths, numeric, last, [" "] * ncols))
            continue
        parts = [c.split("\n") for c in row]
        height = max(len(p) for p in parts)
        for k in range(height):
            texts = [p[k] if k < len(p) else "" for p in parts]
            marks = ["+" if k < len(p) - 1 else " " for p in parts]
            out.append(_line(texts, widths, numeric, last, marks))
    write("".join(out))


def _line(
    texts: Sequence[str], widths: Sequence[int], numeric: Sequence[bool | None], last: int, marks: Sequence[str]
) -> str:
    pieces = []
    for i, text in enumerate(texts):
        if i == last and not numeric[i] and marks[i] == " ":
            pieces.append(" " + text)
        else:
            pieces.append(" " + _pad(text, widths[i], bool(numeric[i])) + marks[i])
    return "|".join(pieces) + "\n"


def _render_expanded(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    """psql's ``\\x`` layout: one block per row, a line per column."""
    names = [c.name for c in columns]
    name_width = max((display_width(n) for n in names), default=0)
    count = 0
    for batch in batches:
        for row in batch:
            count += 1
            values = [opts.null if v is None else to_text(v) for v in row]
            value_width = max((display_width(v) for v in values), default=0)
            title = f"-[ RECORD {count} ]"
            write(title + "-" * max(name_width + value_width + 3 - len(title), 0) + "\n")
            for name, value in zip(names, values, strict=False):
                write(_pad(name, name_width, False) + " | " + value + "\n")
    if count == 0:
        write("(0 rows)\n")
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


def _render_json(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    import json

    keys = [json.dumps(c.name, ensure_ascii=False) + ": " for c in columns]
    kinds = ["json" if c.json else "number" if c.numeric else "" for c in columns]
    count = 0
    for batch in batches:
        out = []
        for row in batch:
            body = ", ".join(k + to_json(v, kind) for k, v, kind in zip(keys, row, kinds, strict=True))
            out.append(("[\n" if count == 0 else ",\n") + "{" + body + "}")
            count += 1
        write("".join(out))
    write("\n]\n" if count else "[]\n")
    return count


def _render_tabulate(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    from tabulate import tabulate

    raw = [row for batch in batches for row in batch]
    rows = [[opts.null if v is None else to_text(v) for v in row] for row in raw]
    align = ["right" if _numeric_column(c, i, raw) else "left" for i, c in enumerate(columns)]
    # Numbers are aligned by column type, never parsed from text ('00123' stays text).
    headers = [c.name for c in columns]
    write(tabulate(rows, headers=headers, tablefmt=opts.format, disable_numparse=True, colalign=align) + "\n")
    return len(rows)


def _numeric_column(column: Column, i: int, rows: list[tuple[Any, ...]]) -> bool:
    if column.numeric is not None:
        return column.numeric
    values = [r[i] for r in rows if r[i] is not None]
    return bool(values) and all(is_numeric(v) for v in values)


_RENDERERS: dict[str, Callable[[list[Column], Iterable[list[tuple[Any, ...]]], RenderOptions, Write], int]] = {
    "table": _render_table,
    "csv": _render_csv,
    "tsv": _render_tsv,
    "json": _render_json,
}
