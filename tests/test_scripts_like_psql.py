"""Real-world scripts run as psql runs them: COPY … FROM stdin blocks, psql
variables, pg_dump and sqlite3 dumps, the shared corpus (Pagila, Chinook,
PostgreSQL's regression scripts)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from support import require, require_pg, run_cli

from sqlshell.sqltext.split import is_complete

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@pytest.fixture
def fresh_db() -> Iterator[str]:
    """A PostgreSQL database of its own (dumps and corpus scripts create schemas)."""
    base = require_pg()
    name = f"sqlshell_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    yield base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")


def test_copy_from_stdin_in_engine_mode(fresh_db: str) -> None:
    script = "create table c (a int, b text);\ncopy c from stdin;\n1\tx;y\n2\t\\N\n\\.\n"
    script += "select count(*) from c where b is null;\n"
    r = run_cli([fresh_db], input=script)
    assert r.code == 0, r.stderr
    assert "COPY 2" in r.stdout and "     1\n" in r.stdout


def test_copy_inside_a_transaction_is_rolled_back_with_it(fresh_db: str) -> None:
    script = (
        "create table c (a int);\n\\begin\ncopy c from stdin;\n1\n2\n\\.\n\\rollback\nselect count(*) as n from c;\n"
    )
    r = run_cli([fresh_db, "--format", "csv", "-q"], input=script)
    assert r.code == 0, r.stderr
    assert r.stdout.endswith("n\r\n0\r\n")


def test_malformed_copy_line_names_its_input_line(fresh_db: str) -> None:
    script = "create table c (a int, b text);\n\ncopy c from stdin;\n1\tok\nnot a number\tbad\n\\.\n"
    r = run_cli([fresh_db], input=script)
    assert r.code == 1
    assert "invalid input syntax for type integer" in r.stderr
    assert "data line 2 of the COPY, line 5 of the input" in r.stderr


def test_copy_to_stdout(fresh_db: str) -> None:
    r = run_cli([fresh_db, "-q"], input="copy (select 1 as a, 'x,y' as b) to stdout with (format csv, header);\n")
    assert r.stdout == 'a,b\n1,"x,y"\n'


def test_copy_on_sqlite_is_one_clear_line(tmp_path: Path) -> None:
    r = run_cli([str(tmp_path / "c.db")], input="create table c (a int);\ncopy c from stdin;\n1\n\\.\n")
    assert r.code == 1 and r.stderr.count("\n") == 1 and "needs PostgreSQL" in r.stderr


def test_the_repl_waits_for_the_end_of_copy_data() -> None:
    assert not is_complete("copy c from stdin;\n1\n")
    assert is_complete("copy c from stdin;\n1\n\\.\n")


def test_psql_variables(db_url: str) -> None:
    script = (
        "\\set name 'it''s'\n\\set n 41\n"
        "select :'name' as lit, :n + 1 as answer, ':n' as quoted /* :n */;\n"
        "select 'unknown :nope stays' as s;\n"
    )
    if db_url.startswith("postgresql"):
        script += "select 7::int as cast, $$:n$$ as dollar;\n"
    r = run_cli([db_url, "--format", "csv", "-q"], input=script)
    assert r.code == 0, r.stderr
    assert "lit,answer,quoted\r\nit's,42,:n\r\n" in r.stdout
    assert "s\r\nunknown :nope stays\r\n" in r.stdout
    if db_url.startswith("postgresql"):
        assert r.stdout.endswith("cast,dollar\r\n7,:n\r\n")


def test_on_error_stop_variable_and_unsupported_psql_commands(db_url: str) -> None:
    r = run_cli(
        [db_url, "--on-error", "continue"],
        input="\\setenv X y\nselect 1 as a;\n\\set ON_ERROR_STOP on\n\\x9\nselect 2 as b;\n",
    )
    assert r.code == 1
    assert "psql's meta-command \\setenv is not supported by sqlshell" in r.stderr
    assert " a \n" in r.stdout and " b \n" not in r.stdout  # ON_ERROR_STOP stopped it after \x9


def test_pg_dump_plain_file_loads_with_every_row(fresh_db: str, tmp_path: Path) -> None:
    require(shutil.which("pg_dump") is not None, "pg_dump is not installed")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table t (id serial primary key, s text, b bytea, ts timestamptz, n numeric)")
        conn.execute(
            "insert into t (s, b, ts, n) values ('it''s; \"q\"', '\\x00ff', now(), 1.5), (null, null, null, null), "
            "(E'tab\\tnew\\nline', '', '2024-01-01', 123456789.123456789)"
        )
    dump = tmp_path / "dump.sql"
    subprocess.run(["pg_dump", "--format=plain", "-d", fresh_db, "-f", str(dump)], check=True)
    target = fresh_db + "_copy"
    with psycopg.connect(fresh_db.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f"create database {target.rsplit('/', 1)[1]}")
    try:
        r = run_cli([target, "-q", "-f", str(dump)])
        assert r.code == 0, r.stderr
        if "\\restrict" in dump.read_text():
            assert "psql-only \\restrict skipped" in r.stderr
        query = "select id, s, b, ts, n from t order by id"
        with psycopg.connect(fresh_db) as a, psycopg.connect(target) as b:
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
            assert b.execute("select nextval('t_id_seq')").fetchone() == (4,)
    finally:
        with psycopg.connect(fresh_db.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f"drop database if exists {target.rsplit('/', 1)[1]} with (force)")


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is not installed")
def test_sqlite3_dump_round_trips(tmp_path: Path) -> None:
    source, copy = tmp_path / "a.db", tmp_path / "b.db"
    with sqlite3.connect(source) as conn:
        conn.execute("create table t (id integer primary key, s text, b blob, r real)")
        conn.executemany(
            "insert into t values (?, ?, ?, ?)",
            [
                (1, 'it\'s; "quoted"', b"\x00\x01\xff", 1.5),
                (2, None, None, None),
                (3, "", b"", -0.25),
                (4, "new\nline", b"x", 1e100),
            ],
        )
        conn.execute("create index t_s on t (s)")
    dump = subprocess.run(["sqlite3", str(source), ".dump"], capture_output=True, text=True, check=True).stdout
    assert "BEGIN TRANSACTION" in dump and "PRAGMA" in dump
    r = run_cli([str(copy), "-q"], input=dump)
    assert r.code == 0, r.stderr
    with sqlite3.connect(source) as a, sqlite3.connect(copy) as b:
        query = "select id, s, b, r, typeof(s), typeof(b) from t order by id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
        assert b.execute("select name from sqlite_master where type = 'index'").fetchall() == [("t_s",)]


def _table_checksums(url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select format('%I.%I', schemaname, tablename) from pg_tables "
                "where schemaname not in ('pg_catalog', 'information_schema') order by 1"
            )
        ]
        return {
            t: conn.execute(
                f"select count(*), coalesce(md5(string_agg(x::text, ',' order by x::text)), '') from {t} x"
            ).fetchone()
            for t in tables
        }


def test_pagila_loads_exactly_as_with_psql(fresh_db: str) -> None:
    require((CORPUS / "pagila").exists() and shutil.which("psql") is not None, "needs shared/corpus and psql")
    schema, data = CORPUS / "pagila" / "pagila-schema.sql", CORPUS / "pagila" / "pagila-data.sql"
    for path in (schema, data):
        r = run_cli([fresh_db, "-q", "-f", str(path)])
        assert r.code == 0, r.stderr[-2000:]
    ours = _table_checksums(fresh_db)
    assert ours["public.payment"][0] > 16000 and ours["public.rental"][0] > 16000
    psql_db = fresh_db + "_psql"
    admin = fresh_db.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"create database {psql_db.rsplit('/', 1)[1]}")
    try:
        for path in (schema, data):
            subprocess.run(["psql", "-X", "-q", "-d", psql_db, "-f", str(path)], check=True, capture_output=True)
        assert ours == _table_checksums(psql_db)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"drop database if exists {psql_db.rsplit('/', 1)[1]} with (force)")


def test_chinook_creates_and_connects_to_its_database(tmp_path: Path) -> None:
    require((CORPUS / "chinook").exists(), "shared/corpus is not beside the project")
    base = require_pg()
    name = f"chinook_{uuid.uuid4().hex[:8]}"
    text = (CORPUS / "chinook" / "Chinook_PostgreSql.sql").read_text()
    text = text.replace("DATABASE IF EXISTS chinook;", f"DATABASE IF EXISTS {name};")
    text = text.replace("CREATE DATABASE chinook;", f"CREATE DATABASE {name};").replace("\\c chinook;", f"\\c {name};")
    try:
        r = run_cli([base, "-q"], input=text)
        assert r.code == 0, r.stderr[-2000:]
        with psycopg.connect(base.rsplit("/", 1)[0] + "/" + name) as conn:
            assert conn.execute("select count(*) from track").fetchone() == (3503,)
            assert conn.execute("select count(*) from invoice_line").fetchone() == (2240,)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"drop database if exists {name} with (force)")
