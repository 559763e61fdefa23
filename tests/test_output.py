"""Output truth (issue 12): stdout carries exactly the results, whole and
aligned as psql aligns them; the server's words, the echo and the error's
place reach stderr. Where psql has the feature, its real output is the
expected value."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import count, drop, require, run_cli, sqlalchemy_url

from sqlshell.output.render import RenderOptions, render
from sqlshell.results import Column, Outcome

GOLDEN = Path(__file__).parent / "golden" / "aligned.sql"


def psql(url: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("psql")
    require(exe is not None, "psql is not installed")
    return subprocess.run(
        [exe, "-X", url, *args], input=input, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(params=["chunked", "single-row"])
def stream_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """PostgreSQL reads in libpq 17's chunks, and on the path any libpq has."""
    if request.param == "single-row":
        monkeypatch.setenv("SQLSHELL_PG_STREAM", "single-row")
    else:
        monkeypatch.delenv("SQLSHELL_PG_STREAM", raising=False)
        import psycopg

        if not psycopg.capabilities.has_stream_chunked():
            pytest.skip("this libpq has no chunked streaming")
    return str(request.param)


# -- the golden comparison ------------------------------------------------------


def test_golden_aligned_output_is_psqls_byte_for_byte(pg_url: str, stream_mode: str, tmp_path: Path) -> None:
    """41 statements: types, NULLs, empty results, wide, multi-line and unicode
    values, tabs and control characters, every kind of tag, COPY data. The one
    deliberate difference, NULL shown as ``<null>``, is set to psql's empty."""
    name = f"gold_{uuid.uuid4().hex[:8]}"
    script = tmp_path / "golden.sql"
    script.write_text(GOLDEN.read_text().replace("gold_t", name))
    expected = psql(pg_url, "-f", str(script))
    assert expected.returncode == 0, expected.stderr
    statements = len(re.findall(r";\n", script.read_text()))
    assert statements >= 30
    try:
        # psql made and dropped the tables: the same script runs again through sqlshell.
        got = run_cli([pg_url, "-X", "--null", "", "-f", str(script)])
    finally:
        drop(create_engine(sqlalchemy_url(pg_url)), name, f"{name}2", f"{name}3")
    assert got.code == 0, got.stderr
    assert got.stdout == expected.stdout
    assert got.stderr == ""


def test_a_late_wider_value_realigns_the_whole_result(db_url: str, stream_mode: str) -> None:
    """Widths come from every row, not the first batch (1,000 rows); a
    non-ASCII cell puts no space after a right-aligned last column."""
    rows = 2500
    if db_url.startswith("postgresql"):
        sql = (
            f"select g as n, case when g = 2400 then 'später breiter Wert' else 'x' end as t, g * 2 as d "
            f"from generate_series(1, {rows}) g"
        )
    else:
        sql = (
            f"with recursive s(g) as (select 1 union all select g + 1 from s where g < {rows}) "
            "select g as n, case when g = 2400 then 'später breiter Wert' else 'x' end as t, g * 2 as d from s"
        )
    got = run_cli([db_url, "-c", sql])
    lines = got.stdout.split("\n")
    assert {len(line) for line in lines[2 : rows + 2]} == {len(lines[1]) - 1}, "every row as wide as the first"
    assert lines[1] == "------+---------------------+------"
    assert lines[2] == "    1 | x                   |    2"
    assert lines[rows + 2 : rows + 4] == [f"({rows} rows)", ""]
    if db_url.startswith("postgresql"):
        assert got.stdout == psql(db_url, "-c", sql).stdout


def test_expanded_auto_is_decided_on_the_whole_result() -> None:
    """The first batch fits the terminal, a later one does not: psql's ``\\x
    auto`` looks at every row, so the whole result is expanded."""
    columns = [Column("a", numeric=False), Column("b", numeric=False)]
    narrow = [("x", "y")] * 1000
    wide = [("x", "z" * 60)]
    out: list[str] = []
    render(Outcome(columns=columns, batches=[narrow, wide]), RenderOptions(auto_width=40), out.append)
    text_ = "".join(out)
    assert text_.startswith("-[ RECORD 1 ]")
    assert "-[ RECORD 1001 ]" in text_ and "b | " + "z" * 60 + "\n" in text_


# -- what returns rows, and the columns of an empty result -------------------------


