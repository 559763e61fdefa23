"""The formats that write a row as one line of fields between separators:
psql's unaligned (``-A``, ``|`` or ``-F``), CSV (RFC 4180, as psql's
``--csv``) and TSV (PostgreSQL's text COPY format).

No widths to measure, so they stream: each batch is written as it arrives.
CSV and TSV are data only (no footer); their quoting and escaping keep an
empty string apart from NULL, so what they write reads back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlshell.output.options import RenderOptions, Write, footer
from sqlshell.output.values import column_text, to_text
from sqlshell.results import Column


def render_unaligned(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    sep = opts.field_separator
    names = [c.name for c in columns]
    count = 0
    if opts.expanded:
        if not names:  # psql writes nothing for rows of no fields, not even the lines between them
            return sum(len(batch) for batch in batches)
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
    write(footer(count, opts))
    return count


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


def render_csv(
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


def render_tsv(
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
