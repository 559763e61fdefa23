"""Database values as psql prints them, and as JSON.

The driver hands us Python objects (psycopg parses dates, arrays, booleans;
sqlite3 gives int/float/str/bytes). A shell must show the database's own
spelling instead: ``t``/``f`` for booleans, ``\\x0102`` for bytes, ``{1,2}``
for arrays, ``1 day 02:00:00`` for intervals. One dispatch table keyed by the
value's exact type keeps this a dictionary look-up per cell.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

NUMERIC_TYPES = (int, float, decimal.Decimal)

# PostgreSQL type OIDs whose values psql right-aligns.
PG_NUMERIC_OIDS = frozenset({20, 21, 23, 26, 700, 701, 790, 1700, 28, 29, 5069})
PG_JSON_OIDS = frozenset({114, 3802})
# Arrays of those numbers: their items are JSON numbers (numeric[] items arrive as the server's text).
PG_NUMERIC_ARRAY_OIDS = frozenset({1005, 1007, 1016, 1028, 1021, 1022, 1231})


def _bool(v: bool) -> str:
    return "t" if v else "f"


def _bytes(v: bytes | bytearray | memoryview) -> str:
    return "\\x" + bytes(v).hex()


def _float(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def _datetime(v: dt.datetime) -> str:
    text = v.isoformat(sep=" ")
    return _short_offset(text) if v.tzinfo is not None else text


def _time(v: dt.time) -> str:
    text = v.isoformat()
    return _short_offset(text) if v.tzinfo is not None else text


def _short_offset(text: str) -> str:
    """``+00:00`` → ``+00`` as PostgreSQL writes whole-hour offsets."""
    if len(text) > 6 and text[-3] == ":" and text[-6] in "+-" and text.endswith(":00"):
        return text[:-3]
    return text


def _interval(v: dt.timedelta) -> str:
    days, secs, micros = v.days, v.seconds, v.microseconds
    sign = ""
    if days < 0 and (secs or micros):
        # Python normalises -1h to (-1 day, +23h); PostgreSQL writes -01:00:00.
        total = -(days * 86400 + secs) * 1_000_000 - micros
        days, rem = divmod(total, 86_400_000_000)
        secs, micros = divmod(rem, 1_000_000)
        days, sign = -days, "-"
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    clock = f"{sign}{h:02d}:{m:02d}:{s:02d}" + (f".{micros:06d}".rstrip("0") if micros else "")
    if not days:
        return clock
    unit = "day" if abs(days) == 1 else "days"
    return f"{days} {unit}" + ("" if clock == "00:00:00" else f" {clock}")


def _array_item(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, list):
        return _array(v)
    text = to_text(v)
    if text == "" or any(c in text for c in ' {},"\\') or text.upper() == "NULL":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _array(v: list[Any]) -> str:
    return "{" + ",".join(_array_item(x) for x in v) + "}"


def _record_item(v: Any) -> str:
    if v is None:
        return ""
    text = to_text(v)
    if text == "" or any(c in text for c in '(),"\\ \t\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '""') + '"'
    return text


def _record(v: tuple[Any, ...]) -> str:
    """An anonymous record (``row(1, 'x')``) as PostgreSQL writes it: ``(1,x)``."""
    return "(" + ",".join(_record_item(x) for x in v) + ")"


def _range(v: Any) -> str:
    if getattr(v, "isempty", False):
        return "empty"
    lower = "" if v.lower is None else to_text(v.lower)
    upper = "" if v.upper is None else to_text(v.upper)
    return f"{v.bounds[0]}{_quote_range_bound(lower)},{_quote_range_bound(upper)}{v.bounds[1]}"


def _quote_range_bound(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ' ,()[]"') else text


_TEXT: dict[type, Callable[[Any], str]] = {
    str: lambda v: v,
    int: str,
    bool: _bool,
    float: _float,
    decimal.Decimal: str,
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _bytes,
    dt.datetime: _datetime,
    dt.date: dt.date.isoformat,
    dt.time: _time,
    dt.timedelta: _interval,
    uuid.UUID: str,
    list: _array,
    tuple: _record,
    dict: lambda v: json.dumps(v, ensure_ascii=False),
}


def to_text(value: Any) -> str:
    """The text a database value is shown as (None is the caller's business)."""
    fn = _TEXT.get(type(value))
    if fn is not None:
        return fn(value)
    if hasattr(value, "bounds") and hasattr(value, "lower"):
        return _range(value)
    return str(value)


def column_text(values: Sequence[Any], null: str) -> list[str]:
    """A whole column of one batch as text: the converter is looked up once per
    column, not once per cell (a million-row result spends its time here)."""
    kind = next((type(v) for v in values if v is not None), None)
    if kind is None:
        return [null] * len(values)
    if kind is str:
        return [v if type(v) is str else (null if v is None else to_text(v)) for v in values]
    fn = _TEXT.get(kind, to_text)
    return [fn(v) if type(v) is kind else (null if v is None else to_text(v)) for v in values]


def is_numeric(value: Any) -> bool:
    return isinstance(value, NUMERIC_TYPES) and not isinstance(value, bool)


# What JSON accepts as a number: money's "$1.50" (a PostgreSQL numeric type) is not one.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def to_json(value: Any, kind: str = "") -> str:
    """One JSON value: numbers stay numbers, booleans booleans, JSON columns are
    embedded as they are, everything else is its text form. ``kind`` is what
    the column's type says ("json", "number"): PostgreSQL numerics and JSON
    arrive as the server's text."""
    if value is None:
        return "null"
    if isinstance(value, str):
        if kind == "json" or (kind == "number" and _JSON_NUMBER.fullmatch(value)):
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else json.dumps(_float(value))
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else json.dumps(str(value))
    if isinstance(value, list | tuple):  # arrays, and records (row(…)): JSON arrays
        return "[" + ", ".join(to_json(v, kind) for v in value) + "]"
    return json.dumps(to_text(value), ensure_ascii=False)
