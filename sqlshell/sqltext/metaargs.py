"""psql's reading of a meta-command's arguments (``psqlscanslash.l``'s normal
option type), for the commands whose output scripts compare byte for byte:
``\\echo``, ``\\qecho``, ``\\warn``, the ``\\if`` expression.

Words are separated by blanks. ``'…'`` quotes (``''`` is a quote; ``\\n``,
``\\t``, ``\\b``, ``\\r``, ``\\f``, octal ``\\NNN`` and hex ``\\xHH`` escapes);
``"…"`` is kept as written, quotes included; anything else is literal, with
variables interpolated as it is read (a value is not read again: a quote in
it stays a quote). These commands get their arguments uninterpolated
(``LEXES_ITS_ARGUMENTS``).
"""

from __future__ import annotations

import re

# Meta-commands that read their own arguments here, variables included.
LEXES_ITS_ARGUMENTS = frozenset({"\\echo", "\\qecho", "\\warn", "\\pset", "\\t", "\\if", "\\elif"})

_META = re.compile(r"^(\\[^\s\\]*)\s*(.*)$", re.S)


def split_meta(line: str) -> tuple[str, str]:
    """A meta-command line's name (with its backslash) and the raw text of its
    arguments, stripped; not a meta-command: the line, and no arguments."""
    m = _META.match(line.strip())
    if not m:
        return line.strip(), ""
    return m.group(1), m.group(2).strip()


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


_PART = re.compile(
    r":(?:'[A-Za-z_]\w*'|\"[A-Za-z_]\w*\"|\{\?[A-Za-z_]\w*\})"  # a variable reference, quoted or tested
    r"|'((?:[^'\\]|\\.|'')*)'?"  # '…'
    r"|(\"(?:[^\"]|\"\")*\"?)"  # "…"
    r"|((?:[^\s'\":]|:(?!['\"{]))+|:)"  # anything else
    r"|(\s+)",
    re.S | re.A,
)
_VARIABLE = re.compile(r":(?:(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1|\{\?([A-Za-z_][A-Za-z0-9_]*)\})")


def _substitute(text: str, variables: dict[str, str]) -> str:
    """Variables in an unquoted part; a value is never read again as syntax."""

    def one(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            return "TRUE" if m.group(3) in variables else "FALSE"
        value = variables.get(m.group(2))
        if value is None:
            return m.group(0)
        if m.group(1) == "'":
            return "'" + value.replace("'", "''") + "'"
        if m.group(1) == '"':
            return '"' + value.replace('"', '""') + '"'
        return value

    return _VARIABLE.sub(one, text) if ":" in text else text


def words(raw: str, variables: dict[str, str] | None = None) -> list[str]:
    """The arguments as psql reads them: quotes resolved, ``variables``
    interpolated outside quotes (``:NAME``, ``:'NAME'``, ``:"NAME"``, ``:{?NAME}``)."""
    out: list[str] = []
    current: list[str] | None = None
    for m in _PART.finditer(raw):
        single, double, plain, blank = m.groups()
        if not any(m.groups()):
            plain = m.group(0)  # :'NAME' and friends
        if blank is not None:
            if current is not None:
                out.append("".join(current))
            current = None
            continue
        if current is None:
            current = []
        if single is not None:
            current.append(_unescape(single.replace("''", "'")))
        elif double is not None:
            current.append(double)
        else:
            current.append(_substitute(plain, variables) if variables is not None else plain)
    if current is not None:
        out.append("".join(current))
    return out
