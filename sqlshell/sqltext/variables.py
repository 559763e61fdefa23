"""psql's variables: ``\\set NAME value`` then ``:NAME``, ``:'NAME'`` (a quoted
literal) and ``:"NAME"`` (a quoted identifier) in SQL, never inside string
literals, quoted identifiers, dollar quotes or comments. ``::`` casts are not
variables, and an unknown name is left as it is (as psql does). ``:{?NAME}``
is TRUE when NAME is set, else FALSE."""

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
  | :\{\?(?P<test>[A-Za-z_][A-Za-z0-9_]*)\}     # :{?NAME}: is it set? TRUE or FALSE
    """,
    re.VERBOSE | re.DOTALL,
)


def interpolate(sql: str, variables: dict[str, str]) -> str:
    """``sql`` with its variable references replaced by their values."""
    if ":" not in sql:
        return sql

    def substitute(m: re.Match[str]) -> str:
        if m.group("test") is not None:
            return "TRUE" if m.group("test") in variables else "FALSE"
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
