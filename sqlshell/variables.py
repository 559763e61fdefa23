"""psql's variables: ``\\set NAME value`` then ``:NAME``, ``:'NAME'`` (a quoted
literal) and ``:"NAME"`` (a quoted identifier) in SQL, never inside string
literals, quoted identifiers, dollar quotes or comments. ``::`` casts are not
variables, and an unknown name is left as it is (as psql does)."""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?P<skip>
        [eE]'(?:[^'\\]|\\.|'')*'          # E'…' with backslash escapes
      | '(?:[^']|'')*'                    # '…'
      | "(?:[^"]|"")*"                    # "…"
      | --[^\n]*                          # -- comment
      | /\*.*?\*/                         # /* comment */
      | (?P<tag>\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$).*?(?P=tag)   # $tag$ … $tag$
      | ::                                # a cast
    )
  | :(?P<quote>['"]?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P=quote)
    """,
    re.VERBOSE | re.DOTALL,
)


def interpolate(sql: str, variables: dict[str, str]) -> str:
    """``sql`` with its variable references replaced by their values."""
    if ":" not in sql:
        return sql

    def substitute(m: re.Match[str]) -> str:
        name = m.group("name")
        if name is None or name not in variables:
            return m.group(0)
        value = variables[name]
        quote = m.group("quote")
        if quote == "'":
            return "'" + value.replace("'", "''") + "'"
        if quote == '"':
            return '"' + value.replace('"', '""') + '"'
        return value

    return _TOKEN.sub(substitute, sql)
