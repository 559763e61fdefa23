"""psql's command tags (``INSERT 0 1``, ``UPDATE 3``, ``CREATE TABLE``) on every database.

PostgreSQL sends the tag itself (psycopg's ``statusmessage``). Other drivers
do not, so the tag is derived from the statement's leading keywords and the
row count, the way PostgreSQL would have spelled it.
"""

from __future__ import annotations

import re

# Comments, words, and anything else; only the words count.
_TOKEN = re.compile(r"--[^\n]*|/\*.*?\*/|([A-Za-z_]+)|[^A-Za-z_/-]+|.", re.S)

_OBJECT_WORDS = {
    "table",
    "index",
    "view",
    "trigger",
    "schema",
    "sequence",
    "function",
    "procedure",
    "type",
    "database",
    "extension",
    "role",
    "user",
    "domain",
    "materialized",
    "policy",
    "rule",
    "aggregate",
    "operator",
    "collation",
    "publication",
    "subscription",
    "server",
    "tablespace",
    "virtual",
}
_SKIP_WORDS = {"or", "replace", "temp", "temporary", "unique", "if", "not", "exists", "unlogged", "global", "local"}


# Up to six words separated only by white space: the common case, one regex call.
_PLAIN_WORDS = re.compile(r"\s*([A-Za-z_]+)" + r"(?:\s+([A-Za-z_]+))?" * 5 + r"(\s*(?:--|/\*))?")


def leading_words(sql: str, limit: int = 6) -> list[str]:
    """The first keywords of a statement, lower-cased, comments skipped."""
    m = _PLAIN_WORDS.match(sql)
    if m and not m.group(7):
        plain = [w.lower() for w in m.groups()[:6] if w]
        if len(plain) >= limit or m.end() == len(sql) or not sql[m.end()].isalpha():
            return plain[:limit]
    words: list[str] = []
    for m in _TOKEN.finditer(sql):
        if m.group(1):
            words.append(m.group(1).lower())
            if len(words) >= limit:
                break
    return words


def derive_tag(sql: str, rowcount: int, returned_rows: int | None) -> str:
    """The tag PostgreSQL would send for this statement."""
    words = leading_words(sql)
    if not words:
        return ""
    verb = words[0]
    count = max(rowcount, 0)
    if verb == "with":
        for w in ("insert", "update", "delete"):
            if re.search(rf"\b{w}\b", sql, re.IGNORECASE):
                verb = w
                break
        else:
            verb = "select"
    if verb in ("insert", "replace"):
        return f"INSERT 0 {count}"
    if verb in ("update", "delete"):
        return f"{verb.upper()} {count}"
    if verb in ("select", "values", "table", "pragma", "explain"):
        n = returned_rows if returned_rows is not None else count
        return f"SELECT {n}" if verb != "pragma" else "PRAGMA"
    if verb in ("create", "drop", "alter"):
        rest = [w for w in words[1:] if w not in _SKIP_WORDS]
        if rest and rest[0] in _OBJECT_WORDS:
            obj = rest[0]
            if obj in ("materialized", "virtual") and len(rest) > 1:
                obj = f"{obj} {rest[1]}"
            if obj == "virtual table":
                obj = "table"
            return f"{verb.upper()} {obj.upper()}"
        return verb.upper()
    if verb == "end":
        return "COMMIT"
    if verb == "abort":
        return "ROLLBACK"
    if verb == "rollback" and len(words) > 1 and "to" in words[1:3]:
        return "ROLLBACK"
    return verb.upper()
