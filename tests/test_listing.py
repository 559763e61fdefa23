"""psql's ``\\d`` family and ``\\conninfo`` on SQLite, PostgreSQL and MariaDB: on
PostgreSQL the listings are psql's own (compared with ``psql -X``), elsewhere
the inspector's names with one line for what a backend does not have; psql's
name patterns; schemas other than the default in ``\\d``, completion and
session mode."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from support import drop, require, sqlalchemy_url
from support.repl_harness import Repl

from sqlshell.commands.listing import parse_pattern
from sqlshell.errors import UserError
from sqlshell.interactive.catalog import catalog_for


def _cells(out: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in out.splitlines() if "|" in line]


@pytest.fixture
def relations(txn_observer: Engine, table: str) -> Iterator[str]:
    """Two tables (one with an index), a view, in the default schema, named after ``table``."""
    with txn_observer.begin() as conn:
        conn.execute(text(f"create table {table}_a (id integer primary key, t varchar(20))"))
        conn.execute(text(f"create table {table}_b (id integer primary key)"))
        conn.execute(text(f"create index {table}_a_t on {table}_a (t)"))
        conn.execute(text(f"create view {table}_v as select id from {table}_a"))
    yield table
    with txn_observer.begin() as conn:
        conn.execute(text(f"drop view if exists {table}_v"))
    drop(txn_observer, f"{table}_a", f"{table}_b")


def test_relation_lists_and_patterns_on_every_backend(txn_url: str, relations: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    out, err = sh.run(f"\\dt {relations}*\n")
    assert err == "" and out.startswith("List of relations\n")
    rows = _cells(out)
    assert rows[0][:3] == ["Schema", "Name", "Type"]
    assert [r[1:3] for r in rows[1:]] == [[f"{relations}_a", "table"], [f"{relations}_b", "table"]]
    assert "(2 rows)" in out
    assert [r[1] for r in _cells(sh.run(f"\\dt {relations}_?\n")[0])[1:]] == [f"{relations}_a", f"{relations}_b"]
    assert [r[1] for r in _cells(sh.run(f"\\dt {relations.upper()}_A\n")[0])[1:]] == [f"{relations}_a"]
    assert [r[1:3] for r in _cells(sh.run(f"\\dv {relations}*\n")[0])[1:]] == [[f"{relations}_v", "view"]]
    index_rows = _cells(sh.run(f"\\di {relations}_a_t\n")[0])
    assert (
        index_rows[0][-1] == "Table"
        and index_rows[1][1] == f"{relations}_a_t"
        and index_rows[1][-1] == (f"{relations}_a")
    )
    default = _cells(sh.run(f"\\dt {relations}_a\n")[0])[1][0]
    assert [r[1] for r in _cells(sh.run(f"\\dt {default}.{relations}_b\n")[0])[1:]] == [f"{relations}_b"]
    out, err = sh.run(f"\\dt {relations}_nothing\n")
    assert out == "" and "Did not find any relation" in err
    described, err = sh.run(f"\\d {relations}_?\n")
    assert err == "" and f'Table "{relations}_a"' in described and f'Table "{relations}_b"' in described
    plus = _cells(sh.run(f"\\dt+ {relations}_a\n")[0])
    assert plus[0][-1] == "Description"


def test_what_a_backend_does_not_have_is_one_line(txn_url: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    backend = txn_url.split(":")[0].split("+")[0]
    for command, lacking in [("\\du", {"sqlite"}), ("\\dT", {"sqlite", "mysql"}), ("\\df", {"sqlite"})]:
        out, err = sh.run(command + "\n")
        if backend in lacking:
            assert out == "" and err.count("\n") == 1 and " has no " in err, (command, err)
        else:
            assert err == "" and out.startswith("List of "), (command, err)
    out, err = sh.run("\\dn\n")
    body = out.split("\n(")[0].splitlines()[3:]  # title, header, rule, then the rows
    names = [line.split("|")[0].strip() for line in body]
    assert {"sqlite": "main", "postgresql": "public", "mysql": "test"}[backend] in names
    out, err = sh.run("\\l\n")
    assert err == "" and out.startswith("List of databases\n")


def test_conninfo_names_the_connection_and_never_a_password(txn_url: str, tmp_path, shell_driver) -> None:
    sh = shell_driver(txn_url)
    out, err = sh.run("\\conninfo\n")
    assert err == ""
    if txn_url.startswith("sqlite"):
        assert out == f'You are connected to SQLite database file "{tmp_path}/test.sqlite3".\n'
    elif txn_url.startswith("postgresql"):
        assert out == 'You are connected to database "test" as user "postgres" on host "127.0.0.1" at port "5432".\n'
        require(shutil.which("psql") is not None, "psql is not installed")
        psql = subprocess.run(["psql", "-X", txn_url, "-c", "\\conninfo"], capture_output=True, text=True)
        assert psql.stdout == out
    else:
        assert out.startswith('You are connected to database "test" as user "root@')
        assert 'on host "127.0.0.1" at port "3306" (MariaDB ' in out


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """A schema of its own with one of everything psql lists."""
    schema = f"s_{uuid.uuid4().hex[:8]}"
    engine = create_engine(sqlalchemy_url(pg_url))
    with engine.begin() as conn:
        for sql in [
            f"create schema {schema}",
            f"create table {schema}.orders (id integer primary key, note text)",
            f"insert into {schema}.orders values (1, 'first')",
            f"create view {schema}.recent as select * from {schema}.orders",
            f"create materialized view {schema}.totals as select count(*) as n from {schema}.orders",
            f"create index orders_note on {schema}.orders (note)",
            f"create sequence {schema}.counter",
            f"create type {schema}.mood as enum ('ok', 'sad')",
            f"create function {schema}.twice(x integer) returns integer language sql as 'select x * 2'",
            f"comment on table {schema}.orders is 'what was ordered'",
        ]:
            conn.execute(text(sql))
    yield schema
    with engine.begin() as conn:
        conn.execute(text(f"drop schema {schema} cascade"))
    engine.dispose()


@pytest.mark.parametrize(
    "command",
    ["\\dt {s}.*", "\\dv {s}.*", "\\dm {s}.*", "\\di {s}.*", "\\ds {s}.*", "\\dn {s}", "\\dT {s}.*", "\\df {s}.*",
     "\\dt {s}.ord*", "\\dt {s}.\"orders\"", "\\dt {s}.o?ders", "\\du postgres", "\\dn s_*",
     "\\dt+ {s}.*", "\\dv+ {s}.*", "\\dm+ {s}.*", "\\di+ {s}.*", "\\ds+ {s}.*", "\\l test"],
)  # fmt: skip
def test_listings_are_psqls(pg_url: str, pg_schema: str, shell_driver, command: str) -> None:
    """The table psql prints, line for line (psql centres its title; ours is flush left)."""
    require(shutil.which("psql") is not None, "psql is not installed")
    command = command.format(s=pg_schema)
    psql = subprocess.run(["psql", "-X", pg_url, "-c", command], capture_output=True, text=True)
    ours, err = shell_driver(pg_url).run(command + "\n")
    assert err == ""
    title, *table = psql.stdout.splitlines()
    assert ours.splitlines()[0] == title.strip()
    if command.startswith("\\dn s_*"):  # other tests' schemas come and go: only ours is compared
        assert any(line.startswith(f" {pg_schema} ") for line in ours.splitlines())
        return
    assert ours.splitlines()[1:] == table


def test_other_schemas_in_describe_completion_and_session(pg_url: str, pg_schema: str, shell_driver) -> None:
    sh = shell_driver(pg_url)
    out, err = sh.run(f"\\d {pg_schema}.orders\n")
    assert err == "" and out.startswith(f'Table "{pg_schema}.orders"\n')
    out, err = sh.run(f"\\d+ {pg_schema}.orders\n")
    assert "description" in out and "Description: what was ordered" in out
    out, err = sh.run(f"\\mode session\n\\get {pg_schema}.orders 1\n")
    assert "ERROR" not in err and "first" in out
    out, err = sh.run(f"\\change {pg_schema}.orders 1 note='changed'\n\\commit\n")
    assert f"UPDATE {pg_schema}.orders SET note" in err and "ERROR" not in err
    assert sh.run(f"select note from {pg_schema}.orders;\n")[0].splitlines()[2].strip() == "changed"
    repl = Repl(pg_url)
    try:
        assert catalog_for(repl.shell.db).wait(10)
        repl.type_until(f"select * from {pg_schema}.or\t", f"select * from {pg_schema}.orders")
        repl.type_until(" o where o.no\t", f"select * from {pg_schema}.orders o where o.note")
        repl.send("\x03")
        repl.type_until(f"\\d {pg_schema}.re\t", f"\\d {pg_schema}.recent")
        repl.send("\x03\\q\r")
        assert repl.finish() == 0
    finally:
        repl.close()


@pytest.mark.parametrize(
    ("raw", "schema", "matches", "misses"),
    [
        ("acc*", None, ["acc", "accounts"], ["xacc", "Acc2"]),
        ("sales.*", "sales", ["orders", "x"], []),
        ('"Mixed"', None, ["Mixed"], ["mixed"]),
        ("MIXED", None, ["mixed"], ["Mixed"]),
        ("a?c", None, ["abc"], ["ac", "abbc"]),
        ("a$", None, ["a$"], ["a"]),
        ('s."a.b"', "s", ["a.b"], ["a"]),
    ],
)
def test_psql_patterns(raw: str, schema: str | None, matches: list[str], misses: list[str]) -> None:
    p = parse_pattern(raw)
    assert (p.schema is None) == (schema is None)
    if schema:
        assert p.schema_ok(schema) and not p.schema_ok(schema + "x")
    assert all(p.name_ok(n) for n in matches) and not any(p.name_ok(n) for n in misses)
    with pytest.raises(UserError):
        parse_pattern("a.b.c.d")
