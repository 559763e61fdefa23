"""psql's scripting meta-commands in scripts: \\if/\\elif/\\else/\\endif, \\gset,
\\gexec, \\watch, \\echo/\\qecho/\\warn, \\!, \\pset/\\t/\\a, on SQLite and
PostgreSQL; where psql has the feature, checked against psql itself."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from support import count, require, require_pg, run_cli

from sqlshell.conditionals import BadBoolean, parse_bool


def _engine(url: str):
    from support import sqlalchemy_url

    return create_engine(sqlalchemy_url(url))


# -- \if -----------------------------------------------------------------------


def test_if_elif_else_nest_and_skipped_branches_are_not_run_nor_interpolated(db_url: str, table: str) -> None:
    script = f"""create table {table} (a int);
\\set flag yes
\\if :flag
  \\echo outer-true
  \\if off
    insert into {table} values (1);
    \\set flag changed
  \\elif 0
    \\echo never
  \\elif t
    \\echo inner-elif
    insert into {table} values (2);
  \\else
    \\echo never-else
  \\endif
\\elif :undefined_var
  \\echo never
\\else
  insert into {table} values (3);
\\endif
\\if false
  select :not_a_variable from nowhere;
  \\nosuchcommand
  \\if :also_not_read
    \\echo nested-in-skipped
  \\else
    \\echo nested-else-in-skipped
  \\endif
\\else
  \\echo flag=:flag
