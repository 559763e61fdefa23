"""The `sqlshell` command end to end: scripts, -c, -f, formats, exit codes.
Every mode-independent behaviour runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from support import count, drop, require_pg, run_cli


def _quote(db_url: str, value: str) -> str:
    return f"$${value}$$" if db_url.startswith("postgresql") else f"'{value}'"


def test_piped_script_on_embedded_default_database() -> None:
    script = "create table t(a int, b text);\ninsert into t values (1, 'x;y');\nselect * from t;\n"
    r = run_cli([], input=script)
    assert r.code == 0, r.stderr
    assert " a |  b  \n---+-----\n 1 | x;y\n(1 row)\n" in r.stdout
    assert os.path.exists(Path(os.environ["XDG_DATA_HOME"]) / "sqlshell" / "default.sqlite3")


def test_piped_script_with_dollar_quotes(db_url: str, table: str) -> None:
    script = f"create table {table}(a int, b text);\ninsert into {table} values (1, {_quote(db_url, 'x;y')});\n"
    script += f"select * from {table};\ndrop table {table};\n"
    r = run_cli([db_url], input=script)
    assert r.code == 0, r.stderr
    assert " 1 | x;y\n(1 row)\n" in r.stdout


def test_csv_quiet_exact_output(db_url: str) -> None:
    r = run_cli([db_url, "--format", "csv", "-q", "-c", "select 1 as a, null as b"])
    assert r.code == 0, r.stderr
    assert r.stdout == "a,b\r\n1,\r\n"


def test_command_tags(db_url: str, table: str) -> None:
    script = (
        f"create table {table}(a int);\n"
        f"insert into {table} values (1);\n"
        f"insert into {table} values (2), (3), (4);\n"
        f"update {table} set a = a + 1 where a > 1;\n"
        f"delete from {table} where a > 3;\n"
        f"drop table {table};\n"
    )
    r = run_cli([db_url], input=script)
    assert r.code == 0, r.stderr
    assert r.stdout.splitlines() == ["CREATE TABLE", "INSERT 0 1", "INSERT 0 3", "UPDATE 3", "DELETE 2", "DROP TABLE"]


def test_quiet_drops_tags_and_keeps_footers_as_psql(db_url: str, table: str) -> None:
    r = run_cli([db_url, "-q"], input=f"create table {table}(a int);\nselect 1 as x;\ndrop table {table};\n")
    assert r.code == 0, r.stderr
    assert r.stdout == " x \n---\n 1\n(1 row)\n\n"  # psql -q: no CREATE TABLE / DROP TABLE tags


def test_null_and_empty_string_are_distinct(db_url: str) -> None:
    sql = "select null as n, '' as e, 'v' as v"
    table = run_cli([db_url, "-c", sql])
    assert " <null> |   | v\n" in table.stdout
    as_csv = run_cli([db_url, "--format", "csv", "-c", sql])
    assert as_csv.stdout == 'n,e,v\r\n,"",v\r\n'
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows == [["n", "e", "v"], ["", "", "v"]]
    custom = run_cli([db_url, "--null", "NULL", "-c", sql])
    assert " NULL |   | v\n" in custom.stdout


def test_csv_quotes_and_newlines_round_trip(db_url: str) -> None:
    r = run_cli([db_url, "--format", "csv", "-c", "select 'a,b' as x, 'say \"hi\"' as y, 'l1\nl2' as z"])
    assert list(csv.reader(io.StringIO(r.stdout, newline=""))) == [["x", "y", "z"], ["a,b", 'say "hi"', "l1\nl2"]]


def test_json_and_tsv_formats(db_url: str) -> None:
    sql = "select 1 as a, 'x\ty' as b, null as c"
    data = json.loads(run_cli([db_url, "--format", "json", "-c", sql]).stdout)
    assert data == [{"a": 1, "b": "x\ty", "c": None}]
    tsv = run_cli([db_url, "--format", "tsv", "-c", sql]).stdout
    assert tsv == "a\tb\tc\n1\tx\\ty\t\\N\n"


def test_tabulate_format_and_unknown_format(db_url: str) -> None:
    r = run_cli([db_url, "--format", "github", "-q", "-c", "select 1 as a"])
    assert r.stdout.splitlines()[:2] == ["|   a |", "|-----|"]
    bad = run_cli([db_url, "--format", "nope", "-c", "select 1"])
    assert bad.code == 2 and "'nope' is not a format" in bad.stderr


def test_failing_statement_exits_1_with_line_number(db_url: str, table: str) -> None:
    script = f"create table {table}(a int);\n\nselect *\n  from no_such_table_xyz;\ninsert into {table} values (1);\n"
    r = run_cli([db_url], input=script)
    assert r.code == 1
    # PostgreSQL points at the table's line; SQLite names no position: the statement's first line.
    assert r.stderr.startswith("<stdin>:4: " if db_url.startswith("postgresql") else "<stdin>:3: ")
    assert "no_such_table_xyz" in r.stderr and "Traceback" not in r.stderr
    observer = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        assert count(observer, table) == 0  # stopped at the failure: the insert never ran
    finally:
        drop(observer, table)
        observer.dispose()


def test_on_error_continue_runs_the_rest(db_url: str, table: str) -> None:
    script = f"create table {table}(a int);\nselect * from no_such_table_xyz;\ninsert into {table} values (1);\n"
    r = run_cli([db_url, "--on-error", "continue"], input=script + f"drop table {table};\n")
    assert r.code == 1
    assert "INSERT 0 1" in r.stdout and "DROP TABLE" in r.stdout


def test_final_statement_without_semicolon_runs(db_url: str) -> None:
    r = run_cli([db_url], input="select 41 + 1 as answer")
    assert r.code == 0 and " answer \n--------\n     42\n" in r.stdout


def test_repeated_c_and_f_run_in_order(db_url: str, tmp_path: Path) -> None:
    script = tmp_path / "s.sql"
    script.write_text("select 3 as c;\n")
    r = run_cli([db_url, "-q", "--format", "csv", "-c", "select 1 as a", "-c", "select 2 as b", "-f", str(script)])
    assert r.stdout == "a\r\n1\r\nb\r\n2\r\nc\r\n3\r\n"


def test_unreadable_file_exits_2_before_running_anything(db_url: str, tmp_path: Path) -> None:
    r = run_cli([db_url, "-c", "select 1", "-f", str(tmp_path / "missing.sql")])
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "cannot read" in r.stderr


def test_binary_stdin_is_refused(db_url: str) -> None:
    r = run_cli([db_url], input=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert r.code == 2
    assert "not UTF-8" in r.stderr or "NUL" in r.stderr


def test_unknown_meta_command_is_one_line_and_the_shell_goes_on(db_url: str) -> None:
    r = run_cli([db_url, "--on-error", "continue"], input="\\nosuch\nselect 1 as a;\n")
    assert r.code == 1
    assert r.stderr.strip() == "<stdin>:1: unknown meta-command \\nosuch (\\? lists the meta-commands)"
    assert " a \n---\n 1\n" in r.stdout


def test_help_lists_every_registered_command(db_url: str) -> None:
    from sqlshell.commands.all import build_registry

    r = run_cli([db_url, "-c", "\\?"])
    for command in build_registry().commands:
        assert command.usage in r.stdout


def test_bare_file_path_opens_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    r = run_cli([str(path), "-c", "create table x(a int)", "-c", "\\status"])
    assert r.code == 0, r.stderr
    assert path.exists() and "sqlite" in r.stdout


def test_sqlshell_url_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.sqlite3"
    monkeypatch.setenv("SQLSHELL_URL", f"sqlite:///{path}")
    r = run_cli(["-c", "\\status"])
    assert str(path) in r.stdout


def test_postgres_scheme_means_psycopg() -> None:
    url = require_pg().replace("postgresql://", "postgres://", 1)
    r = run_cli([url, "-q", "--format", "csv", "-c", "select 7 as x"])
    assert r.code == 0, r.stderr
    assert r.stdout == "x\r\n7\r\n"


def test_password_is_masked_in_status_and_errors() -> None:
    url = require_pg().replace("postgres@", "postgres:Sekr1tPw@", 1)
    r = run_cli([url, "-c", "\\status", "-c", "select * from no_such_table_xyz"])
    assert "Sekr1tPw" not in r.stdout + r.stderr
    assert "postgres:***@" in r.stdout


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgresql://u:hunter22@127.0.0.1:1/db", "cannot connect to postgresql+psycopg://u:***@127.0.0.1:1/db"),
        ("nosuchdriver://x/y", "unknown database driver 'nosuchdriver'"),
        ("postgresql://u:hunter22@host:notaport/db", "not a valid database URL: postgresql://u:***@host:notaport/db"),
        ("post gres://x", "not a valid database URL"),
    ],
)
def test_connection_problems_exit_2_with_one_line(url: str, message: str) -> None:
    r = run_cli([url, "-c", "select 1"])
    assert r.code == 2
    assert message in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "hunter22" not in r.stderr


def test_real_entry_point_in_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "sqlshell", "--format", "csv", "-q"],
        input=b"select 1 as a;\nselect * from no_such_table_xyz;\n",
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stdout == b"a\r\n1\r\n"
    assert proc.stderr.startswith(b"<stdin>:2: ERROR: no such table")


def test_real_entry_point_unreachable_server_exit_code(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sqlshell", "postgresql://nobody@127.0.0.1:1/x", "-c", "select 1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_pg_error_has_position_and_hint() -> None:
    r = run_cli([require_pg()], input="select 1;\n\nselect\n  nosuchcolumn_q;\n")
    assert r.code == 1
    assert r.stderr == '<stdin>:4: ERROR: column "nosuchcolumn_q" does not exist (at column 3)\n'


def test_closed_output_stops_the_shell_without_hanging(db_url: str) -> None:
    """`sqlshell … | head -1`: stop like psql, and give the connection back cleanly."""
    sql = (
        "select g from generate_series(1, 300000) g"
        if db_url.startswith("postgresql")
        else "with recursive c(g) as (select 1 union all select g + 1 from c where g < 300000) select g from c"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sqlshell", db_url, "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert b"Traceback" not in err


def test_insert_returning_shows_rows_then_the_tag(db_url: str, table: str) -> None:
    script = f"create table {table} (a int, b text);\ninsert into {table} values (1, 'x'), (2, 'y') returning a, b;\n"
    r = run_cli([db_url, "-q"], input=script + f"drop table {table};\n")
    assert r.code == 0, r.stderr
    r = run_cli([db_url], input=script + f"drop table {table};\n")
    assert " a | b \n---+---\n 1 | x\n 2 | y\n(2 rows)\n\nINSERT 0 2\n" in r.stdout


def test_a_full_output_file_fails_the_statement_not_the_shell(tmp_path: Path) -> None:
    db = str(tmp_path / "full.db")
    script = "create table t (a int);\nbegin;\ninsert into t values (1);\n"
    script += "\\o /dev/full\nselect * from t;\n\\o\nselect 2 as b;\n"
    r = run_cli([db, "--on-error", "continue"], input=script)
    assert r.code == 1
    assert "<stdin>:5: cannot write the results: No space left on device" in r.stderr
    assert " b \n---\n 2\n" in r.stdout
    assert "end of input: rolled back" in r.stderr and "internal error" not in r.stderr


def test_copy_to_stdout_in_the_sessions_encoding() -> None:
    url = require_pg()
    r = run_cli(
        [url, "--mode", "connection", "-q"], input="set client_encoding to latin1;\ncopy (select 'café') to stdout;\n"
    )
    assert r.code == 0, r.stderr
    assert "café\n" in r.stdout


def test_password_in_the_query_string_is_masked_too() -> None:
    r = run_cli(["postgresql://postgres@127.0.0.1:1/test?password=hunter2q", "-c", "select 1"])
    assert r.code == 2 and "hunter2q" not in r.stderr and "password=***" in r.stderr


def test_a_short_password_does_not_mangle_names() -> None:
    url = require_pg().replace("postgres@", "postgres:qz@", 1)
    r = run_cli([url, "-c", "select * from qz_missing"])
    assert 'relation "qz_missing" does not exist' in r.stderr


def test_psycopg_log_lines_stay_off_stderr_without_debug(tmp_path: Path) -> None:
    """psycopg logs "error ignored terminating <psycopg.Pipeline [BAD]>" when a
    pipeline or COPY it closes meets a dead connection; with no handler, Python's
    last-resort handler would print that raw beside the shell's own message.
    A separate process: pytest's own log capture would hide the difference."""
    probe = (
        "import logging, sys\n"
        "from sqlshell.cli import cli\n"
        "try:\n"
        f"    cli.main([{str(tmp_path / 'x.db')!r}, '-c', 'select 1'], standalone_mode=False)\n"
        "finally:\n"
        "    logging.getLogger('psycopg').warning('error ignored terminating <psycopg.Pipeline [BAD]>')\n"
        "    print('warned', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "(1 row)" in done.stdout
    assert done.stderr == "warned\n"  # and nothing from psycopg before it