def test_select_into_gets_its_tag_like_psql(pg_url: str, table: str, stream_mode: str) -> None:
    engine = create_engine(sqlalchemy_url(pg_url))
    with engine.begin() as conn:
        conn.execute(text(f"create table {table} as select g from generate_series(1, 5) g"))
    try:
        got = run_cli([pg_url, "-c", f"select * into {table}_b from {table}"])
        assert (got.code, got.stdout, got.stderr) == (0, "SELECT 5\n", "")
        drop(engine, f"{table}_b")
        assert psql(pg_url, "-c", f"select * into {table}_b from {table}").stdout == got.stdout
        assert count(engine, f"{table}_b") == 5
    finally:
        drop(engine, table, f"{table}_b")
        engine.dispose()


def test_rows_or_not_is_the_drivers_answer_on_sqlite(sqlite_url: str) -> None:
    """The same first word, with rows and without: the cursor's description decides."""
    got = run_cli([sqlite_url, "-c", "pragma user_version = 5", "-c", "pragma user_version"])
    assert (got.code, got.stdout, got.stderr) == (
        0,
        "PRAGMA\n user_version \n--------------\n            5\n(1 row)\n\n",
        "",
    )


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("aligned", " a | b \n---+---\n(0 rows)\n\n"),
        ("table", " a | b \n---+---\n(0 rows)\n\n"),
        ("unaligned", "a|b\n(0 rows)\n"),
        ("csv", "a,b\r\n"),
        ("tsv", "a\tb\n"),
        ("json", "[]\n"),
        ("jsonl", ""),
    ],
)
def test_an_empty_result_keeps_its_columns(db_url: str, fmt: str, expected: str, stream_mode: str) -> None:
    sql = "select 1 as a, 2 as b where 1 = 0"
    got = run_cli([db_url, "--format", fmt, "-c", sql])
    assert (got.code, got.stdout, got.stderr) == (0, expected, "")
    if db_url.startswith("postgresql") and fmt in ("aligned", "unaligned"):
        assert got.stdout == psql(db_url, *(["-A"] if fmt == "unaligned" else []), "-c", sql).stdout


def test_copy_to_stdout_is_data_only_like_psql(pg_url: str) -> None:
    sql = "copy (select g, 'v' || g from generate_series(1, 5) g) to stdout with csv"
    got = run_cli([pg_url, "-c", sql, "-c", "select 1 as a"])
    assert got.stdout.startswith("1,v1\n") and "COPY" not in got.stdout
    assert got.stdout == psql(pg_url, "-c", sql, "-c", "select 1 as a").stdout


# -- psql's other layouts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "psql_args"),
    [
        ({"format": "unaligned"}, ["-A"]),
        ({"format": "unaligned", "field_separator": ";", "tuples_only": True}, ["-A", "-t", "-F", ";"]),
        ({"format": "aligned", "tuples_only": True}, ["-t"]),
        ({"format": "aligned", "footer": False}, ["-P", "footer=off"]),
        ({"format": "aligned", "expanded": True}, ["-x"]),
        ({"format": "aligned", "expanded": True, "tuples_only": True}, ["-x", "-t"]),
        ({"format": "unaligned", "expanded": True}, ["-A", "-x"]),
    ],
)
def test_layouts_match_psql(pg_url: str, shell_driver, settings: dict[str, object], psql_args: list[str]) -> None:
    sql = (
        "select g as n, case g when 2 then 'two' || chr(10) || 'lines' else 'ü' end as long_name, "
        "null::int as z from generate_series(1, 3) g"
    )
    sh = shell_driver(pg_url, null="", **settings)
    out, err = sh.run(sql + ";\nselect 1 as a where false;\ninsert into pg_temp.nothing select 1 where false;")
    expected = psql(pg_url, *psql_args, "-c", sql, "-c", "select 1 as a where false")
    assert err.startswith("ERROR: relation")  # the third statement only exercises the error path
    assert out == expected.stdout


def test_tabs_control_characters_and_wide_characters_on_sqlite(sqlite_url: str) -> None:
    sql = "select 'a' || char(9) || 'b' as t, 'x' || char(13) || char(1) as c, '日本' as j, 7 as n"
    got = run_cli([sqlite_url, "-c", sql])
    assert got.stdout == (  # what psql prints for the same values
        "     t     |    c    |  j   | n \n"
        "-----------+---------+------+---\n"
        " a       b | x\\r\\x01 | 日本 | 7\n"
        "(1 row)\n\n"
    )


def test_tabulate_formats_get_no_psql_footer(db_url: str) -> None:
    got = run_cli([db_url, "--format", "github", "-c", "select 1 as a"])
    assert got.stdout == "|   a |\n|-----|\n|   1 |\n"


# -- JSON ------------------------------------------------------------------------


