"""``\\d``: listing tables and views and describing one, from SQLAlchemy's
inspector, on SQLite and PostgreSQL; inside a transaction it sees the
transaction's own uncommitted DDL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import drop

from sqlshell.commands.describe import parse_name
from sqlshell.errors import UserError


@pytest.fixture
def films(observer: Engine, table: str) -> Iterator[str]:
    """A films table with a primary key, a foreign key, an index, and a view on it."""
    with observer.begin() as conn:
        conn.execute(text(f"create table {table}_d (did integer primary key, name varchar(40))"))
        conn.execute(
            text(
                f"create table {table} (code char(5) primary key, title varchar(40) not null,"
                f" did integer references {table}_d(did), kind varchar(10) default 'drama')"
            )
        )
        conn.execute(text(f"create index {table}_title_idx on {table} (title, kind)"))
        conn.execute(text(f"create view {table}_v as select code, title from {table}"))
    yield table
    with observer.begin() as conn:
        conn.execute(text(f"drop view if exists {table}_v"))
    drop(observer, table, f"{table}_d")


def test_describe_table_shows_columns_keys_and_index(db_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    out, err = sh.run(f"\\d {films}")
    assert err == ""
    assert out.startswith(f'Table "{films}"\n')
    cells = [[c.strip() for c in line.split("|")] for line in out.splitlines() if "|" in line]
    assert cells[0] == ["column", "type", "nullable", "default"]
    columns = {row[0]: row[1:] for row in cells[1:5]}
    assert list(columns) == ["code", "title", "did", "kind"]
    assert columns["code"][0] == "CHAR(5)"
    assert columns["title"][:2] == ["VARCHAR(40)", "not null"]
    assert "'drama'" in columns["kind"][2]
    assert cells[5] == ["name", "kind", "columns", "details"]
    keys = {row[1]: row for row in cells[6:]}
    assert keys["primary key"][2] == "code"
    assert keys["foreign key"][2:] == ["did", f"references {films}_d(did)"]
    assert keys["index"][0::2] == [f"{films}_title_idx", "title, kind"]


def test_d_lists_tables_and_views(db_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    out, err = sh.run("\\d")
    assert err == ""
    rows = {tuple(c.strip() for c in line.split("|")) for line in out.splitlines() if "|" in line}
    schema = "public" if db_url.startswith("postgresql") else "main"
    assert {(schema, films, "table"), (schema, f"{films}_d", "table"), (schema, f"{films}_v", "view")} <= rows


def test_describe_view(db_url: str, films: str, shell_driver) -> None:
    out, _ = shell_driver(db_url).run(f"\\d {films}_v")
    assert out.startswith(f'View "{films}_v"\n')
    assert " code " in out and " title " in out and "primary key" not in out


def test_unknown_table_is_one_line(db_url: str, shell_driver) -> None:
    out, err = shell_driver(db_url).run("\\d no_such_table_here")
    assert out == ""
    assert err == "no table or view named no_such_table_here (\\d lists them)\n"


def test_unquoted_names_fold_to_lower_case(db_url: str, films: str, shell_driver) -> None:
    out, err = shell_driver(db_url).run(f"\\d {films.upper()}")
    assert err == "" and f'Table "{films}"' in out


def test_schema_qualified_name(db_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    schema = "public" if db_url.startswith("postgresql") else "main"
    out, err = sh.run(f"\\d {schema}.{films}")
    assert err == "" and out.startswith(f'Table "{schema}.{films}"\n') and "primary key" in out
    _, err = sh.run(f"\\d no_such_schema.{films}")
    assert err == f"no table or view named no_such_schema.{films} (\\d lists them)\n"


def test_sees_uncommitted_ddl_of_the_open_transaction(db_url: str, table: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run(f"\\begin\ncreate table {table} (id integer primary key, note text);")
    out, err = sh.run(f"\\d {table}")
    assert " note " in out and "primary key" in out, err
    assert sh.shell.txn().state == "open" and sh.shell.txn().savepoints == ()
    sh.run("\\rollback")
    _, err = sh.run(f"\\d {table}")
    assert err.startswith(f"no table or view named {table} ")


def test_machine_formats_have_no_title_line(db_url: str, films: str, shell_driver) -> None:
    out, _ = shell_driver(db_url, format="csv").run(f"\\d {films}")
    assert out.startswith("column,type,nullable,default\r\n")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("films", (None, "films")),
        ("Films", (None, "films")),
        ('"Films"', (None, "Films")),
        ('public."my.table"', ("public", "my.table")),
        ('"a""b"', (None, 'a"b')),
    ],
)
def test_parse_name(raw: str, expected: tuple[str | None, str]) -> None:
    assert parse_name(raw) == expected


@pytest.mark.parametrize("raw", ["a.b.c", "a b", "a.", '"unclosed'])
def test_parse_name_refuses_what_is_not_a_name(raw: str) -> None:
    with pytest.raises(UserError, match="not a table name"):
        parse_name(raw)
