"""Bad input everywhere: one clear line on stderr, the right exit code, no
traceback, and no partial effect."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PG_URL, require_pg, run_cli


def _one_clean_line(stderr: str) -> None:
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("postgresql://postgres@no-such-host.invalid/test", "cannot connect to"),
        ("postgresql://postgres@127.0.0.1:1/test", "Connection refused"),
        ("mysql+nosuchdriver://u@h/d", "unknown database driver"),
        ("postgresql://postgres@127.0.0.1:99999/test", "cannot"),
        ("postgresql:/missing/slashes", "not a valid database URL"),
    ],
)
def test_unusable_urls_exit_2(url: str, fragment: str) -> None:
    r = run_cli([url, "-c", "select 1"])
    assert r.code == 2 and r.stdout == ""
    _one_clean_line(r.stderr)
    assert fragment in r.stderr


def test_missing_database_exits_2() -> None:
    require_pg()
    url = PG_URL.rsplit("/", 1)[0] + "/no_such_database_xyz"
    r = run_cli([url, "-c", "select 1"])
    assert r.code == 2
    _one_clean_line(r.stderr)
    assert 'database "no_such_database_xyz" does not exist' in r.stderr


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("\\mode sideways", "unknown mode 'sideways'"),
        ("\\format nope", "unknown output format 'nope'"),
        ("\\x maybe", "expected on or off"),
        ("\\q now", "too many arguments"),
        ("\\isolation very strict", "unknown isolation level"),
        ("\\d no_such_table_q", "no table or view named no_such_table_q"),
        ("\\nosuchcommand", "unknown meta-command \\nosuchcommand"),
        ("select 1 \\gdesc", "\\gdesc is not supported"),
        ("select 1 as a, 2 as b union all select 3, 4 \\gset", "more than one row returned for \\gset"),
        ("\\elif maybe", "\\elif: no matching \\if"),
        ("\\endif", "\\endif: no matching \\if"),
        ("\\watch 1", "\\watch cannot be used with an empty query"),
        ("\\rollback nosuchsavepoint", "ROLLBACK TO SAVEPOINT can only be used in a transaction"),
    ],
)
def test_bad_meta_commands_are_one_line_and_exit_1(db_url: str, line: str, fragment: str) -> None:
    r = run_cli([db_url], input=line + "\n")
    assert r.code == 1
    _one_clean_line(r.stderr)
    assert fragment in r.stderr


def test_session_commands_with_bad_arguments(db_url: str, table: str) -> None:
    script = f"create table {table} (id integer primary key, n integer);\n\\mode session\n\\add no_such_table_q a=1\n"
    r = run_cli([db_url, "--on-error", "continue"], input=script + f"\\add {table} nope=1\n\\add {table} n='x'\n")
    errors = r.stderr.strip().splitlines()
    assert r.code == 1
    assert any("no_such_table_q" in e for e in errors)
    assert any("nope" in e for e in errors)
    assert "Traceback" not in r.stderr
    run_cli([db_url], input=f"drop table {table};\n")


def test_invalid_utf8_on_stdin_exits_2_without_running_anything(db_url: str, table: str) -> None:
    r = run_cli([db_url], input=f"create table {table} (a int);\n".encode() + b"select '\xff\xfe';\n")
    assert r.code == 2
    assert "not UTF-8 text" in r.stderr


def test_empty_and_comment_only_input_is_fine(db_url: str) -> None:
    r = run_cli([db_url], input="-- nothing here\n/* nor here */\n\n")
    assert r.code == 0 and r.stdout == "" and r.stderr == ""


def test_directory_as_file(db_url: str, tmp_path: Path) -> None:
    r = run_cli([db_url, "-f", str(tmp_path)])
    assert r.code == 2
    _one_clean_line(r.stderr)


def test_wrong_password_exits_2_without_showing_it() -> None:
    from support.fake_pg_auth import RefusingServer

    server = RefusingServer()
    try:
        r = run_cli([f"postgresql://someone:Wr0ng-Pw@127.0.0.1:{server.port}/db", "-c", "select 1"])
    finally:
        server.close()
    assert server.passwords == [b"Wr0ng-Pw"]  # the password really went to the server
    assert r.code == 2
    _one_clean_line(r.stderr)
    assert "password authentication failed" in r.stderr and "Wr0ng-Pw" not in r.stderr
