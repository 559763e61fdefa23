"""``\\copy``: the files it writes are psql's, byte for byte; what it reads
arrives whole (checked from another connection) or not at all, with the bad
line named; it runs in the current mode's transaction; on SQLite, PostgreSQL
and MariaDB."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from support import count, drop, require, require_pg, sqlalchemy_url

from sqlshell.errors import UserError
from sqlshell.sqltext.copyargs import parse_copy

ROWS = [
    (1, "a,b", "plain"),
    (2, "", None),
    (3, None, "tab\there"),
    (4, 'x"y\nz\\w', "semi;colon"),
    (5, "\\.", " spaced "),
    (6, "qu'ote", "|pipe|"),
]
OPTIONS = [
    "",
    "csv",
    "csv header",
    "with (format csv, header, delimiter ';', null 'NUL', quote '''')",
    "with (format text, header)",
    "delimiter '|' null 'NULL'",
    "with (format csv, escape '\\', quote '|')",
    "WITH CSV HEADER DELIMITER AS ';' NULL AS 'none'",
]


def _make(engine: Engine, name: str, rows: list[tuple[object, ...]] = ROWS) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"create table {name} (id integer primary key, t varchar(40), u varchar(40))"))
        if rows:
            conn.execute(text(f"insert into {name} values (:i, :t, :u)"), [dict(i=i, t=t, u=u) for i, t, u in rows])


def _psql(command: str) -> None:
    require(shutil.which("psql") is not None, "psql is not installed")
    url = require_pg()
    done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", command], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def _rows(engine: Engine, name: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"select id, t, u from {name} order by id"))]


@pytest.fixture
def pg_engine() -> Engine:
    engine = create_engine(sqlalchemy_url(require_pg()))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("options", OPTIONS)
def test_files_are_the_bytes_psql_writes(
    txn_url: str, txn_observer: Engine, pg_engine: Engine, table: str, tmp_path: Path, shell_driver, options: str
) -> None:
    """The same rows, copied out by psql from PostgreSQL and by sqlshell from each backend."""
    _make(pg_engine, table)
    if txn_observer.dialect.name != "postgresql":
        _make(txn_observer, table)
    try:
        _psql(f"\\copy {table} to '{tmp_path}/psql.out' {options}")
        out, err = shell_driver(txn_url).run(f"\\copy {table} to '{tmp_path}/ours.out' {options}")
        assert err == ""
        assert out == "COPY 6\n"
        assert (tmp_path / "ours.out").read_bytes() == (tmp_path / "psql.out").read_bytes()
    finally:
        drop(pg_engine, table)
        drop(txn_observer, table)


def test_a_query_and_columns_copy_like_psql(pg_url: str, pg_engine: Engine, table: str, tmp_path: Path, shell_driver):
    _make(pg_engine, table)
    try:
        for n, what in enumerate([f"(select u, id from {table} where id > 2 order by id desc)", f"{table} (u, t)"]):
            _psql(f"\\copy {what} to '{tmp_path}/p{n}' csv header")
            shell_driver(pg_url).run(f"\\copy {what} to '{tmp_path}/o{n}' csv header")
            assert (tmp_path / f"o{n}").read_bytes() == (tmp_path / f"p{n}").read_bytes()
    finally:
        drop(pg_engine, table)


@pytest.mark.parametrize("options", ["", "csv header", "with (format csv, escape '\\', quote '|', null 'NUL')"])
def test_round_trip_through_a_file(
    txn_url: str, txn_observer: Engine, table: str, tmp_path: Path, shell_driver, options: str
) -> None:
    _make(txn_observer, table)
    _make(txn_observer, f"{table}_2", [])
    try:
        sh = shell_driver(txn_url)
        f = tmp_path / "data"
        out, err = sh.run(f"\\copy {table} to '{f}' {options}\n\\copy {table}_2 from '{f}' {options}\n")
        assert (out, err) == ("COPY 6\nCOPY 6\n", "")
        assert _rows(txn_observer, f"{table}_2") == _rows(txn_observer, table) == ROWS
    finally:
        drop(txn_observer, table, f"{table}_2")


def test_a_bad_line_is_named_and_nothing_is_inserted(
    txn_url: str, txn_observer: Engine, table: str, tmp_path: Path, shell_driver
) -> None:
    _make(txn_observer, table, [])
    good = "".join(f"{i}\tname {i}\tx\n" for i in range(1, 2501))
    try:
        sh = shell_driver(txn_url)
        for bad, message in [("7\tshort\n", 'missing data for column "u"'), ("1\tduplicate\tkey\n", "")]:
            (tmp_path / "in.txt").write_text(good + bad + "9999\tlast\tline\n")
            out, err = sh.run(f"\\copy {table} from '{tmp_path}/in.txt'")
            assert out == ""
            assert f"line 2501 of {tmp_path}/in.txt" in err
            assert message in err
            assert count(txn_observer, table) == 0
    finally:
        drop(txn_observer, table)


def test_script_data_in_each_mode_and_transaction(txn_url: str, txn_observer: Engine, table: str, shell_driver):
    _make(txn_observer, table, [])
    try:
        sh = shell_driver(txn_url)
        out, err = sh.run(f'\\copy {table} from stdin csv\n1,a,"multi\nline"\n2,,\n\\.\n')
        assert (out, err) == ("COPY 2\n", "")
        assert _rows(txn_observer, table) == [(1, "a", "multi\nline"), (2, None, None)]
        sh.run("\\mode connection\n\\begin\n")
        out, err = sh.run(f"\\copy {table} (u, id) from stdin\nz\t3\n\\.\n")
        assert out == "COPY 1\n" and sh.prompt.endswith("*> ")
        assert count(txn_observer, table) == 2  # not committed yet
        sh.run("\\rollback\n")
        assert count(txn_observer, table) == 2
        sh.run(f"\\begin\n\\copy {table} from stdin\n4\tb\tc\n\\.\n\\commit\n")
        assert count(txn_observer, table) == 3
        sh.run("\\mode session\n")
        out, err = sh.run(f"\\copy {table} from stdin\n5\tq\tr\n\\.\n")
        assert out == "COPY 1\n" and count(txn_observer, table) == 3
        sh.run("\\commit\n")
        assert count(txn_observer, table) == 4
        out, err = sh.run(f"\\copy (select id from {table} where id > 3 order by id) to stdout\n")
        assert out == "4\n5\n"  # no tag after data on standard output, as in psql
        sh.run("\\rollback\n")  # the session's read transaction (SQLite would lock the drop)
    finally:
        drop(txn_observer, table)


def test_a_failing_copy_inside_a_transaction(txn_url: str, txn_observer: Engine, table: str, shell_driver) -> None:
    """PostgreSQL: the transaction has failed, as under psql. Elsewhere the copy alone is undone."""
    _make(txn_observer, table, [])
    try:
        sh = shell_driver(txn_url)
        sh.run(f"\\mode connection\n\\begin\ninsert into {table} values (10, 'kept', null);\n")
        out, err = sh.run(f"\\copy {table} from stdin\n11\ta\tb\n10\tdup\tkey\n\\.\n")
        assert out == "" and "[line 3 of the input]" in err
        if txn_url.startswith("postgresql"):
            assert sh.prompt.endswith("!> ")
        else:
            assert sh.prompt.endswith("*> ") and "the copy was undone" in err
            sh.run("\\commit\n")
            assert _rows(txn_observer, table) == [(10, "kept", None)]
    finally:
        sh.run("\\rollback\n")
        drop(txn_observer, table)


def test_program_and_stdout(txn_url: str, txn_observer: Engine, table: str, tmp_path: Path, shell_driver) -> None:
    _make(txn_observer, table)
    try:
        sh = shell_driver(txn_url)
        out, err = sh.run(f"\\copy {table} (id) to program 'sort -rn > {tmp_path}/sorted'\n")
        assert (out, err) == ("COPY 6\n", "")
        assert (tmp_path / "sorted").read_text() == "6\n5\n4\n3\n2\n1\n"
        sh.run(f"delete from {table} where id > 1;\n")
        out, err = sh.run(f"\\copy {table} from program 'printf \"7\\\\tp\\\\tq\\\\n\"'\n")
        assert (out, err) == ("COPY 1\n", "")
        assert _rows(txn_observer, table)[-1] == (7, "p", "q")
        out, err = sh.run(f"\\copy {table} from program 'exit 3'\n")
        assert "exit status 3" in err
    finally:
        drop(txn_observer, table)


def test_user_mistakes_get_one_line(sqlite_url: str, tmp_path: Path, shell_driver) -> None:
    sh = shell_driver(sqlite_url)
    sh.run("create table t (a int);\n")
    for line, message in [
        ("\\copy", "needs arguments"),
        ("\\copy t", "needs FROM or TO"),
        ("\\copy t from", "needs a file"),
        ("\\copy (select 1) from 'x'", "only copy TO"),
        (f"\\copy t from '{tmp_path}/missing'", "No such file"),
        ("\\copy nosuch to stdout", 'relation "nosuch" does not exist'),
        ("\\copy t to stdout with (format binary)", "binary format exists only on PostgreSQL"),
        ("\\copy t to stdout with (frmat csv)", 'option "frmat" not recognized'),
        ("\\copy t to stdout csv delimiter '\"'", "delimiter and quote must be different"),
    ]:
        out, err = sh.run(line + "\n")
        assert out == "" and message in err and err.count("\n") == 1, (line, err)


def test_option_syntax() -> None:
    spec = parse_copy("\"My T\" (a, b) from 'f.csv' with (format csv, header true, null 'x', delimiter E'\\t')")
    assert (spec.table, spec.columns, spec.kind, spec.target) == ('"My T"', "a, b", "file", "f.csv")
    assert spec.options.csv and spec.options.header and spec.options.null_text == "x" and spec.options.delim == "\t"
    assert spec.server_sql() == (
        "COPY \"My T\" (a, b) FROM STDIN with (format csv, header true, null 'x', delimiter E'\\t')"
    )
    old = parse_copy("s.t to stdout csv header quote as '''' force quote *")
    assert old.options.quote == "'" and old.options.unsupported == ["force"]
    assert parse_copy("t from pstdin").kind == "stdio"
    where = parse_copy("t from 'x' where a > 1").options
    assert where.where == "a > 1"
    with pytest.raises(UserError):
        parse_copy("t to stdin")


def test_a_connection_killed_under_copy_is_told(
    pg_url: str, pg_engine: Engine, table: str, tmp_path: Path, shell_driver
):
    """The server ends the held connection: inside \\begin the transaction shows as
    lost (nothing runs outside it); outside, a new connection is opened and said so."""
    _make(pg_engine, table, [])
    (tmp_path / "in.txt").write_text("1\ta\tb\n")
    try:
        for setup, lost in [("\\mode connection\n\\begin\n", True), ("\\mode connection\n", False)]:
            sh = shell_driver(pg_url)
            sh.run(setup)
            pid = sh.shell.held.conn.exec_driver_sql("select pg_backend_pid()").scalar()
            with pg_engine.connect() as conn:
                conn.execute(text(f"select pg_terminate_backend({pid})"))
            out, err = sh.run(f"\\copy {table} from '{tmp_path}/in.txt'\n")
            assert out == "" and "Traceback" not in err
            if lost:
                assert sh.prompt.endswith("!> ") and "\\rollback to acknowledge" in err
                assert sh.run(f"\\copy {table} from '{tmp_path}/in.txt'\n")[0] == ""  # not run outside it
                sh.run("\\rollback\n")
            else:
                assert "a new one is open" in err
            assert count(pg_engine, table) == 0
            assert sh.run(f"\\copy {table} from '{tmp_path}/in.txt'\n")[0] == "COPY 1\n"
            sh.run(f"delete from {table};\n")
    finally:
        drop(pg_engine, table)


def test_copy_from_stdin_at_the_prompt(sqlite_url: str, table: str) -> None:
    """Interactively the data lines are typed after the command, on data> lines, up to \\."""
    from support.repl_harness import Repl

    engine = create_engine(sqlite_url)
    _make(engine, table, [])
    repl = Repl(sqlite_url)
    try:
        repl.type_until(f"\\copy {table} from stdin csv\r", f"\\copy {table} from stdin csv\n")  # data wanted
        repl.type_until('1,x,"y"\r', f'\\copy {table} from stdin csv\n1,x,"y"\n')
        repl.line("\\.\r")
        repl.send("\\q\r")
        assert repl.finish() == 0
        assert "COPY 1" in repl.stdout.getvalue()
        assert _rows(engine, table) == [(1, "x", "y")]
    finally:
        repl.close()
        drop(engine, table)
        engine.dispose()


SCRIPT = r"""\set ON_ERROR_STOP on
\set QUIET on
\pset null (null)
\set QUIET off
create table {t} (id int, name text, note text);
insert into {t} values (1, 'a', null), (2, 'b,c', ''), (3, E'x\ty', 'q"q');
select count(*) > 0 as any, count(*) as n from {t} \gset
\if :any
\echo :greeting copying :n rows
\copy {t} to '{d}/all.csv' csv header
\else
\echo nothing
\endif
\copy (select id, name from {t} where id > 1 order by id) to '{d}/some.txt' with (format text, null 'NULL')
create table {t}_2 (like {t});
\copy {t}_2 from '{d}/all.csv' csv header
select * from {t}_2 order by id;
\copy {t}_2 to stdout
\copy {t}_2 (name, note) to stdout with (format csv, force_quote *)
drop table {t}, {t}_2;
"""


def test_a_psql_script_with_copy_runs_identically(pg_url: str, table: str, tmp_path: Path) -> None:
    """\\set, -v, \\gset, \\if and \\copy: the same output and the same files under psql and sqlshell."""
    require(shutil.which("psql") is not None, "psql is not installed")
    outputs = []
    for who in ("psql", "sqlshell"):
        d = tmp_path / who
        d.mkdir()
        script = tmp_path / f"{who}.sql"
        script.write_text(SCRIPT.format(t=table, d=d))
        program = ["psql", "-X", pg_url] if who == "psql" else [sys.executable, "-m", "sqlshell", "-X", pg_url]
        done = subprocess.run([*program, "-v", "greeting=hello", "-f", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        outputs.append((done.stdout, {f.name: f.read_bytes() for f in sorted(d.iterdir())}))
    assert outputs[1][0].splitlines() == outputs[0][0].splitlines()
    assert outputs[1] == outputs[0]
    assert set(outputs[0][1]) == {"all.csv", "some.txt"}


def test_script_data_keeps_form_feeds_and_unicode_separators(
    txn_url: str, txn_observer: Engine, table: str, shell_driver
) -> None:
    """COPY ends a line at \\n, \\r\\n or \\r only: a form feed, a vertical tab, U+2028 or
    U+0085 in a value is data, as PostgreSQL's own COPY output writes it."""
    _make(txn_observer, table, [])
    try:
        sh = shell_driver(txn_url)
        out, err = sh.run(f"\\copy {table} from stdin csv\n1,a\fb,c\vd\n2,e\u2028f,g\x85h\n\\.\n")
        assert (out, err) == ("COPY 2\n", "")
        assert _rows(txn_observer, table) == [(1, "a\fb", "c\vd"), (2, "e\u2028f", "g\x85h")]
    finally:
        drop(txn_observer, table)
