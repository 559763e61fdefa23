"""The JSON formats: ``json`` (one array of row objects per result, on its own
line) and ``jsonl`` (JSON Lines: one object per row).

Numbers stay numbers, JSON columns are embedded as they are (``values.to_json``
decides by the column's type), and rows stream a batch at a time: the array
is opened by the first row and closed after the last, never built in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlshell.output.options import RenderOptions, Write
from sqlshell.output.values import to_json
from sqlshell.results import Column


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


def render_json(
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


def render_jsonl(
    columns: list[Column], batches: Iterable[list[tuple[Any, ...]]], opts: RenderOptions, write: Write
) -> int:
    """JSON Lines: one object per row, of every result."""
    count = 0
    for objects in _json_objects(columns, batches):
        if objects:
            write("\n".join(objects) + "\n")
            count += len(objects)
    return count