def test_json_arrays_records_and_several_results(pg_url: str, stream_mode: str) -> None:
    sql = (
        "select array[1, 2] as ints, array[1.5, null]::numeric[] as nums, array['a', 'b c'] as texts, "
        "row(1, 'x') as rec, '{\"k\": [1]}'::jsonb as doc"
    )
    got = run_cli([pg_url, "--format", "json", "-c", sql, "-c", "select 1 as a union all select 2"])
    lines = got.stdout.splitlines()
    assert len(lines) == 2, "one document per result, each on its own line"
    assert json.loads(lines[0]) == [
        {"ints": [1, 2], "nums": [1.5, None], "texts": ["a", "b c"], "rec": ["1", "x"], "doc": {"k": [1]}}
    ]
    assert json.loads(lines[1]) == [{"a": 1}, {"a": 2}]
    jsonl = run_cli([pg_url, "--format", "jsonl", "-c", "select 1 as a union all select 2", "-c", "select 3 as b"])
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == [{"a": 1}, {"a": 2}, {"b": 3}]


def test_json_of_several_results_on_sqlite(sqlite_url: str) -> None:
    got = run_cli([sqlite_url, "--format", "json", "-c", "select 1 as a", "-c", "select 'x' as b where 0"])
    assert [json.loads(line) for line in got.stdout.splitlines()] == [[{"a": 1}], []]


# -- the server's words -----------------------------------------------------------


def test_notices_and_warnings_reach_stderr_as_psql_prints_them(pg_url: str, tmp_path: Path) -> None:
    script = tmp_path / "notices.sql"
    script.write_text(
        f"drop table if exists no_such_{uuid.uuid4().hex[:8]};\n"
        "select 1 as a;\n"
        "do $$ begin raise warning 'careful' using detail = 'the detail', hint = 'the hint'; end $$;\n"
        "do $$ begin raise notice 'just so you know'; end $$;\n"
    )
    got = run_cli([pg_url, "-q", "-f", str(script)])  # -q hides tags, never footers or the server's warnings
    expected = psql(pg_url, "-q", "-f", str(script))
    assert got.code == 0
    assert got.stdout == expected.stdout == " a \n---\n 1\n(1 row)\n\n"
    assert got.stderr == expected.stderr.replace("psql:", "")
    assert f"{script}:3: WARNING:  careful\nDETAIL:  the detail\nHINT:  the hint\n" in got.stderr


