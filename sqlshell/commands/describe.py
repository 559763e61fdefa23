"""``\\d``: what tables and views exist, and what one of them looks like.

Everything comes from SQLAlchemy's Inspector, so it works on any dialect
SQLAlchemy reflects. The Inspector caches what it reads, so one is made per
command (cheap), and it reads through the connection whose view of the schema
the user has: inside an open transaction (connection or session mode) that is
the transaction's own connection, which sees its uncommitted DDL; another
pooled connection would not.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Inspector
from sqlalchemy.exc import SAWarning

from sqlshell.commands.listing import list_relations, matching_relations
from sqlshell.commands.reflect import inspector, optional, table_comment, tables
from sqlshell.commands.registry import Args, CommandSet
from sqlshell.errors import UserError
from sqlshell.output import echo
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Introspection")

USAGE = "\\d [[SCHEMA.]NAME]"
# One part of a dotted name: "Quoted ""x""" keeps its case, unquoted is folded to lower case.
_PART = re.compile(r'"((?:[^"]|"")+)"|([^".\s]+)')


@commands.add("\\d", "[[SCHEMA.]NAME]", "list tables and views, or describe one: columns, keys, indexes")
def describe(shell: Shell, args: Args) -> Outcome:
    return _describe(shell, args, plus=False)


@commands.add("\\d+", "[[SCHEMA.]NAME]", "like \\d, with column comments (listing: sizes and descriptions)")
def describe_plus(shell: Shell, args: Args) -> Outcome:
    return _describe(shell, args, plus=True)


def _describe(shell: Shell, args: Args, plus: bool) -> Outcome:
    raw = args.raw.strip()
    if not raw and plus:
        return list_relations(shell, "", ("table", "view", "materialized view", "sequence"), plus=True)
    if not raw:
        with echo.reflecting(shell.db.engine, lambda: "read the table list"), inspector(shell) as insp:
            return _list_relations(insp)
    if any(c in raw for c in "*?") and '"' not in raw:
        return _describe_matching(shell, raw, plus)
    schema, name = parse_name(raw)
    return _describe_one(shell, schema, name, raw, plus)


def _describe_matching(shell: Shell, pattern: str, plus: bool) -> Outcome:
    """psql's ``\\d PATTERN``: every table and view that matches, one after another."""
    with inspector(shell) as insp:
        found = matching_relations(shell, insp, pattern, ("table", "view", "materialized view"))
    if not found:
        raise UserError(f"Did not find any relation named {pattern!r}.")
    text: list[str] = []
    notes: list[str] = []
    for schema, name in found:
        one = _describe_one(shell, schema, name, name, plus)
        text += one.raw
        notes += one.notes
    return Outcome(raw=["".join(text)], notes=notes)


def _describe_one(shell: Shell, schema: str | None, name: str, raw: str, plus: bool) -> Outcome:
    summary = lambda: f"read the catalog for {raw}"  # noqa: E731
    with (
        warnings.catch_warnings(record=True) as caught,
        echo.reflecting(shell.db.engine, summary),
        inspector(shell) as insp,
    ):
        warnings.simplefilter("always", SAWarning)
        if not insp.has_table(name, schema=schema):
            raise UserError(f"no table or view named {raw}", "\\d lists them")
        kind = _kind(insp, name, schema)
        cols = insp.get_columns(name, schema=schema)
        columns = [_column_row(insp, col) + ((col.get("comment") or "",) if plus else ()) for col in cols]
        keys = _key_rows(insp, name, schema)
        comment = table_comment(insp, name, schema) if plus else ""
    shown = f"{schema}.{name}" if schema else name
    headers = ["column", "type", "nullable", "default"] + (["description"] if plus else [])
    parts: list[tuple[list[str], list[tuple[Any, ...]], bool]] = [(headers, columns, False)]
    if keys:
        parts.append((["name", "kind", "columns", "details"], keys, False))
    outcome = tables(shell, f'{kind.capitalize()} "{shown}"', parts, f"Description: {comment}" if comment else "")
    outcome.notes = _not_shown(caught)
    return outcome


def _not_shown(caught: list[warnings.WarningMessage]) -> list[str]:
    """SQLAlchemy's reflection warnings (an expression index SQLite cannot
    reflect, say) become notes; any other warning goes on as it came."""
    notes: list[str] = []
    for w in caught:
        if issubclass(w.category, SAWarning):
            if (line := f"not shown: {w.message}") not in notes:
                notes.append(line)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return notes


