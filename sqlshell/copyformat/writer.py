"""Rows to COPY text or CSV lines, as PostgreSQL's ``copyto.c`` writes them.

``\\copy … TO`` on a database without COPY runs a query and writes its rows
with this, so the file is the one PostgreSQL would have written for the same
values: its output functions' spelling (``t``/``f``, ``\\x…`` bytes), its
escaping in text and its quoting in CSV.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlshell.copyformat.options import CopyOptions

_TEXT_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def as_text(value: Any) -> str:
    """A value as PostgreSQL's output function writes it (for the common types)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value).removesuffix(".0") if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class Writer:
    """Rows to COPY text or CSV lines (copyto.c's rules)."""

    def __init__(self, opts: CopyOptions) -> None:
        self.opts = opts
        delim = re.escape(opts.delim)
        self._text_special = re.compile(r"[\\\b\f\n\r\t\v" + delim + "]")
        q, e = re.escape(opts.quote), re.escape(opts.escape_char)
        self._csv_special = re.compile(f"[{delim}{q}\\r\\n]")
        self._csv_escape = re.compile(f"[{q}{e}]" if e != q else q)

    def header(self, names: Iterable[str]) -> str:
        return self.opts.delim.join(self._field(n) for n in names) + "\n"

    def row(self, values: Sequence[Any]) -> str:  # a tuple or a SQLAlchemy Row
        null = self.opts.null_text
        if len(values) == 1 and values[0] is not None and self.opts.csv and as_text(values[0]) == "\\.":
            return self.opts.quote + "\\." + self.opts.quote + "\n"  # a line "\." would end the data
        return self.opts.delim.join(null if v is None else self._field(as_text(v)) for v in values) + "\n"

    def _field(self, s: str) -> str:
        if not self.opts.csv:
            if self._text_special.search(s):
                return self._text_special.sub(lambda m: _TEXT_ESCAPES.get(m.group(0), "\\" + m.group(0)), s)
            return s
        if s == self.opts.null_text or self._csv_special.search(s):
            q, e = self.opts.quote, self.opts.escape_char
            return q + self._csv_escape.sub(lambda m: e + m.group(0), s) + q
        return s