\\endif
"""
    r = run_cli([db_url, "-X", "-q"], input=script)
    assert r.code == 0, r.stderr
    assert r.stdout == "outer-true\ninner-elif\nflag=yes\n"
    assert r.stderr == ""
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"select a from {table}").all()
        assert rows == [(2,)]
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"drop table {table}")
        engine.dispose()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("t", True), ("TRUE", True), ("tr", True), ("y", True), ("yes", True), ("on", True), ("ON", True),
        ("1", True), ("f", False), ("fal", False), ("n", False), ("no", False), ("of", False), ("off", False),
        ("0", False), ("o", None), ("", None), ("2", None), ("yess", None), ("onn", None), ("true ", None),
    ],
)  # fmt: skip
def test_psql_boolean_rules(value: str, expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(BadBoolean, match="Boolean expected"):
            parse_bool(value, "\\if expression")
    else:
        assert parse_bool(value, "\\if expression") is expected


def _both(script: str, url: str, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, ...]:
    """The script through psql -X and sqlshell -X (real processes)."""
    path = tmp_path / f"script_{uuid.uuid4().hex[:6]}.sql"
    path.write_text(script)
    env = {**os.environ, "PGOPTIONS": ""}
    psql = subprocess.run(["psql", "-X", "-d", url, *args, "-f", str(path)], capture_output=True, text=True, env=env)
    mine = subprocess.run(
        [sys.executable, "-m", "sqlshell", url, "-X", *args, "-f", str(path)], capture_output=True, text=True, env=env
    )
    return psql, mine


def _need_psql() -> str:
    url = require_pg()
    require(shutil.which("psql") is not None, "psql is not installed")
    return url


def test_boolean_values_read_as_psql_reads_them(tmp_path: Path) -> None:
    url = _need_psql()
    values = ["t", "TRUE", "tr", "y", "yes", "on", "1", "f", "fal", "n", "no", "of", "off", "0", "o", "2", "yess"]
    values += ["'yes'", "ye'ss'", "'of'f"]
    script = "".join(f"\\if {v}\n\\echo {v} true\n\\else\n\\echo {v} false\n\\endif\n" for v in values)
    psql, mine = _both(script, url, tmp_path, "-q")
    assert psql.stdout.count("\n") == len(values)
    assert mine.stdout == psql.stdout
    # Same complaints (sqlshell names the line, psql the file and line).
    psql_errors = [line.split("error: ", 1)[1] for line in psql.stderr.splitlines()]
    mine_errors = [line.split(": ", 1)[1] for line in mine.stderr.splitlines()]
    assert mine_errors == psql_errors and len(psql_errors) == 4


def test_conditional_errors_as_psql_gives_them(db_url: str) -> None:
    for script, message in [
        ("\\elif true\n", "\\elif: no matching \\if"),
        ("\\else\n", "\\else: no matching \\if"),
        ("\\endif\n", "\\endif: no matching \\if"),
        ("\\if true\n\\else\n\\else\n\\endif\n", "\\else: cannot occur after \\else"),
        ("\\if true\n\\else\n\\elif true\n\\endif\n", "\\elif: cannot occur after \\else"),
    ]:
        r = run_cli([db_url, "-X"], input=script + "\\echo after\n")
        assert r.code == 1, script
        assert r.stderr.splitlines()[0].endswith(message)
        assert "after" not in r.stdout  # on-error stop: the script stops there


def test_a_bad_expression_takes_the_false_branch_and_goes_on_as_psql_does(db_url: str) -> None:
    r = run_cli([db_url, "-X"], input="\\if maybe\n\\echo yes\n\\else\n\\echo no\n\\endif\n\\echo after\n")
    assert r.stdout == "no\nafter\n"
    assert r.stderr == '<stdin>:1: unrecognized value "maybe" for "\\if expression": Boolean expected\n'
    assert r.code == 1  # an error was reported


def test_unterminated_if_is_an_error_at_the_end_of_each_input(db_url: str, tmp_path: Path) -> None:
    r = run_cli([db_url, "-X"], input="\\if true\n\\echo inside\n")
    assert r.code == 1 and r.stdout == "inside\n"
    assert r.stderr == "<stdin>: reached EOF without finding closing \\endif(s)\n"
    inner = tmp_path / "inner.sql"
    inner.write_text("\\if true\n\\echo in-file\n")  # its own \if stack, as in psql
    r = run_cli([db_url, "-X", "--on-error", "continue"], input=f"\\if true\n\\i {inner}\n\\echo after\n\\endif\n")
    assert r.stdout == "in-file\nafter\n"
    assert r.stderr == f"{inner}: reached EOF without finding closing \\endif(s)\n"
    assert r.code == 1


# -- \gset, \gexec ---------------------------------------------------------------


def test_gset_sets_variables_from_one_row(db_url: str) -> None:
    script = (
        "select 41 + 1 as answer, 'it''s' as word, null as gone \\gset\n"
        "\\echo :answer :word [:gone]\n"
        "\\set gone was-set\n"
        "select 7 as n, null as gone \\gset p_\n"
        "\\echo :p_n :gone\n"
        "select null as gone \\gset\n"
        "\\echo [:gone]\n"
        "select :'word' as lit;\n"
    )
    r = run_cli([db_url, "-X", "-q", "--format", "csv"], input=script)
    assert r.code == 0, r.stderr
    assert r.stdout == "42 it's [:gone]\n7 was-set\n[:gone]\nlit\r\nit's\r\n"


def test_gset_alone_sends_the_previous_query(db_url: str) -> None:
    r = run_cli([db_url, "-X", "-q"], input="select 5 as five;\n\\gset\n\\echo :five\n")
    assert r.code == 0, r.stderr
    assert r.stdout == " five \n------\n    5\n(1 row)\n\n5\n"  # (-q keeps the footer, as psql)
    r = run_cli([db_url, "-X"], input="\\gset\n")
    assert r.code == 1 and "\\gset cannot be used with an empty query" in r.stderr


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("select 1 as a where 1 = 0", "no rows returned for \\gset"),
        ("select 1 as a union all select 2", "more than one row returned for \\gset"),
        ('select 1 as "bad name"', 'invalid variable name: "bad name"'),
    ],
)
def test_gset_errors_are_psqls(db_url: str, query: str, message: str) -> None:
    r = run_cli([db_url, "-X"], input=f"{query} \\gset\n\\echo after\n")
    assert r.code == 1
    assert r.stderr.startswith(f"<stdin>:1: {message}")
    assert r.stdout == ""  # on-error stop


def test_gset_leaves_specially_treated_variables_alone(db_url: str) -> None:
    r = run_cli([db_url, "-X", "--on-error", "continue"], input="select 'off' as \"ON_ERROR_STOP\" \\gset\nselect x;\n")
    assert 'attempt to \\gset into specially treated variable "ON_ERROR_STOP" ignored' in r.stderr


def test_gexec_runs_each_value_as_a_statement(db_url: str, table: str) -> None:
    script = (
        f"select 'create table {table}_' || n || ' (a int)' from (select 1 as n union all select 2) s \\gexec\n"
        f"select 'insert into {table}_1 values (' || n || ')', null, 'insert into {table}_2 values (9)'"
        " from (select 1 as n union all select 2) s \\gexec\n"
    )
    r = run_cli([db_url, "-X"], input=script)
    engine = _engine(db_url)
    try:
        assert r.code == 0, r.stderr
        assert r.stdout == "CREATE TABLE\nCREATE TABLE\n" + "INSERT 0 1\n" * 4
        assert count(engine, f"{table}_1") == 2 and count(engine, f"{table}_2") == 2
    finally:
        with engine.begin() as conn:
            for n in (1, 2):
                conn.exec_driver_sql(f"drop table if exists {table}_{n}")
        engine.dispose()


def test_gexec_stops_at_a_failing_statement_under_on_error_stop(db_url: str, table: str) -> None:
    script = (
        f"select 'create table {table} (a int)' union all select 'select * from no_such_{table}'"
        f" union all select 'drop table {table}' \\gexec\n"
    )
    r = run_cli([db_url, "-X"], input=script)
    engine = _engine(db_url)
    try:
        assert r.code == 1
        assert inspect(engine).has_table(table)  # created; the drop after the failure never ran
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"drop table if exists {table}")
        engine.dispose()


# -- \watch ----------------------------------------------------------------------


def test_watch_with_a_count(db_url: str) -> None:
    r = run_cli([db_url, "-X", "-q", "--format", "csv"], input="select 1 as a \\watch i=0 c=3\n\\echo done\n")
    assert r.code == 0, r.stderr
    assert r.stdout == "a\r\n1\r\n" * 3 + "done\n"  # as psql --csv: no time title in the data
    assert r.stdout.endswith("done\n")
    r = run_cli([db_url, "-X", "-q"], input="select 2 as b;\n\\watch 0 c=2\n")  # alone: the previous query
    assert r.stdout.count(" b \n---\n 2\n") == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("x", '\\watch: incorrect interval value "x"'),
        ("-1", '\\watch: incorrect interval value "-1"'),
        ("c=0", '\\watch: incorrect iteration count "0"'),
        ("1 i=2", "\\watch: interval value is specified more than once"),
        ("c=1 c=2", "\\watch: iteration count is specified more than once"),
    ],
)
def test_watch_arguments_as_psql_16_reads_them(sqlite_url: str, args: str, message: str) -> None:
    r = run_cli([sqlite_url, "-X"], input=f"select 1 \\watch {args}\n")
    assert r.code == 1 and r.stderr == f"<stdin>:1: {message}\n" and r.stdout == ""


def test_watch_stops_at_a_failing_query(db_url: str) -> None:
    r = run_cli([db_url, "-X"], input="select * from no_such_table_w \\watch 0\n")
    assert r.code == 1 and r.stdout.count("(every 0s)") == 1


def test_ctrl_c_ends_watch_and_the_script_goes_on(db_url: str) -> None:
    """A real process and a real SIGINT."""
    from support import sqlalchemy_url

    proc = subprocess.Popen(
        [sys.executable, "-m", "sqlshell", sqlalchemy_url(db_url), "-X", "-q"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("select 1 as a \\watch 0.05\n\\echo after\n")
    proc.stdin.close()
    assert "(every 0.05s)" in proc.stdout.readline()  # the watch has started
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    assert proc.wait(20) == 0, proc.stderr.read() if proc.stderr else ""
    assert out.endswith("after\n")


# -- output text ------------------------------------------------------------------


def test_echo_qecho_warn_and_o(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    script = (
        "\\set who world\n"
        "\\echo hello :who :'who' 'quoted  :who' \"dq :who\" 'tab\\there'\n"
        "\\echo -n no-newline\n\\echo\n"
        f"\\o {target}\n"
        "\\qecho to the file :who\n\\echo to stdout\nselect 1 as one;\n\\warn to stderr :who\n"
        "\\o\n\\qecho back on stdout\n"
    )
    r = run_cli([db_url, "-X"], input=script)
    assert r.code == 0, r.stderr
    assert r.stdout == "hello world 'world' quoted  :who \"dq :who\" tab\there\nno-newline\nto stdout\nback on stdout\n"
    assert target.read_text() == "to the file world\n one \n-----\n   1\n(1 row)\n\n"
    assert r.stderr == "to stderr world\n"  # \o and \set say nothing, as in psql


def test_shell_escape(sqlite_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    r = run_cli([sqlite_url, "-X"], input=f"\\set f {marker}\n\\! echo ran :f > {marker}\n\\echo after\n")
    assert r.code == 0, r.stderr
    assert marker.read_text() == "ran :f\n"  # psql does not interpolate \! 's command line
    r = run_cli([sqlite_url, "-X"], input="\\! no_such_command_sqlshell_x 2>/dev/null\n")
    assert r.code == 1 and "\\!: failed" in r.stderr


# -- \pset, \t, \a -----------------------------------------------------------------


def test_pset_changes_what_the_renderer_shows(db_url: str) -> None:
    script = "\\pset null '(null)'\nselect null as n;\n\\pset format csv\nselect 1 as a;\n\\pset x on\n"
    r = run_cli([db_url, "-X"], input=script)
    assert r.code == 0, r.stderr
    # psql's answers are what the user asked to see: stdout, in order with the results
    assert r.stdout == 'Null display is "(null)".\n   n    \n--------\n (null)\n(1 row)\n\n' + (
        "Output format is csv.\na\r\n1\r\nExpanded display is on.\n"
    )
    assert r.stderr == ""
    quiet = run_cli([db_url, "-X", "-q"], input=script)
    assert quiet.stdout == "   n    \n--------\n (null)\n(1 row)\n\na\r\n1\r\n" and quiet.stderr == ""


# Every psql-named setting command, toggled and given values, with \o and QUIET.
_SETTINGS_SCRIPT = """\\pset null x
\\pset format csv
\\pset tuples_only on
\\pset tuples_only off
\\pset t
\\pset t
\\pset fieldsep '|'
\\pset pager off
\\pset footer off
\\pset footer
\\pset expanded on
\\pset expanded auto
\\pset x
\\pset format aligned
\\pset format unaligned
\\t
\\t
\\t on
\\t off
\\a
\\a
\\pset format csv
\\a
\\x
\\x auto
\\x
\\x on
\\x off
\\o {out}
\\pset null y
select 1 as a;
\\o
\\set ON_ERROR_STOP 0
\\set ON_ERROR_STOP on
\\set QUIET on
\\pset null z
\\x
\\set QUIET off
\\pset null w
\\timing on
\\timing off
select null as n;
"""


def test_setting_commands_answer_on_stdout_as_psql_does(tmp_path: Path) -> None:
    """psql prints \\pset/\\t/\\a/\\x answers on stdout (not the \\o file; nothing
    under -q or QUIET), \\o FILE and \\set nothing: sqlshell's output is byte for byte
    psql's, with and without -q."""
    url = _need_psql()
    script = _SETTINGS_SCRIPT.format(out=tmp_path / "out.txt")
    for flags in ([], ["-q"]):
        psql, mine = _both(script, url, tmp_path, *flags)
        assert psql.returncode == mine.returncode == 0, mine.stderr
        assert mine.stdout == psql.stdout and mine.stderr == psql.stderr == ""
        answers = psql.stdout.count(" is ")
        assert answers == (0 if flags else 24) + 3  # the last \\pset null w and \\timing, after QUIET off


