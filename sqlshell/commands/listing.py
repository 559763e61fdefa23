"""psql's ``\\d`` family: ``\\dt \\dv \\dm \\di \\ds \\dn \\df \\dT \\du \\l`` (and
the ``+`` forms of the relation lists), ``\\conninfo``.

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
from sqlalchemy.engine import Connection, Inspector
from sqlalchemy.exc import NoSuchTableError

from sqlshell.commands.describe import _inspector, _optional, _table_comment
from sqlshell.commands.registry import Args, CommandSet
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError
from sqlshell.output.render import MACHINE_FORMATS, render
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Introspection")


_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast", "mysql", "performance_schema", "sys"})


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


def _show(shell: Shell, title: str, headers: list[str], rows: list[tuple[Any, ...]], footer: bool = True) -> Outcome:
    """A psql-style listing: its title, the table, ``(N rows)`` (psql's ``\\du`` has none)."""
    opts = shell.settings.render_options()
    if opts.format not in MACHINE_FORMATS and not opts.tuples_only:  # psql -t: rows only, no title
        shell.output.write(title + "\n")
    render(Outcome.table(headers, rows, footer=footer), opts, shell.output.write)
    return Outcome()


def _nothing(what: str) -> Outcome:
    return Outcome.message(what)


def _usage(name: str) -> Callable[[Args], str]:
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
        path = _search_path(insp) if shell.db.is_postgres else []
        return [None] + [s for s in path if s != default]
    return [None if s == default else s for s in _schema_names(shell, insp) if pattern.schema_ok(s)]


def _schema_names(shell: Shell, insp: Inspector) -> list[str]:
    """Every schema a pattern may name: SQLAlchemy's list leaves out PostgreSQL's
    ``pg_*`` schemas, which psql lists when a pattern names them (``\\dt pg_catalog.*``)."""
    if shell.db.is_postgres:
        return [r[0] for r in _query(insp, text("select nspname from pg_catalog.pg_namespace order by 1"))]
    return insp.get_schema_names()


def _search_path(insp: Inspector) -> list[str]:
    return [r[0] for r in _query(insp, text("select unnest(current_schemas(false))"))]


Relation = tuple[str, str, str, str]


def _relations(shell: Shell, insp: Inspector, kinds: Iterable[str], pattern: Pattern) -> list[Relation]:
    """(schema, name, type, table of an index) for every relation of ``kinds`` that matches."""
    rows: list[tuple[str, str, str, str]] = []
    default = insp.default_schema_name or ""
    for schema in _schemas(shell, insp, pattern):
        shown = schema or default
        if pattern.schema is None and shown in _SYSTEM_SCHEMAS:
            continue
        found: list[tuple[str, str, str]] = []
        for kind in kinds:
            if kind == "table":
                found += [(n, kind, "") for n in insp.get_table_names(schema)]
            elif kind == "view":
                found += [(n, kind, "") for n in insp.get_view_names(schema)]
            elif kind == "materialized view":
                found += [(n, kind, "") for n in _optional(insp.get_materialized_view_names, schema)]
            elif kind == "sequence":
                found += [(n, kind, "") for n in _optional(insp.get_sequence_names, schema)]
            elif kind == "index":
                found += [(ix, kind, t) for t, ix in _indexes(insp, schema)]
        rows += [(shown, n, k, t) for n, k, t in found if pattern.name_ok(n)]
    return sorted(rows, key=lambda r: (r[0], r[1]))


def _indexes(insp: Inspector, schema: str | None) -> list[tuple[str, str]]:
    """(table, index) for the tables of a schema, the primary key's index included."""
    out: list[tuple[str, str]] = []
    tables = insp.get_table_names(schema) + _optional(insp.get_materialized_view_names, schema)
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
    rows = _query(insp, sql, params)
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _query(insp: Inspector, sql: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """A catalog query on the Inspector's own connection (the user's view of things)."""
    bind = insp.bind
    if isinstance(bind, Connection):
        return [tuple(r) for r in bind.execute(sql, params or {})]
    with bind.connect() as conn:
        return [tuple(r) for r in conn.execute(sql, params or {})]


def _comments(insp: Inspector, rows: list[tuple[str, str, str, str]]) -> list[str]:
    default = insp.default_schema_name
    return [
        _table_comment(insp, name, None if schema == default else schema)
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
    return list_relations(shell, _usage(name)(args), _KINDS[name], plus)


def list_relations(shell: Shell, raw: str, kinds: tuple[str, ...], plus: bool) -> Outcome:
    """psql's relation lists: ``\\dt``, ``\\dv``, … and ``\\d+`` (all of them)."""
    fold = not shell.db.is_postgres
    with _inspector(shell) as insp:
        pattern = parse_pattern(raw, fold)
        if len(kinds) > 1 and shell.db.is_sqlite:
            kinds = tuple(k for k in kinds if k in ("table", "view"))
        elif len(kinds) > 1 and not shell.db.is_postgres:
            kinds = tuple(k for k in kinds if k != "materialized view")
        if "sequence" in kinds and shell.db.is_sqlite:
            return _nothing("SQLite has no sequences (an INTEGER PRIMARY KEY takes the next rowid)")
        if "materialized view" in kinds and not shell.db.is_postgres:
            return _nothing(f"{_backend(shell)} has no materialized views")
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
    return _show(shell, "List of relations", headers, table)


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


def _backend(shell: Shell) -> str:
    dialect = shell.db.engine.dialect
    if getattr(dialect, "is_mariadb", False):
        return "MariaDB"
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL"}.get(dialect.name, dialect.name)


# -- schemas, functions, types, roles, databases ---------------------------------------------


@commands.add("\\dn", "[PATTERN]", "list schemas (SQLite: main and attached databases)")
def list_schemas(shell: Shell, args: Args) -> Outcome:
    raw = _usage("\\dn")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    with _inspector(shell) as insp:
        names = [s for s in _schema_names(shell, insp) if pattern.name_ok(s)]
        if not raw:
            names = [s for s in names if s not in _SYSTEM_SCHEMAS and not s.startswith("pg_")]
        if shell.db.is_postgres:
            owners = dict(
                _query(
                    insp,
                    text(
                        "select nspname, pg_catalog.pg_get_userbyid(nspowner) from pg_catalog.pg_namespace"
                        " where nspname = any(:n)"
                    ),
                    {"n": names},
                )
            )
            return _show(shell, "List of schemas", ["Name", "Owner"], [(n, owners.get(n, "")) for n in sorted(names)])
        if shell.db.is_sqlite:
            files = {r[1]: r[2] for r in _query(insp, text("pragma database_list"))}
            return _show(shell, "List of schemas", ["Name", "File"], [(n, files.get(n, "")) for n in names])
    return _show(shell, "List of schemas", ["Name"], [(n,) for n in sorted(names)])


_PG_FUNCTIONS = """
select n.nspname, p.proname, pg_catalog.pg_get_function_result(p.oid),
  pg_catalog.pg_get_function_arguments(p.oid),
  case p.prokind when 'a' then 'agg' when 'w' then 'window' when 'p' then 'proc' else 'func' end
from pg_catalog.pg_proc p left join pg_catalog.pg_namespace n on n.oid = p.pronamespace
where n.nspname <> 'pg_catalog' and n.nspname <> 'information_schema'
order by 1, 2, 4
"""
_MYSQL_FUNCTIONS = """
select routine_schema, routine_name, coalesce(dtd_identifier, ''), '', lower(routine_type)
from information_schema.routines where routine_schema = database() order by 1, 2
"""


@commands.add("\\df", "[PATTERN]", "list functions and procedures")
def list_functions(shell: Shell, args: Args) -> Outcome:
    raw = _usage("\\df")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    if shell.db.is_sqlite:
        return _nothing("SQLite has no stored functions (its functions are built in or registered by the program)")
    with _inspector(shell) as insp:
        sql = _PG_FUNCTIONS if shell.db.is_postgres else _MYSQL_FUNCTIONS
        found = _query(insp, text(sql))
        visible = set(_search_path(insp)) if shell.db.is_postgres else None
    rows = [r for r in found if _matches(pattern, r[0], r[1], visible)]
    headers = ["Schema", "Name", "Result data type", "Argument data types", "Type"]
    return _show(shell, "List of functions", headers, rows)


def _matches(pattern: Pattern, schema: str, name: str, visible: set[str] | None) -> bool:
    """psql's rule: a pattern naming a schema matches in it; one without a schema
    matches only what the search path makes visible (None: every schema is)."""
    if not pattern.name_ok(name):
        return False
    if pattern.schema is not None:
        return pattern.schema_ok(schema)
    return visible is None or schema in visible


_PG_TYPES = """
select n.nspname, pg_catalog.format_type(t.oid, null), coalesce(pg_catalog.obj_description(t.oid, 'pg_type'), ''),
  t.typname
from pg_catalog.pg_type t left join pg_catalog.pg_namespace n on n.oid = t.typnamespace
where (t.typrelid = 0 or (select c.relkind = 'c' from pg_catalog.pg_class c where c.oid = t.typrelid))
  and not exists (select 1 from pg_catalog.pg_type el where el.oid = t.typelem and el.typarray = t.oid)
  and n.nspname <> 'pg_catalog' and n.nspname <> 'information_schema'
order by 1, 2
"""


@commands.add("\\dT", "[PATTERN]", "list data types (PostgreSQL's user types: enums, domains, composites)")
def list_types(shell: Shell, args: Args) -> Outcome:
    raw = _usage("\\dT")(args)
    if not shell.db.is_postgres:
        return _nothing(f"{_backend(shell)} has no user-defined data types")
    pattern = parse_pattern(raw)
    with _inspector(shell) as insp:
        found = _query(insp, text(_PG_TYPES))
        visible = set(_search_path(insp))
    rows = [(s, name, desc) for s, name, desc, typname in found if _matches(pattern, s, typname, visible)]
    return _show(shell, "List of data types", ["Schema", "Name", "Description"], rows)


_PG_ROLES = """
select r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolconnlimit,
  r.rolvaliduntil, r.rolreplication, r.rolbypassrls,
  array(select b.rolname from pg_catalog.pg_auth_members m join pg_catalog.pg_roles b on m.roleid = b.oid
        where m.member = r.oid)
from pg_catalog.pg_roles r where r.rolname !~ '^pg_' order by 1
"""


@commands.add("\\du", "[PATTERN]", "list roles (MariaDB: accounts; SQLite has none)")
def list_roles(shell: Shell, args: Args) -> Outcome:
    raw = _usage("\\du")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    if shell.db.is_sqlite:
        return _nothing("SQLite has no roles: access is whatever the file's permissions allow")
    with _inspector(shell) as insp:
        if shell.db.is_postgres:
            rows = [(r[0], _pg_attributes(r), "{" + ",".join(r[10]) + "}") for r in _query(insp, text(_PG_ROLES))]
            rows = [r for r in rows if pattern.name_ok(r[0])]
            return _show(shell, "List of roles", ["Role name", "Attributes", "Member of"], rows, footer=False)
        try:
            found = _query(insp, text("select user, host from mysql.user order by 1, 2"))
        except Exception as exc:  # no privilege on mysql.user
            raise UserError(f"cannot read the accounts: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None
    accounts = [(u, h) for u, h in found if pattern.name_ok(u)]
    return _show(shell, "List of roles", ["User", "Host"], accounts)


def _pg_attributes(r: tuple[Any, ...]) -> str:
    """psql's Attributes column of ``\\du``."""
    attrs = []
    for flag, word in ((r[1], "Superuser"), (not r[2], "No inheritance"), (r[3], "Create role"), (r[4], "Create DB")):
        if flag:
            attrs.append(word)
    if not r[5]:
        attrs.append("Cannot login")
    if r[8]:
        attrs.append("Replication")
    if r[9]:
        attrs.append("Bypass RLS")
    if r[6] >= 0:
        attrs.append(f"{r[6]} connection" + ("s" if r[6] != 1 else ""))
    if r[7] is not None:
        attrs.append(f"Password valid until {r[7]}")
    return ", ".join(attrs)


_PG_ICU = "coalesce(d.daticulocale, ''), case d.datlocprovider when 'i' then 'icu' else 'libc' end,"
_PG_DATABASES = """
select d.datname, pg_catalog.pg_get_userbyid(d.datdba), pg_catalog.pg_encoding_to_char(d.encoding),
  d.datcollate, d.datctype, {locale} coalesce(pg_catalog.array_to_string(d.datacl, E'\\n'), ''),
  case when pg_catalog.has_database_privilege(d.datname, 'CONNECT')
       then pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(d.datname)) else 'No Access' end
from pg_catalog.pg_database d order by 1
"""


@commands.add("\\l", "[PATTERN]", "list databases (SQLite: the open file and attached ones)")
def list_databases(shell: Shell, args: Args) -> Outcome:
    raw = _usage("\\l")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    with _inspector(shell) as insp:
        if shell.db.is_postgres:
            # PostgreSQL 15 added ICU locales; psql 15 shows them from then on
            icu = (insp.dialect.server_version_info or (0,)) >= (15,)
            locale = _PG_ICU if icu else ""
            found = _query(insp, text(_PG_DATABASES.format(locale=locale)))
            rows = [r[:-1] for r in found if pattern.name_ok(r[0])]
            headers = ["Name", "Owner", "Encoding", "Collate", "Ctype"]
            headers += ["ICU Locale", "Locale Provider", "Access privileges"] if icu else ["Access privileges"]
            return _show(shell, "List of databases", headers, rows)
        if shell.db.is_sqlite:
            rows = [(r[1], r[2]) for r in _query(insp, text("pragma database_list")) if pattern.name_ok(r[1])]
            return _show(shell, "List of databases", ["Name", "File"], rows)
        sql = text(
            "select schema_name, default_character_set_name, default_collation_name"
            " from information_schema.schemata order by 1"
        )
        rows = [r for r in _query(insp, sql) if pattern.name_ok(r[0])]
    return _show(shell, "List of databases", ["Name", "Encoding", "Collation"], rows)


# -- \conninfo ---------------------------------------------------------------------------


@commands.add("\\conninfo", "", "say which database, user, host and port the shell is connected to")
def conninfo(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\conninfo")
    url = shell.db.url
    if shell.db.is_sqlite:
        name = url.database or ":memory:"
        if name in ("", ":memory:"):
            return Outcome(notes=[], raw=["You are connected to an in-memory SQLite database.\n"])
        from pathlib import Path

        return Outcome(raw=[f'You are connected to SQLite database file "{Path(name).resolve()}".\n'])
    if shell.db.is_postgres and shell.db.engine.dialect.driver == "psycopg":
        with shell.db.engine.connect() as conn:
            info = psycopg_of(conn).info
            db, user, host, port = info.dbname, info.user, info.host, info.port
            hostaddr = getattr(info, "hostaddr", "") or ""
            ssl = info.pgconn.ssl_in_use
            conn.commit()
        if host.startswith("/"):
            where = f'via socket in "{host}" at port "{port}"'
        elif hostaddr and hostaddr != host:
            where = f'on host "{host}" (address "{hostaddr}") at port "{port}"'
        else:
            where = f'on host "{host}" at port "{port}"'
        lines = [f'You are connected to database "{db}" as user "{user}" {where}.\n']
        if ssl:
            lines.append("SSL connection (the server and client negotiated encryption)\n")
        return Outcome(raw=lines)
    with shell.db.engine.connect() as conn:
        version = ".".join(str(v) for v in conn.dialect.server_version_info or ())
        who = conn.exec_driver_sql("select current_user()").scalar() if shell.db.dialect != "oracle" else url.username
        conn.commit()
    host = url.host or "localhost"
    where = f'on host "{host}"' + (f' at port "{url.port}"' if url.port else "")
    server = f" ({_backend(shell)} {version})" if version else ""
    return Outcome(raw=[f'You are connected to database "{url.database or ""}" as user "{who}" {where}{server}.\n'])
