"""psql's ``\\d`` family's relation lists: ``\\dt \\dv \\dm \\di \\ds`` (and their
``+`` forms), and the patterns every list reads (``\\dn \\df \\dT \\du \\l``
are in ``catalogs``).

Names come from SQLAlchemy's Inspector, so every backend it reflects lists its
tables, views, indexes, sequences and schemas the same way; psql's extra
columns (owner, size, description) are added where the database has the
concept, read from its own catalog. Where a backend has no such thing at all
(roles on SQLite, user types on MariaDB) one line says so.

Patterns follow psql's ``processSQLNamePattern``: ``schema.name``, ``*`` and
``?`` wildcards, unquoted parts folded to lower case, ``"Quoted"`` parts taken
literally; a pattern without a schema looks in the schemas on the search path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import NoSuchTableError

from sqlshell.commands.reflect import backend_name, catalog_query, inspector, listing, optional, table_comment
from sqlshell.commands.registry import Args, CommandSet
from sqlshell.errors import UserError
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Introspection")


SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast", "mysql", "performance_schema", "sys"})


# -- patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """A psql name pattern, compiled: ``schema`` None means the search path."""

    schema: re.Pattern[str] | None
    name: re.Pattern[str] | None
    fold: bool  # compare case-insensitively (databases whose names do not fold to lower case)

    def schema_ok(self, schema: str) -> bool:
        return self.schema is None or self.schema.fullmatch(schema) is not None

    def name_ok(self, name: str) -> bool:
        return self.name is None or self.name.fullmatch(name) is not None


def parse_pattern(raw: str, fold: bool = False) -> Pattern:
    """psql's rules: ``.`` separates, ``*`` is any text, ``?`` one character,
    other regular expression characters work as such, ``$`` is literal;
    ``"…"`` is literal (``""`` a quote) and keeps its case, the rest is lower-cased."""
    raw = raw.strip()
    if not raw:
        return Pattern(None, None, fold)
    parts: list[str] = [""]
    in_quotes = False
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == '"':
            if in_quotes and raw[i + 1 : i + 2] == '"':
                parts[-1] += re.escape('"')
                i += 1
            else:
                in_quotes = not in_quotes
        elif in_quotes:
            parts[-1] += re.escape(c)
        elif c == ".":
            parts.append("")
        elif c == "*":
            parts[-1] += ".*"
        elif c == "?":
            parts[-1] += "."
        elif c == "$":
            parts[-1] += "\\$"
        else:
            parts[-1] += c.lower()
        i += 1
    if len(parts) > 3:
        raise UserError(f"improper qualified name (too many dotted names): {raw}")
    flags = re.IGNORECASE if fold else 0
    try:
        compiled = [re.compile(p, flags) if p else None for p in parts]
    except re.error as exc:
        raise UserError(f"invalid pattern {raw!r}: {exc}") from None
    if len(parts) == 1:
        return Pattern(None, compiled[0], fold)
    return Pattern(compiled[-2] or re.compile(".*"), compiled[-1], fold)


# -- output ----------------------------------------------------------------------------


def _nothing(what: str) -> Outcome:
    return Outcome.message(what)


def pattern_argument(name: str) -> Callable[[Args], str]:
    def pattern(args: Args) -> str:
        args.at_most(1, f"{name} [PATTERN]")
        return args.raw.strip()

    return pattern


# -- relations --------------------------------------------------------------------------

_KINDS = {
    "\\dt": ("table",),
    "\\dv": ("view",),
    "\\dm": ("materialized view",),
    "\\di": ("index",),
    "\\ds": ("sequence",),
}


def _schemas(shell: Shell, insp: Inspector, pattern: Pattern) -> list[str | None]:
    """The schemas a pattern looks in: matching ones, or the search path's.
    None stands for the default schema (SQLAlchemy's spelling of it)."""
    default = insp.default_schema_name
    if pattern.schema is None:
        path = search_path(insp) if shell.db.is_postgres else []
        return [None] + [s for s in path if s != default]
    return [None if s == default else s for s in schema_names(shell, insp) if pattern.schema_ok(s)]


def schema_names(shell: Shell, insp: Inspector) -> list[str]:
    """Every schema a pattern may name: SQLAlchemy's list leaves out PostgreSQL's
    ``pg_*`` schemas, which psql lists when a pattern names them (``\\dt pg_catalog.*``)."""
    if shell.db.is_postgres:
        return [r[0] for r in catalog_query(insp, text("select nspname from pg_catalog.pg_namespace order by 1"))]
    return insp.get_schema_names()


def search_path(insp: Inspector) -> list[str]:
    return [r[0] for r in catalog_query(insp, text("select unnest(current_schemas(false))"))]


Relation = tuple[str, str, str, str]


def _relations(shell: Shell, insp: Inspector, kinds: Iterable[str], pattern: Pattern) -> list[Relation]:
    """(schema, name, type, table of an index) for every relation of ``kinds`` that matches."""
    rows: list[tuple[str, str, str, str]] = []
    default = insp.default_schema_name or ""
    for schema in _schemas(shell, insp, pattern):
        shown = schema or default
        if pattern.schema is None and shown in SYSTEM_SCHEMAS:
            continue
        found: list[tuple[str, str, str]] = []
        for kind in kinds:
            if kind == "table":
                found += [(n, kind, "") for n in insp.get_table_names(schema)]
            elif kind == "view":
                found += [(n, kind, "") for n in insp.get_view_names(schema)]
            elif kind == "materialized view":
                found += [(n, kind, "") for n in optional(insp.get_materialized_view_names, schema)]
            elif kind == "sequence":
                found += [(n, kind, "") for n in optional(insp.get_sequence_names, schema)]
            elif kind == "index":
                found += [(ix, kind, t) for t, ix in _indexes(insp, schema)]
        rows += [(shown, n, k, t) for n, k, t in found if pattern.name_ok(n)]
    return sorted(rows, key=lambda r: (r[0], r[1]))


def _indexes(insp: Inspector, schema: str | None) -> list[tuple[str, str]]:
    """(table, index) for the tables of a schema, the primary key's index included."""
    out: list[tuple[str, str]] = []
    tables = insp.get_table_names(schema) + optional(insp.get_materialized_view_names, schema)
    for table in tables:
        try:
            names = [name for ix in insp.get_indexes(table, schema=schema) if (name := ix.get("name"))]
            pk = insp.get_pk_constraint(table, schema=schema).get("name")
        except NoSuchTableError:  # dropped by someone else since the names were read
            continue
        if pk and pk not in names and insp.dialect.name != "sqlite":  # SQLite's key is the rowid
            names.insert(0, "PRIMARY" if insp.dialect.name in ("mysql", "mariadb") else pk)
        out += [(table, n) for n in names]
    return out


def _pg_extras(insp: Inspector, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """PostgreSQL's owner, persistence, size and description of relations, as psql shows them."""
    if not keys:
        return {}
    sql = text(
        "select n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner),"
        " case c.relpersistence when 'p' then 'permanent' when 't' then 'temporary'"
        " when 'u' then 'unlogged' end,"
        " pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)),"
        " coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), ''),"
        " coalesce(am.amname, '')"
        " from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
        " left join pg_catalog.pg_am am on am.oid = c.relam"
        " where n.nspname = any(:schemas) and c.relname = any(:names)"
    )
    params = {"schemas": sorted({k[0] for k in keys}), "names": sorted({k[1] for k in keys})}
    rows = catalog_query(insp, sql, params)
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _comments(insp: Inspector, rows: list[tuple[str, str, str, str]]) -> list[str]:
    default = insp.default_schema_name
    return [
        table_comment(insp, name, None if schema == default else schema)
        if kind in ("table", "view", "materialized view")
        else ""
        for schema, name, kind, _table in rows
    ]


def matching_relations(shell: Shell, insp: Inspector, raw: str, kinds: Iterable[str]) -> list[tuple[str | None, str]]:
    """(schema or None for the default one, name) of the relations a pattern matches (``\\d PATTERN``)."""
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    default = insp.default_schema_name
    return [(None if s == default else s, n) for s, n, _k, _t in _relations(shell, insp, kinds, pattern)]


def _list_relations(shell: Shell, args: Args, name: str, plus: bool) -> Outcome:
    return list_relations(shell, pattern_argument(name)(args), _KINDS[name], plus)


def list_relations(shell: Shell, raw: str, kinds: tuple[str, ...], plus: bool) -> Outcome:
    """psql's relation lists: ``\\dt``, ``\\dv``, … and ``\\d+`` (all of them)."""
    fold = not shell.db.is_postgres
    with inspector(shell) as insp:
        pattern = parse_pattern(raw, fold)
        if len(kinds) > 1 and shell.db.is_sqlite:
            kinds = tuple(k for k in kinds if k in ("table", "view"))
        elif len(kinds) > 1 and not shell.db.is_postgres:
            kinds = tuple(k for k in kinds if k != "materialized view")
        if "sequence" in kinds and shell.db.is_sqlite:
            return _nothing("SQLite has no sequences (an INTEGER PRIMARY KEY takes the next rowid)")
        if "materialized view" in kinds and not shell.db.is_postgres:
            return _nothing(f"{backend_name(shell)} has no materialized views")
        rows = _relations(shell, insp, kinds, pattern)
        if not rows:
            return _nothing("Did not find any relations." if not raw else f"Did not find any relation named {raw!r}.")
        headers = ["Schema", "Name", "Type"]
        index = kinds == ("index",)
        # psql 15 shows the access method for tables, materialized views and indexes (PostgreSQL 12+)
        access_method = bool({"table", "materialized view", "index"} & set(kinds))
        if shell.db.is_postgres:
            extras = _pg_extras(insp, [(r[0], r[1]) for r in rows])
            headers.append("Owner")
            table: list[tuple[Any, ...]] = []
            for r in rows:
                owner, persistence, size, desc, method = extras.get((r[0], r[1]), ("", "", "", "", ""))
                row: tuple[Any, ...] = (r[0], r[1], r[2], owner)
                if index:
                    row += (r[3],)
                if plus:
                    row += (persistence, method, size, desc) if access_method else (persistence, size, desc)
                table.append(row)
        else:
            comments = _comments(insp, rows) if plus else []
            table = []
            for i, r in enumerate(rows):
                row = (r[0], r[1], r[2]) + ((r[3],) if index else ())
                table.append(row + ((comments[i],) if plus else ()))
        if index:
            headers.append("Table")
        if plus:
            if shell.db.is_postgres:
                headers += ["Persistence"] + (["Access method"] if access_method else []) + ["Size", "Description"]
            else:
                headers.append("Description")
    return listing(shell, "List of relations", headers, table)


def _wrap(fn: Callable[..., Outcome], **kw: Any) -> Callable[[Shell, Args], Outcome]:
    return lambda shell, args: fn(shell, args, **kw)


for _name, _what in [
    ("\\dt", "tables"),
    ("\\dv", "views"),
    ("\\dm", "materialized views"),
    ("\\di", "indexes"),
    ("\\ds", "sequences"),
]:
    commands.add(_name, "[PATTERN]", f"list {_what} (psql's patterns: schema.name, * and ?)")(
        _wrap(_list_relations, name=_name, plus=False)
    )
    commands.add(_name + "+", "[PATTERN]", f"list {_what} with descriptions (and sizes on PostgreSQL)")(
        _wrap(_list_relations, name=_name, plus=True)
    )
