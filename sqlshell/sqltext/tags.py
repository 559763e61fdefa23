"""psql's command tags (``INSERT 0 1``, ``UPDATE 3``, ``CREATE TABLE``) on every database.

PostgreSQL sends the tag itself (psycopg's ``statusmessage``). Other drivers
do not, so the tag is derived from the statement's leading keywords and the
row count, the way PostgreSQL would have spelled it.
"""

from __future__ import annotations

from sqlshell.sqltext.classify import classified

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


def derive_tag(sql: str, rowcount: int, returned_rows: int | None) -> str:
    """The tag PostgreSQL would send for this statement (its words read from
    the statement's classification)."""
    info = classified(sql)
    verb = info.verb  # the rest of the words only where the tag needs them
    if not verb:
        return ""
    count = max(rowcount, 0)
    if verb == "with":
        verb = info.with_dml or "select"  # the main statement's verb
    if verb in ("insert", "replace"):
        return f"INSERT 0 {count}"
    if verb in ("update", "delete"):
        return f"{verb.upper()} {count}"
    if verb in ("select", "values", "table", "pragma", "explain"):
        n = returned_rows if returned_rows is not None else count
        return f"SELECT {n}" if verb != "pragma" else "PRAGMA"
    if verb in ("create", "drop", "alter"):
        rest = [w for w in info.words[1:] if w not in _SKIP_WORDS]
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
    if verb == "rollback" and "to" in info.words[1:3]:
        return "ROLLBACK"
    return verb.upper()
