"""psql's listings beyond relations: ``\\dn`` (schemas), ``\\df`` (functions),
``\\dT`` (types), ``\\du`` (roles), ``\\l`` (databases), and ``\\conninfo``.

Each reads the database's own catalog where it has the concept, through the
user's connection (``reflect.inspector``), with psql's patterns
(``listing.parse_pattern``); where a backend has no such thing at all (roles
on SQLite, user types on MariaDB) one line says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from sqlshell.commands.listing import (
    SYSTEM_SCHEMAS,
    Pattern,
    parse_pattern,
    pattern_argument,
    schema_names,
    search_path,
)
from sqlshell.commands.reflect import backend_name, catalog_query, inspector, listing
from sqlshell.commands.registry import Args, CommandSet
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Introspection")


@commands.add("\\dn", "[PATTERN]", "list schemas (SQLite: main and attached databases)")
def list_schemas(shell: Shell, args: Args) -> Outcome:
    raw = pattern_argument("\\dn")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    with inspector(shell) as insp:
        names = [s for s in schema_names(shell, insp) if pattern.name_ok(s)]
        if not raw:
            names = [s for s in names if s not in SYSTEM_SCHEMAS and not s.startswith("pg_")]
        if shell.db.is_postgres:
            owners = dict(
                catalog_query(
                    insp,
                    text(
                        "select nspname, pg_catalog.pg_get_userbyid(nspowner) from pg_catalog.pg_namespace"
                        " where nspname = any(:n)"
                    ),
                    {"n": names},
                )
            )
            return listing(shell, "List of schemas", ["Name", "Owner"], [(n, owners.get(n, "")) for n in sorted(names)])
        if shell.db.is_sqlite:
            files = {r[1]: r[2] for r in catalog_query(insp, text("pragma database_list"))}
            return listing(shell, "List of schemas", ["Name", "File"], [(n, files.get(n, "")) for n in names])
    return listing(shell, "List of schemas", ["Name"], [(n,) for n in sorted(names)])


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
    raw = pattern_argument("\\df")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    if shell.db.is_sqlite:
        return Outcome.message(
            "SQLite has no stored functions (its functions are built in or registered by the program)"
        )
    with inspector(shell) as insp:
        sql = _PG_FUNCTIONS if shell.db.is_postgres else _MYSQL_FUNCTIONS
        found = catalog_query(insp, text(sql))
        visible = set(search_path(insp)) if shell.db.is_postgres else None
    rows = [r for r in found if _matches(pattern, r[0], r[1], visible)]
    headers = ["Schema", "Name", "Result data type", "Argument data types", "Type"]
    return listing(shell, "List of functions", headers, rows)


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
    raw = pattern_argument("\\dT")(args)
    if not shell.db.is_postgres:
        return Outcome.message(f"{backend_name(shell)} has no user-defined data types")
    pattern = parse_pattern(raw)
    with inspector(shell) as insp:
        found = catalog_query(insp, text(_PG_TYPES))
        visible = set(search_path(insp))
    rows = [(s, name, desc) for s, name, desc, typname in found if _matches(pattern, s, typname, visible)]
    return listing(shell, "List of data types", ["Schema", "Name", "Description"], rows)


_PG_ROLES = """
select r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolconnlimit,
  r.rolvaliduntil, r.rolreplication, r.rolbypassrls,
  array(select b.rolname from pg_catalog.pg_auth_members m join pg_catalog.pg_roles b on m.roleid = b.oid
        where m.member = r.oid)
from pg_catalog.pg_roles r where r.rolname !~ '^pg_' order by 1
"""


@commands.add("\\du", "[PATTERN]", "list roles (MariaDB: accounts; SQLite has none)")
def list_roles(shell: Shell, args: Args) -> Outcome:
    raw = pattern_argument("\\du")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    if shell.db.is_sqlite:
        return Outcome.message("SQLite has no roles: access is whatever the file's permissions allow")
    with inspector(shell) as insp:
        if shell.db.is_postgres:
            rows = [
                (r[0], _pg_attributes(r), "{" + ",".join(r[10]) + "}") for r in catalog_query(insp, text(_PG_ROLES))
            ]
            rows = [r for r in rows if pattern.name_ok(r[0])]
            return listing(shell, "List of roles", ["Role name", "Attributes", "Member of"], rows, footer=False)
        try:
            found = catalog_query(insp, text("select user, host from mysql.user order by 1, 2"))
        except Exception as exc:  # no privilege on mysql.user
            raise UserError(f"cannot read the accounts: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None
    accounts = [(u, h) for u, h in found if pattern.name_ok(u)]
    return listing(shell, "List of roles", ["User", "Host"], accounts)


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
    raw = pattern_argument("\\l")(args)
    pattern = parse_pattern(raw, not shell.db.is_postgres)
    with inspector(shell) as insp:
        if shell.db.is_postgres:
            # PostgreSQL 15 added ICU locales; psql 15 shows them from then on
            icu = (insp.dialect.server_version_info or (0,)) >= (15,)
            locale = _PG_ICU if icu else ""
            found = catalog_query(insp, text(_PG_DATABASES.format(locale=locale)))
            rows = [r[:-1] for r in found if pattern.name_ok(r[0])]
            headers = ["Name", "Owner", "Encoding", "Collate", "Ctype"]
            headers += ["ICU Locale", "Locale Provider", "Access privileges"] if icu else ["Access privileges"]
            return listing(shell, "List of databases", headers, rows)
        if shell.db.is_sqlite:
            rows = [(r[1], r[2]) for r in catalog_query(insp, text("pragma database_list")) if pattern.name_ok(r[1])]
            return listing(shell, "List of databases", ["Name", "File"], rows)
        sql = text(
            "select schema_name, default_character_set_name, default_collation_name"
            " from information_schema.schemata order by 1"
        )
        rows = [r for r in catalog_query(insp, sql) if pattern.name_ok(r[0])]
    return listing(shell, "List of databases", ["Name", "Encoding", "Collation"], rows)


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
    server = f" ({backend_name(shell)} {version})" if version else ""
    return Outcome(raw=[f'You are connected to database "{url.database or ""}" as user "{who}" {where}{server}.\n'])
