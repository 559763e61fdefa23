"""A ``\\;`` compound line on PostgreSQL whose later statement fails: the results
and tags of the statements before it reach stdout, byte for byte as psql's, and
the error reaches stderr (issue #12: they used to be lost). The line's implicit
transaction and the shell's following of the server stay as they were."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url
from support import drop, require, run_cli

MODES = ["engine", "connection"]


def psql(pg_url: str, script: str) -> subprocess.CompletedProcess[str]:
    require(shutil.which("psql") is not None, "psql is installed")
    url = make_url(pg_url)
    where = ["-h", url.host or "", "-p", str(url.port or 5432), "-U", url.username or "", url.database or ""]
    return subprocess.run(["psql", "-X", *where], input=script, capture_output=True, text=True)


@pytest.fixture
def t(pg_observer: Engine, table: str) -> Iterator[str]:
    yield table
    drop(pg_observer, table)


def same_as_psql(pg_url: str, mode: str, script: str, code: int = 1) -> str:
    """sqlshell's stdout is psql's; its stderr (returned) is the error."""
    expected = psql(pg_url, script)
    run = run_cli([pg_url, "-X", "--mode", mode, "--on-error", "continue"], input=script)
    assert run.stdout == expected.stdout
    assert run.code == code, run.stderr
    return run.stderr


@pytest.mark.parametrize("mode", MODES)
def test_results_before_the_failed_statement_are_shown(pg_url: str, mode: str) -> None:
    line = "select 1 as a \\; select 2 as b \\; insert into no_such_table_cf values (1) \\; select 3;\n"
    err = same_as_psql(pg_url, mode, line)
    assert 'ERROR: relation "no_such_table_cf" does not exist' in err
    assert psql(pg_url, line).stdout == " a \n---\n 1\n(1 row)\n\n b \n---\n 2\n(1 row)\n\n"  # psql shows them


@pytest.mark.parametrize("mode", MODES)
def test_tags_before_the_failed_statement_are_shown(pg_url: str, mode: str, t: str, pg_observer: Engine) -> None:
    line = f"create table {t} (a int) \\; insert into {t} values (1), (2) \\; update {t} set a = a \\; select 1/0;\n"
    err = same_as_psql(pg_url, mode, line)
    assert "ERROR: division by zero" in err
    assert psql(pg_url, line).stdout == "CREATE TABLE\nINSERT 0 2\nUPDATE 2\n"
    assert not inspect(pg_observer).has_table(t)  # the line's implicit transaction was rolled back


@pytest.mark.parametrize("mode", MODES)
def test_an_error_in_the_first_statement_shows_nothing(pg_url: str, mode: str) -> None:
    err = same_as_psql(pg_url, mode, "select 1/0 \\; select 5 as c;\n")
    assert "ERROR: division by zero" in err


@pytest.mark.parametrize("mode", MODES)
def test_a_line_that_succeeds_shows_every_result(pg_url: str, mode: str, t: str, pg_observer: Engine) -> None:
    line = f"select 1 as a \\; create table {t} (a int) \\; insert into {t} values (1) \\; select 2 as b;\n"
    assert same_as_psql(pg_url, mode, f"drop table if exists {t};\n{line}", code=0) == ""
    assert inspect(pg_observer).has_table(t)


def test_inside_a_transaction_the_failure_is_followed(pg_url: str) -> None:
    """Connection mode inside BEGIN: the result before the error is shown, and the
    transaction is known to have failed (the next statement is refused)."""
    script = "begin;\nselect 1 as a \\; select 1/0;\nselect 2;\nrollback;\n"
    err = same_as_psql(pg_url, "connection", script)
    assert "ERROR: division by zero" in err and "the transaction has failed" in err


def test_session_mode_runs_a_line_whole_in_its_transaction(pg_url: str, t: str, pg_observer: Engine) -> None:
    """Session mode sends a PostgreSQL ``\\;`` line as one string too (it used to
    go through the one-statement path: "cannot insert multiple commands into a
    prepared statement", or only the first result), inside the session's
    transaction: nothing is visible outside until \\commit."""
    script = (
        "select 1 as a \\; select 2 as b;\n"
        f"create table {t} (a int) \\; insert into {t} values (1) \\; select 3 as c;\n"
        f"insert into {t} values (2) \\; select 1/0;\n"
        "\\rollback\n"
        f"create table {t} (a int) \\; insert into {t} values (7);\n"
        "\\commit\n"
    )
    run = run_cli([pg_url, "-X", "--mode", "session", "--on-error", "continue"], input=script)
    expected = psql(pg_url, "select 1 as a \\; select 2 as b;\n").stdout
    assert run.stdout.startswith(expected + "CREATE TABLE\nINSERT 0 1\n c \n---\n 3\n(1 row)\n\nINSERT 0 1\n")
    assert "division by zero" in run.stderr and "cannot insert multiple commands" not in run.stderr
    assert run.stdout.endswith("CREATE TABLE\nINSERT 0 1\nCOMMIT\n")
    with pg_observer.connect() as conn:  # the rolled-back line left nothing; the committed one its row
        assert [r[0] for r in conn.exec_driver_sql(f"select a from {t}")] == [7]