def test_timing_goes_to_stdout_as_psql_prints_it(tmp_path: Path) -> None:
    """\\timing's "Time: … ms" is asked-for output: standard output, not the \\o
    file, and -q keeps it (psql's PrintTiming)."""
    url = _need_psql()
    out = tmp_path / "o.txt"
    script = f"\\timing on\nselect 1 as a;\n\\o {out}\nselect 2 as b;\n\\o\n\\echo ok\n"
    for flags in ([], ["-q"]):
        psql, mine = _both(script, url, tmp_path, *flags)
        times = re.compile(r"Time: \d+\.\d{3} ms")
        assert times.sub("Time: T", mine.stdout) == times.sub("Time: T", psql.stdout), mine.stdout
        assert mine.stdout.count("Time: ") == 2 and mine.stderr == psql.stderr == ""
        assert "Time" not in out.read_text()


def test_pset_t_and_a_set_psqls_settings(shell_driver, sqlite_url: str) -> None:
    shell = shell_driver(sqlite_url)
    settings = shell.shell.settings
    assert shell.run("\\t\n") == ("Tuples only is on.\n", "") and settings.tuples_only
    assert shell.run("\\t off\n") == ("", "") and not settings.tuples_only  # psql: no answer given a value
    assert shell.run("\\pset footer\n") == ("Default footer is off.\n", "") and not settings.footer
    assert shell.run("\\pset footer on\n") == ("", "") and settings.footer
    assert shell.run("\\pset fieldsep ';'\n")[0] == 'Field separator is ";".\n' and settings.field_separator == ";"
    assert shell.run("\\pset expanded auto\n")[0] == "Expanded display is used automatically.\n"
    assert shell.run("\\pset pager off\n")[0] == "Pager usage is off.\n" and not settings.pager
    assert "\\pset border is not supported by sqlshell" in shell.run("\\pset border 2\n")[1]
    assert "\\pset: unknown option: bogus" in shell.run("\\pset bogus\n")[1]
    assert 'unrecognized value "maybe"' in shell.run("\\pset footer maybe\n")[1] and settings.footer