def test_mariadb_warnings_are_shown_like_the_mysql_client(mysql_url: str) -> None:
    name = f"no_such_{uuid.uuid4().hex[:8]}"
    got = run_cli([mysql_url, "-q", "-c", f"drop table if exists {name}", "-c", "select cast('x' as int) as a"])
    assert got.code == 0 and got.stdout == " a \n---\n 0\n(1 row)\n\n"
    exe = shutil.which("mariadb") or shutil.which("mysql")
    require(exe is not None, "the mariadb client is not installed")
    client = subprocess.run(
        [exe, "-h", "127.0.0.1", "-u", "root", "test", "--show-warnings", "-e", f"drop table if exists {name}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert got.stderr.splitlines() == [
        client.stdout.strip(),  # Note (Code 1051): Unknown table 'test.no_such_…'
        "Warning (Code 1292): Truncated incorrect INTEGER value: 'x'",
    ]


def test_a_script_of_successful_statements_writes_nothing_to_stderr(txn_url: str, table: str) -> None:
    """psql writes nothing for them; the per-statement transaction line is for the terminal."""
    script = f"create table {table} (a int);\nbegin;\n" + f"insert into {table} values (1);\n" * 200 + "commit;\n"
    engine = create_engine(sqlalchemy_url(txn_url))
    try:
        got = run_cli([txn_url], input=script)  # engine mode: BEGIN switches to connection mode, silently
        assert (got.code, got.stderr) == (0, "")
        assert got.stdout == "CREATE TABLE\nBEGIN\n" + "INSERT 0 1\n" * 200 + "COMMIT\n"
        assert count(engine, table) == 200
        verbose = run_cli([txn_url, "--verbose"], input=script.replace("create table ", "create table v_"))
        assert verbose.stderr.count("[transaction open") == 201
    finally:
        drop(engine, table, f"v_{table}")
        engine.dispose()


# -- --echo -------------------------------------------------------------------------


def test_echo_goes_to_stderr_one_entry_per_statement(db_url: str, table: str) -> None:
    engine = create_engine(sqlalchemy_url(db_url))
    try:
        got = run_cli(
            [db_url, "--echo", "--format", "csv", "-c", f"create table {table} (a int)", "-c", "select 1 as a"]
        )
        assert got.stdout == "CREATE TABLE\na\r\n1\r\n"
        assert f"create table {table} (a int);\n" in got.stderr and "select 1 as a;\n" in got.stderr
        assert "-- connection" in got.stderr and "checked out of the pool" in got.stderr
        assert "returned to the pool" in got.stderr
        assert "INFO" not in got.stderr and "sqlalchemy" not in got.stderr

        script = (
            "\\begin\n"
            f"insert into {table} values (1);\n"
            "savepoint s1;\n"
            f"insert into {table} values (2);\n"
            "rollback to savepoint s1;\n"
            "\\commit\n"
        )
        got = run_cli([db_url, "--mode", "connection", "--echo", "-q"], input=script)
        assert got.code == 0, got.stderr
        sent = [line for line in got.stderr.splitlines() if not line.startswith("--")]
        assert sent[0] == "BEGIN;"
        assert sent[1] == f"insert into {table} values (1);"
        assert sent[2].startswith("SAVEPOINT ") and sent[4].startswith("ROLLBACK TO SAVEPOINT ")
        assert sent[-1] == "COMMIT;"
        assert count(engine, table) == 1
    finally:
        drop(engine, table)
        engine.dispose()


def test_echo_shows_the_flush_sql_and_summarises_reflection(db_url: str, table: str) -> None:
    engine = create_engine(sqlalchemy_url(db_url))
    with engine.begin() as conn:
        conn.execute(text(f"create table {table} (id integer primary key, note text)"))
    try:
        got = run_cli(
            [db_url, "--mode", "session", "--echo", "-q"],
            input=f"\\add {table} id=1 note='x'\n\\flush\n\\commit\n",
        )
        assert got.code == 0, got.stderr
        reflected = [line for line in got.stderr.splitlines() if line.startswith("-- reflected")]
        assert len(reflected) == 1 and "catalog quer" in reflected[0]
        assert f"INSERT INTO {table} (id, note) VALUES" in got.stderr
        assert "pg_catalog" not in got.stderr and "PRAGMA" not in got.stderr
        assert count(engine, table) == 1
    finally:
        drop(engine, table)
        engine.dispose()


# -- where errors are --------------------------------------------------------------


def test_errors_name_the_file_and_line_like_psql(db_url: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.sql", tmp_path / "b.sql"
    a.write_text("select 1 as a;\n")
    b.write_text("select 2 as b;\nselect nosuch_col from nosuch_table;\n")
    got = run_cli([db_url, "-f", str(a), "-f", str(b)])
    assert got.code == 1
    assert got.stderr.startswith(f"{b}:2: ERROR: ") and got.stderr.count("\n") == 1
    assert got.stderr.count("column") <= 1 and "line" not in got.stderr  # the position, told once
    stdin = run_cli([db_url], input="select 1;\nselect nosuch_col from nosuch_table;\n")
    assert stdin.stderr.startswith("<stdin>:2: ERROR: ")
    one = run_cli([db_url, "-c", "select nosuch_col from nosuch_table"])
    assert one.stderr.startswith("ERROR: ")  # as psql: no place for -c
    if db_url.startswith("postgresql"):
        theirs = psql(db_url, "-f", str(a), "-f", str(b)).stderr
        assert theirs.startswith(f"psql:{b}:2: ERROR: ")


def test_pg_error_position_is_given_once(pg_url: str) -> None:
    got = run_cli([pg_url], input="select 1;\n\nselect\n  nosuch_col_q;\n")
    assert got.stderr == '<stdin>:4: ERROR: column "nosuch_col_q" does not exist (at column 3)\n'


# -- -1 with psql's ON_ERROR_STOP off and ON_ERROR_ROLLBACK on -------------------------


def test_single_transaction_honours_on_error_continue_and_rollback(txn_url: str, table: str) -> None:
    engine = create_engine(sqlalchemy_url(txn_url))
    with engine.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    script = (
        f"insert into {table} values (1);\ninsert into nosuch_{table} values (2);\ninsert into {table} values (3);\n"
    )
    try:
        got = run_cli([txn_url, "-1", "--on-error", "continue", "--on-error-rollback"], input=script)
        assert got.code == 1 and "nosuch_" in got.stderr
        assert count(engine, table) == 2, "the good statements are committed"
        with engine.begin() as conn:
            conn.execute(text(f"delete from {table}"))
        got = run_cli([txn_url, "-1", "--on-error", "continue"], input=script)
        assert got.code == 1 and "rolled back" in got.stderr
        assert count(engine, table) == 0, "without on-error-rollback the failure rolls everything back"
        if txn_url.startswith("postgresql"):
            psql(txn_url, "-1", "-v", "ON_ERROR_ROLLBACK=on", input=script)
            assert count(engine, table) == 2, "psql does the same"
    finally:
        drop(engine, table)
        engine.dispose()
