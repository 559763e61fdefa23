"""Values typed in session mode: ``col=value`` and primary keys, written as SQL
literals (``'text'`` with doubled quotes, numbers, ``null``, ``true``/``false``,
dates as ``'2024-01-31'``), coerced to the reflected column's type.

Coercion happens when the value is staged, not at flush time, so a typo is one
clear line at once instead of a failed flush that discards the staged work.
Types Python cannot parse by itself (PostgreSQL's interval, inet, arrays …) are
cast by the database, through ``caster``, so its own syntax is accepted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy import types as satypes

from sqlshell.errors import UserError
from sqlshell.output.values import to_text

# (text, column type) -> Python value, cast by the database (PostgreSQL only); raises ValueError
Caster = Callable[[str, Any], Any]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_BOOL_TEXT = {"t": True, "true": True, "yes": True, "on": True, "1": True}
_BOOL_TEXT |= {"f": False, "false": False, "no": False, "off": False, "0": False}
HINT = "values are SQL literals: 'text' ('' for a quote), 42, 4.2, null, true, false, '2024-01-31'"


@dataclass(frozen=True)
class Literal:
    kind: str  # text | number | null | bool
    text: str  # the text of a 'string', the digits of a number

    def __str__(self) -> str:
        return sql_literal(self.text) if self.kind == "text" else self.text


# -- reading ----------------------------------------------------------------------


class _Scanner:
    def __init__(self, raw: str) -> None:
        self.raw, self.pos = raw, 0

    def skip_space(self) -> bool:
        while self.pos < len(self.raw) and self.raw[self.pos].isspace():
            self.pos += 1
        return self.pos < len(self.raw)

    def word(self, stop: str = "") -> str:
        start = self.pos
        while self.pos < len(self.raw) and not self.raw[self.pos].isspace() and self.raw[self.pos] not in stop:
            self.pos += 1
        return self.raw[start : self.pos]

    def quoted(self, quote: str) -> str:
        """The body of a quoted token; a doubled quote stands for itself."""
        out, i = [], self.pos + 1
        while True:
            j = self.raw.find(quote, i)
            if j < 0:
                raise UserError(f"unterminated {quote}…{quote} in {self.raw[self.pos :]!r}", HINT)
            out.append(self.raw[i:j])
            if self.raw.startswith(quote * 2, j):
                out.append(quote)
                i = j + 2
                continue
            self.pos = j + 1
            return "".join(out)

    def literal(self) -> Literal:
        if self.raw.startswith("'", self.pos):
            return Literal("text", self.quoted("'"))
        word = self.word()
        low = word.lower()
        if low == "null":
            return Literal("null", "null")
        if low in ("true", "false"):
            return Literal("bool", low)
        if _NUMBER.match(word):
            return Literal("number", word)
        raise UserError(f"cannot read the value {word!r}", HINT)

    def name(self) -> str:
        if self.raw.startswith('"', self.pos):
            return self.quoted('"')
        return self.word("=")


def split_name(raw: str) -> tuple[str, str]:
    """A leading name (``films`` or ``"My Films"``) and the text after it."""
    scan = _Scanner(raw)
    scan.skip_space()
    return scan.name(), raw[scan.pos :]


def parse_values(raw: str) -> list[Literal]:
    """Space-separated literals: the primary key of ``\\get TABLE 1`` or ``… 'a' 2``."""
    scan, values = _Scanner(raw), []
    while scan.skip_space():
        values.append(scan.literal())
    return values


def parse_assignments(raw: str) -> list[tuple[str, Literal]]:
    """``col=value …`` pairs, in order; spaces around ``=`` are allowed."""
    scan, pairs = _Scanner(raw), []
    while scan.skip_space():
        start = scan.pos
        name = scan.name()
        scan.skip_space()
        if not name or not scan.raw.startswith("=", scan.pos):
            raise UserError(f"expected col=value, not {scan.raw[start:].split()[0]!r}", HINT)
        scan.pos += 1
        if not scan.skip_space():
            raise UserError(f"no value after {name}=", HINT)
        pairs.append((name, scan.literal()))
    return pairs


def split_leading(raw: str, count: int) -> tuple[list[Literal], str]:
    """The first ``count`` literals (a primary key) and the rest of the text."""
    scan = _Scanner(raw)
    values: list[Literal] = []
    while len(values) < count and scan.skip_space():
        values.append(scan.literal())
    return values, raw[scan.pos :]


# -- coercing ---------------------------------------------------------------------


def find_column(table: Table, name: str) -> Column[Any]:
    """The column called ``name`` (exact, else the one that matches ignoring case).
    By name, not by ``table.c``'s keys: automap keys some columns otherwise."""
    exact = [c for c in table.c if c.name == name]
    if exact:
        return exact[0]
    matches = [c for c in table.c if c.name.lower() == name.lower()]
    if len(matches) == 1:
        return matches[0]
    raise UserError(f"{table.name} has no column {name!r}", "columns: " + ", ".join(c.name for c in table.c))


