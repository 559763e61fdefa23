"""psql's script flags, with psql's letters and meaning: -V, -c/-f in command-line
order, -v/--set, -o, -x, --csv, -A, -t, -F. Where psql has the same flag, its
real output on the same input is the expected one."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import require, require_pg, run_cli

from sqlshell.cli import cli
from sqlshell.cliopts import ORDER_KEY, apply_output_flags
from sqlshell.settings import Settings

DIST = "sqla-shell"


def psql(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real psql on the test database (-X: no psqlrc)."""
    require(shutil.which("psql") is not None, "psql is not installed")
    url = make_url(require_pg())
    conn = ["-X", "-h", url.host or "", "-p", str(url.port or 5432), "-U", url.username or "", url.database or ""]
    return subprocess.run(["psql", *conn, *args], input=input, capture_output=True, text=True, timeout=60)


def test_version_flag_prints_the_installed_version() -> None:
    for flag in ("-V", "--version"):
        r = run_cli([flag])
        assert r.code == 0
        assert r.stdout == f"sqlshell {version(DIST)}\n"


def test_h_is_the_host_and_help_is_only_long() -> None:
    url = make_url(require_pg())
    r = run_cli(["-h", url.host, "-p", str(url.port), "-U", url.username, "-d", url.database, "-c", "select 1 as one"])
    assert r.code == 0, r.stderr
    assert " one \n-----\n   1\n" in r.stdout
    helped = run_cli(["--help"])
    assert helped.code == 0 and "-h, --host HOST" in helped.stdout and "-V, --version" in helped.stdout


def test_c_and_f_run_in_command_line_order_as_in_psql(tmp_path: Path) -> None:
    url = require_pg()
    second, fourth = tmp_path / "two.sql", tmp_path / "four.sql"
    second.write_text("select 2 as b;\n")
    fourth.write_text("select 4 as d;\n")
    args = ["-c", "select 1 as a", "-f", str(second), "-c", "select 3 as c", "-f", str(fourth)]
    ours = run_cli([url, "--csv", "-q", *args])
    assert ours.code == 0, ours.stderr
    expected = psql("--csv", "-q", *args)
    assert expected.returncode == 0, expected.stderr
    assert ours.stdout.replace("\r\n", "\n") == expected.stdout == "a\n1\nb\n2\nc\n3\nd\n4\n"


def test_set_variables_as_psql_does(tmp_path: Path) -> None:
    url = require_pg()
    script = tmp_path / "vars.sql"
    script.write_text('select :\'greeting\' as g, :"col" as q, :n + 1 as n from (select 1 as "my col") s;\n')
    flags = ["-v", 'greeting=it\'s a "test"', "--set", "col=my col", "-v", "n=41", "--csv", "-f", str(script)]
    ours = run_cli([url, *flags])
    expected = psql(*flags)
    assert ours.code == 0 and expected.returncode == 0, ours.stderr + expected.stderr
    assert ours.stdout.replace("\r\n", "\n") == expected.stdout == 'g,q,n\n"it\'s a ""test""",1,42\n'


def test_v_name_alone_unsets_and_a_bad_name_is_one_line(db_url: str) -> None:
    r = run_cli([db_url, "-v", "x=1", "-v", "x", "-c", "\\set"])
    assert r.code == 0 and "x" not in r.stdout.split()
    bad = run_cli([db_url, "-v", "no-good=1", "-c", "select 1"])
    assert bad.code == 2 and bad.stderr.count("\n") == 1 and "invalid variable name 'no-good'" in bad.stderr
    empty = run_cli([db_url, "-v", "=1", "-c", "select 1"])
    assert empty.code == 2 and "expected NAME=VALUE" in empty.stderr


def test_v_on_error_stop_is_psqls_switch(db_url: str, table: str) -> None:
    script = f"create table {table} (a int);\nselect * from no_such_table_v;\ninsert into {table} values (1);\n"
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        r = run_cli([db_url, "-v", "ON_ERROR_STOP=0"], input=script)
        assert r.code == 1 and "INSERT 0 1" in r.stdout  # went on after the failure
        with engine.begin() as conn:
            assert conn.execute(text(f"select count(*) from {table}")).scalar_one() == 1
            conn.execute(text(f"drop table {table}"))
        r = run_cli([db_url, "--on-error", "continue", "-v", "ON_ERROR_STOP=1"], input=script)
        assert r.code == 1 and "INSERT" not in r.stdout  # -v overrides, as a later \set would
        with engine.begin() as conn:
            assert conn.execute(text(f"select count(*) from {table}")).scalar_one() == 0
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop table if exists {table}"))
        engine.dispose()