def parse_name(raw: str) -> tuple[str | None, str]:
    """``[schema.]name`` as SQL reads it: unquoted parts fold to lower case
    (SQLAlchemy's spelling of a case-insensitive name), quoted parts stay as they are."""
    text = raw.strip()
    parts: list[str] = []
    pos = 0
    while m := _PART.match(text, pos):
        parts.append(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2).lower())
        pos = m.end()
        if pos == len(text) or text[pos] != ".":
            break
        pos += 1  # a dot: another part must follow
    if pos != len(text) or text.endswith(".") or not 1 <= len(parts) <= 2:
        raise UserError(f"not a table name: {text}", f"usage: {USAGE}")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def _list_relations(insp: Inspector) -> Outcome:
    schema = insp.default_schema_name or ""
    rows = [(schema, name, "table") for name in insp.get_table_names()]
    rows += [(schema, name, "view") for name in insp.get_view_names()]
    rows += [(schema, name, "materialized view") for name in optional(insp.get_materialized_view_names)]
    if not rows:
        return Outcome.message(f"no tables or views in {schema or 'the database'}")
    return Outcome.table(["schema", "name", "type"], sorted(rows, key=lambda r: r[1]))


def _kind(insp: Inspector, name: str, schema: str | None) -> str:
    if name in insp.get_view_names(schema):
        return "view"
    if name in optional(insp.get_materialized_view_names, schema):
        return "materialized view"
    return "table"


def _column_row(insp: Inspector, col: Any) -> tuple[str, str, str, str]:
    default = col.get("default") or ""
    if col.get("identity"):
        default = f"generated {'always' if col['identity'].get('always') else 'by default'} as identity"
    if col.get("computed"):
        stored = " stored" if col["computed"].get("persisted") else ""
        default = f"generated always as ({col['computed']['sqltext']}){stored}"
    return col["name"], _type_name(insp, col["type"]), "" if col["nullable"] else "not null", str(default)


def _type_name(insp: Inspector, type_: Any) -> str:
    """The type as this database spells it (SQLite columns may have none)."""
    try:
        return str(type_.compile(dialect=insp.dialect))
    except Exception:  # NullType and types the dialect cannot render
        return "" if type(type_).__name__ == "NullType" else repr(type_)


def _key_rows(insp: Inspector, name: str, schema: str | None) -> list[tuple[str, str, str, str]]:
    """Primary key, unique and check constraints, foreign keys, then indexes."""
    rows: list[tuple[str, str, str, str]] = []
    pk = insp.get_pk_constraint(name, schema=schema)
    if pk.get("constrained_columns"):
        rows.append((pk.get("name") or "", "primary key", _cols(pk["constrained_columns"]), ""))
    indexes = insp.get_indexes(name, schema=schema)
    index_names = {ix["name"] for ix in indexes}
    for uc in optional(insp.get_unique_constraints, name, schema):
        if not uc.get("name") or uc["name"] not in index_names:  # PostgreSQL lists them as indexes too
            rows.append((uc.get("name") or "", "unique", _cols(uc["column_names"]), ""))
    for fk in insp.get_foreign_keys(name, schema=schema):
        target = ".".join(p for p in (fk.get("referred_schema"), fk["referred_table"]) if p)
        details = f"references {target}({_cols(fk['referred_columns'])})"
        for option in ("ondelete", "onupdate"):
            if fk.get("options", {}).get(option):
                details += f" on {option[2:]} {fk['options'][option].lower()}"
        rows.append((fk.get("name") or "", "foreign key", _cols(fk["constrained_columns"]), details))
    for ck in optional(insp.get_check_constraints, name, schema):
        rows.append((ck.get("name") or "", "check", "", str(ck.get("sqltext", ""))))
    for ix in indexes:
        kind = "unique constraint" if ix.get("duplicates_constraint") else "unique index" if ix["unique"] else "index"
        using = (ix.get("dialect_options") or {}).get("postgresql_using")
        columns = [e if c is None else c for c, e in zip(ix["column_names"], _expressions(ix), strict=False)]
        rows.append((ix["name"] or "", kind, _cols(columns), f"using {using}" if using else ""))
    return rows


def _expressions(ix: Any) -> list[str]:
    """An index's expressions (where it indexes ``lower(title)`` rather than a column)."""
    return ix.get("expressions") or ["?"] * len(ix["column_names"])


def _cols(names: list[Any]) -> str:
    return ", ".join(str(n) for n in names)
