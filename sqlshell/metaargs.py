"""psql's reading of a meta-command's arguments (``psqlscanslash.l``'s normal
option type), for the commands whose output scripts compare byte for byte:
``\\echo``, ``\\qecho``, ``\\warn``, the ``\\if`` expression.

Words are separated by blanks. ``'…'`` quotes (``''`` is a quote; ``\\n``,
``\\t``, ``\\b``, ``\\r``, ``\\f``, octal ``\\NNN`` and hex ``\\xHH`` escapes);
``"…"`` is kept as written, quotes included; anything else is literal. The
variables were interpolated before (``dispatch``), outside the quotes.
"""

from __future__ import annotations

import re

_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f"}
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.S)


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8))
        if m.group(2):
            return chr(int(m.group(2), 16))
        return _ESCAPES.get(m.group(3), m.group(3))

    return _ESCAPE.sub(one, text)


_PART = re.compile(r"'((?:[^'\\]|\\.|'')*)'?|(\"(?:[^\"]|\"\")*\"?)|([^\s'\"]+)|(\s+)", re.S)


def words(raw: str) -> list[str]:
    """The arguments as psql reads them (quotes resolved)."""
    out: list[str] = []
    current: list[str] | None = None
    for m in _PART.finditer(raw):
        single, double, plain, blank = m.groups()
        if blank is not None:
            if current is not None:
                out.append("".join(current))
            current = None
            continue
        if current is None:
            current = []
        if single is not None:
            current.append(_unescape(single.replace("''", "'")))
        else:
            current.append(double if double is not None else plain)
    if current is not None:
        out.append("".join(current))
    return out