def test_a_switches_aligned_and_unaligned(shell_driver, sqlite_url: str) -> None:
    from sqlshell.output.render import is_format

    if not is_format("unaligned"):
        pytest.skip("the unaligned format is the output branch's (not merged yet)")
    shell = shell_driver(sqlite_url)
    assert shell.run("\\a\n") == ("Output format is unaligned.\n", "")
    assert shell.shell.settings.format == "unaligned"
    assert shell.run("\\a\n")[0] == "Output format is aligned.\n"
    shell.run("\\pset format csv\n")
    assert shell.run("\\a\n")[0] == "Output format is aligned.\n"  # psql: from any other format, aligned


# -- the same script through psql and sqlshell --------------------------------------


AGREEMENT_SCRIPT = """\\set tbl {table}
\\set ON_ERROR_STOP on
create table :tbl (id int primary key, name text);
insert into :tbl values (1, 'one'), (2, 'two'), (3, 'it''s');
select count(*) as n, max(id) as top from :tbl \\gset
\\echo rows: :n top: :top
select count(*) > 0 as has_rows \\gset
\\if :has_rows
  \\echo has rows
  \\if false
    insert into :tbl values (:undefined, 'never');
  \\elif :{{?top}}
    select name from :tbl where id = :top \\gset last_
    \\echo last name :last_name
  \\else
    \\echo never
  \\endif
\\else
  select 'never' as x;
\\endif
select format('insert into %s values (%s, %L)', :'tbl', n, 'gen ' || n) from generate_series(10, 12) n \\gexec
select format('select %s as gen_count from %s where id >= 10', 'count(*)', :'tbl') \\gexec
\\o {out}
\\qecho first line :'tbl'
select id, name from :tbl order by id;
\\echo to stdout while o is on
\\o
\\set pick 2
select name from :tbl where id = :pick;
\\if :{{?pick}}
\\echo pick is set
\\endif
drop table :tbl;
"""