def coerce(column: Column[Any], lit: Literal, caster: Caster | None = None) -> Any:
    """The Python value for ``lit`` in ``column``, or a UserError saying why it does not fit."""
    where = f"{column.table.name}.{column.name} ({column.type})"
    if lit.kind == "null":
        if not column.nullable:
            raise UserError(f"{where} is NOT NULL: it cannot be null")
        return None
    try:
        return _coerce(column.type, lit, caster)
    except (ValueError, ArithmeticError, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        raise UserError(f"{lit} does not fit {where}: {reason}") from exc


def _python_type(type_: satypes.TypeEngine[Any]) -> type | None:
    try:
        return type_.python_type
    except NotImplementedError:
        return None


def _coerce(type_: Any, lit: Literal, caster: Caster | None) -> Any:
    py = _python_type(type_)
    if py is bool:
        return _to_bool(lit)
    if lit.kind == "bool":
        raise ValueError("true/false is only for boolean columns")
    if py is int:
        return _to_int(type_, lit, caster is not None)
    if py is decimal.Decimal:
        return _to_decimal(type_, lit)
    if py is float:
        return float(lit.text)
    if py is str:
        return _to_str(type_, lit)
    if isinstance(type_, satypes.JSON):
        return json.loads(lit.text)  # JSON text: the column type serialises it again
    if py is None and caster is None:
        return _natural(lit)  # SQLite columns without a type take anything
    if lit.kind != "text":
        raise ValueError(f"write it as text: '{lit.text}'")
    parse = _PARSERS.get(py) if py is not None else None
    if parse is not None:
        try:
            return parse(lit.text)
        except ValueError:
            if caster is None:
                raise
    if caster is None:
        raise ValueError("the shell cannot convert text to this type")
    return caster(lit.text, type_)


def _to_bool(lit: Literal) -> bool:
    value = _BOOL_TEXT.get(lit.text.lower())
    if value is None:
        raise ValueError("expected true or false")
    return value


def _to_int(type_: Any, lit: Literal, four_byte_int: bool) -> int:
    """SQLite's INTEGER holds 64 bits, PostgreSQL's 32: only the caller knows which."""
    if not _INTEGER.match(lit.text.strip()):
        raise ValueError("not an integer")
    value = int(lit.text)
    limit = 2**31 if four_byte_int else 2**63
    if isinstance(type_, satypes.SmallInteger):
        limit = 2**15
    elif isinstance(type_, satypes.BigInteger):
        limit = 2**63
    if not -limit <= value < limit:
        raise ValueError("out of range")
    return value


def _to_str(type_: Any, lit: Literal) -> str:
    length = getattr(type_, "length", None)
    if length is not None and len(lit.text) > length:
        raise ValueError(f"{len(lit.text)} characters, at most {length} fit")
    enums = getattr(type_, "enums", None)
    if enums and lit.text not in enums:
        raise ValueError("one of " + ", ".join(sql_literal(e) for e in enums))
    return lit.text


def _to_decimal(type_: Any, lit: Literal) -> decimal.Decimal:
    value = decimal.Decimal(lit.text.strip())
    precision, scale = getattr(type_, "precision", None), getattr(type_, "scale", None) or 0
    if precision and value.is_finite():
        digits = len(str(abs(int(value)))) if int(value) else 0
        if digits > precision - scale:
            raise ValueError(f"too many digits before the point (numeric({precision},{scale}))")
    return value


def _natural(lit: Literal) -> Any:
    if lit.kind == "number":
        return int(lit.text) if _INTEGER.match(lit.text) else decimal.Decimal(lit.text)
    return lit.text


def _to_bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:]) if text.startswith("\\x") else text.encode()


_PARSERS: dict[type, Callable[[str], Any]] = {
    dt.date: dt.date.fromisoformat,
    dt.datetime: dt.datetime.fromisoformat,
    dt.time: dt.time.fromisoformat,
    uuid.UUID: uuid.UUID,
    bytes: _to_bytes,
}


# -- writing ----------------------------------------------------------------------


def sql_literal(value: Any) -> str:
    """A value as it would be typed back: ``'it''s'``, ``42``, ``null``, ``true``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return to_text(value)
    return "'" + to_text(value).replace("'", "''") + "'"
