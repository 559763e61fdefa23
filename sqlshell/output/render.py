"""Outcome → text: the renderer's one entry point, which picks the format's
module and writes an outcome's raw text, rows and tag in psql's order. No
database here: renderers write strings to a ``write`` callable, one batch of
rows at a time, so memory does not grow with the size of a result.

Formats, each in its own module: ``aligned`` (psql's table, the default;
``table`` is another name for it), laid out by ``aligned`` or, for ``\\x``, by
``expanded``; ``unaligned`` (psql ``-A``), ``csv`` (RFC 4180) and ``tsv`` in
``delimited``; ``json`` (one JSON array per result, on its own line) and
``jsonl`` (one JSON object per row) in ``jsonrows``; any other tabulate format
name in ``tabulated`` (tabulate needs every row to size its columns, so those
collect the whole result first).

The renderer and its format modules import only ``results``, ``values`` and
each other: they know no executor, shell or I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from sqlshell.output.aligned import render_aligned
from sqlshell.output.delimited import render_csv, render_tsv, render_unaligned
from sqlshell.output.jsonrows import render_json, render_jsonl
from sqlshell.output.options import RenderOptions, Write
from sqlshell.output.tabulated import render_tabulate
from sqlshell.results import Column, Outcome

__all__ = [
    "ALIASES",
    "MACHINE_FORMATS",
    "NATIVE_FORMATS",
    "RenderOptions",
    "Write",
    "is_format",
    "known_formats",
    "render",
]

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
        renderer = _RENDERERS.get(fmt, render_tabulate)
        count = renderer(outcome.columns, outcome.batches, replace(opts, footer=opts.footer and outcome.footer), write)
        shown = tag() if callable(tag) else tag  # a lazy tag counts the rows just written
        # Like psql: after rows, only a data-changing statement's tag (… RETURNING).
        if shown and not shown.startswith(_ROW_CHANGING):
            shown = None
    if shown and not opts.quiet:
        write(shown + "\n")
    return count


_ROW_CHANGING = ("INSERT", "UPDATE", "DELETE", "MERGE")

_RENDERERS: dict[str, Callable[[list[Column], Iterable[list[tuple[Any, ...]]], RenderOptions, Write], int]] = {
    "aligned": render_aligned,
    "unaligned": render_unaligned,
    "csv": render_csv,
    "tsv": render_tsv,
    "json": render_json,
    "jsonl": render_jsonl,
}