def test_a_psql_script_gives_the_same_output_and_statements_as_psql(tmp_path: Path) -> None:
    from support.psql_agreement import LOG, _admin, _server_statements

    base = _need_psql()
    require(os.access(LOG, os.R_OK), f"needs a readable server log ({LOG}, or $SQLSHELL_PG_LOG)")
    outputs, statements, files = {}, {}, {}
    for tool in ("psql", "sqlshell"):
        db = f"scripting_{tool}_{uuid.uuid4().hex[:8]}"
        _admin(f"create database {db}", base)
        _admin(f"alter database {db} set log_statement = 'all'", base)
        url = base.rsplit("/", 1)[0] + "/" + db
        out = tmp_path / f"{tool}.out"
        script = tmp_path / f"{tool}.sql"
        script.write_text(AGREEMENT_SCRIPT.format(table="agree_t", out=out))
        start = LOG.stat().st_size
        try:
            # Not -q: psql -q keeps the "(N rows)" footers, sqlshell's -q drops them.
            cmd = ["psql", "-X", "-d", url] if tool == "psql" else [sys.executable, "-m", "sqlshell", url, "-X"]
            done = subprocess.run(
                [*cmd, "-f", str(script)], capture_output=True, text=True, env={**os.environ, "PGOPTIONS": ""}
            )
            assert done.returncode == 0, (tool, done.stderr)
            outputs[tool], files[tool] = done.stdout, out.read_text()
            statements[tool] = _server_statements(db, start)
        finally:
            _admin(f"drop database if exists {db} with (force)", base)
    assert outputs["sqlshell"] == outputs["psql"]
    assert files["sqlshell"] == files["psql"]
    assert statements["sqlshell"] == statements["psql"]
    assert "rows: 3 top: 3\nhas rows\nlast name it's\n" in outputs["psql"]
    assert any("insert into agree_t values (12, 'gen 12')" in s for s in statements["psql"])