def test_o_sends_results_to_a_file(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    r = run_cli([db_url, "-o", str(out), "--csv", "-c", "select 1 as a", "-c", "select * from no_such_table_o"])
    assert r.code == 1
    assert r.stdout == ""  # results went to the file, the error to stderr
    assert out.read_bytes() == b"a\r\n1\r\n"
    assert "no_such_table_o" in r.stderr
    bad = run_cli([db_url, "-o", str(tmp_path / "missing" / "x.txt"), "-c", "select 1"])
    assert bad.code == 2 and bad.stderr.count("\n") == 1 and "cannot write" in bad.stderr


def test_x_is_psqls_expanded_display() -> None:
    url = require_pg()
    sql = "select 1 as a, 'x' as b union all select 22, 'yy'"
    ours = run_cli([url, "-x", "-c", sql])
    assert ours.code == 0, ours.stderr
    assert ours.stdout == psql("-x", "-c", sql).stdout


def test_csv_flag_and_the_last_format_option_wins(db_url: str) -> None:
    assert run_cli([db_url, "--csv", "-c", "select 1 as a"]).stdout == "a\r\n1\r\n"

    def chosen(*flags: str) -> str:
        r = run_cli([db_url, *flags, "-c", "\\format"])
        assert r.code == 0, r.stderr
        return r.stderr.strip()

    assert chosen("--csv", "--format", "json") == "output format is json"
    assert chosen("--format", "json", "--csv") == "output format is csv"
    assert chosen("--csv", "-A") == "output format is unaligned"
    assert chosen("-A", "--format", "github") == "output format is github"


@pytest.mark.parametrize(
    "args, changes",
    [
        ([], {}),
        (["-A"], {"format": "unaligned"}),
        (["-t", "-F", ";", "-A"], {"format": "unaligned", "tuples_only": True, "field_separator": ";"}),
        (["-A", "--format", "csv"], {"format": "csv"}),
        (["-x", "--csv"], {"format": "csv", "expanded": True}),
        (["-F", "\t"], {"field_separator": "\t"}),
    ],
)
def test_output_flags_set_the_renderers_settings(args: list[str], changes: dict[str, object]) -> None:
    """The wiring: click parses the real command line, and the flags land in
    the Settings fields the renderer reads (the rest stay as --format left them)."""
    ctx = cli.make_context("sqlshell", [*args, "-c", "select 1"])
    settings = Settings(format=ctx.params["fmt"])
    apply_output_flags(
        settings,
        ctx.meta[ORDER_KEY],
        ctx.params["fmt"],
        ctx.params["tuples_only"],
        ctx.params["field_separator"],
        ctx.params["expanded"],
    )
    assert settings == dataclasses.replace(Settings(format=ctx.params["fmt"]), **changes)


def _renderer_knows_psql_formats() -> bool:
    from sqlshell.output.render import RenderOptions, is_format

    return is_format("unaligned") and "tuples_only" in RenderOptions.__dataclass_fields__


@pytest.mark.parametrize(
    "flags",
    [["-A", "-t"], ["-A", "-t", "-F", ";"], ["-A"], ["-t"], ["-A", "-F", ","], ["-t", "-x"]],
    ids=lambda flags: " ".join(flags),
)
def test_unaligned_and_tuples_only_match_psql(flags: list[str]) -> None:
    url = require_pg()
    if not _renderer_knows_psql_formats():
        pytest.skip("the renderer's unaligned format and tuples_only are not in this tree yet")
    sql = "select 1 as a, 'x y' as b, null as c union all select 22, '', 'z' order by 1"
    ours = run_cli([url, "--null", "", *flags, "-c", sql])
    assert ours.code == 0, ours.stderr
    assert ours.stdout == psql(*flags, "-c", sql).stdout