def test_a_statement_with_if_lines_inside_is_refused_not_run_wrongly(db_url: str) -> None:
    # psql would send "select 2"; adjacent literals could otherwise silently become 'onetwo'.
    script = "select 'one'\n\\if false\n'two'\n\\endif\n;\n\\if true\nselect 3 as x;\n\\endif\n"
    r = run_cli([db_url, "-X", "-q", "--on-error", "continue"], input=script)
    assert r.code == 1
    assert r.stderr == (
        "<stdin>:1: a statement with \\if/\\elif/\\else/\\endif lines inside it is not supported; it was not run"
        " (end the statement inside each branch)\n"
    )
    assert r.stdout == " x \n---\n 3\n(1 row)\n\n"


def test_watch_ends_when_the_server_ends_its_connection() -> None:
    """pg_terminate_backend from a second connection while \\watch runs in connection mode."""
    import psycopg

    url = require_pg()
    name = f"watch_{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sqlshell", url, "-X", "-q", "--mode", "connection"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(f"set application_name = '{name}';\nselect 1 as a \\watch i=0.1 c=200\n\\echo after\n")
    proc.stdin.close()
    assert "(every 0.1s)" in proc.stdout.readline()
    with psycopg.connect(url, autocommit=True) as conn:
        killed = conn.execute(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = %s", [name]
        ).fetchone()
    assert killed == (1,)
    out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.wait(20) == 1  # the watch failed, and on-error stop ended the script
    assert "the connection was lost" in err
    assert out.count("(every 0.1s)") < 200 and "after" not in out


def test_pset_t_and_a_output_as_psqls(tmp_path: Path) -> None:
    url = _need_psql()
    script = (
        "\\pset null ''\n\\pset footer off\nselect 1 as a, null as b;\n\\t\nselect 1 as a, 'x' as b;\n\\a\n"
        "\\pset fieldsep ';'\n\\pset null '(nil)'\nselect 2 as a, null as b;\n\\t off\nselect 3 as c, 4 as d;\n"
    )
    psql, mine = _both(script, url, tmp_path, "-q")  # (sqlshell shows NULL as <null> unless told)
    assert psql.returncode == mine.returncode == 0, mine.stderr
    assert mine.stdout == psql.stdout
    assert "2;(nil)\n" in psql.stdout and "c;d\n3;4\n" in psql.stdout
