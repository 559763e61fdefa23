"""Connection mode: a held connection, transactions the user begins and ends,
savepoints, isolation, and a state that never drifts from the server's.
Everything runs against SQLite and PostgreSQL; other connections look on."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import count, drop, require_pg, run_cli


@pytest.fixture
def films(observer: Engine, table: str) -> str:
    name = f"films_{table}"
    with observer.begin() as conn:
        conn.execute(text(f"create table {name} (kind text, len text)"))
    yield name
    drop(observer, name, f"datalog_{table}")


def test_classic_example_failed_transaction_rolls_back(db_url: str, films: str, observer: Engine, shell_driver) -> None:
    sh = shell_driver(db_url, verbose=True)  # the transaction line, as at the terminal
    sh.run("\\mode connection\n\\begin\n")
    assert sh.prompt.endswith("connection*> ")
    out, err = sh.run(f"insert into {films} values ('Comedy', '82 minutes');")
    assert "INSERT 0 1" in out and "[transaction open" in err
    out, err = sh.run(f"insert into datalog_{films} values ('added a comedy');")
    assert f"datalog_{films}" in err
    if db_url.startswith("postgresql"):
        assert sh.prompt.endswith("connection!> ")
        assert "the transaction has failed" in err
        out, err = sh.run("select 1;")
        assert "current transaction is aborted" in err
    out, _ = sh.run("\\rollback")
    assert "ROLLBACK" in out
    assert sh.prompt.endswith("connection> ")
    assert count(observer, films) == 0


def test_commit_makes_both_rows_visible_only_then(db_url: str, films: str, observer: Engine, shell_driver) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"create table datalog_{films} (note text)"))
    sh = shell_driver(db_url)
    sh.run("\\mode connection\n\\begin\n")
    sh.run(f"insert into {films} values ('Comedy', '82 minutes');")
    sh.run(f"insert into datalog_{films} values ('added a comedy');")
    if db_url.startswith("postgresql"):  # SQLite's writer lock would block the reader's view anyway
        assert count(observer, films) == 0 and count(observer, f"datalog_{films}") == 0
    out, _ = sh.run("\\commit")
    assert "COMMIT" in out
    assert count(observer, films) == 1 and count(observer, f"datalog_{films}") == 1


def test_outside_begin_each_statement_commits_at_once(db_url: str, films: str, observer: Engine, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\mode connection")
    sh.run(f"insert into {films} values ('Drama', '90 minutes');")
    assert sh.shell.txn().state == "idle"
    assert count(observer, films) == 1


def test_savepoints_nest_roll_back_and_release(db_url: str, films: str, observer: Engine, shell_driver) -> None:
    sh = shell_driver(db_url, quiet=False, verbose=True)
    sh.run("\\mode connection\n\\begin\n")
    sh.run(f"insert into {films} values ('outer', '1');")
    sh.run("\\savepoint a")
    sh.run(f"insert into {films} values ('in a', '2');")
    sh.run("savepoint b;")
    _, err = sh.run(f"insert into {films} values ('in b', '3');")
    assert "savepoints a > b" in err
    assert sh.shell.txn().savepoints == ("a", "b")
    sh.run("\\rollback b")  # undo since b, b stays
    assert sh.shell.txn().savepoints == ("a", "b")
    out, _ = sh.run(f"select kind from {films} order by kind;")
    assert "in a" in out and "in b" not in out and "outer" in out
    sh.run("rollback to savepoint a;")
    assert sh.shell.txn().savepoints == ("a",)
    sh.run(f"insert into {films} values ('after', '4');")
    sh.run("release a;")
    assert sh.shell.txn().savepoints == ()
    sh.run("\\commit")
    with observer.connect() as conn:
        kinds = sorted(r[0] for r in conn.execute(text(f"select kind from {films}")))
    assert kinds == ["after", "outer"]


def test_unknown_savepoint_is_one_clear_line(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    _, err = sh.run("\\savepoint x")
    assert err.strip() == "SAVEPOINT can only be used in a transaction (\\begin first)"
    sh.run("\\begin\n\\savepoint x\n")
    _, err = sh.run("\\release nope")
    assert err.strip() == "savepoint 'nope' does not exist (open savepoints: x)"


def test_typed_sql_keeps_the_indicator_right(db_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\mode connection")
    assert sh.prompt.endswith("connection> ")
    sh.run("BEGIN;")
    assert sh.prompt.endswith("connection*> ")
    sh.run(f"insert into {films} values ('x', 'y');")
    sh.run("COMMIT;")
    assert sh.prompt.endswith("connection> ")
    sh.run("start transaction;")
    assert sh.prompt.endswith("connection*> ")
    sh.run("end;")
    assert sh.prompt.endswith("connection> ")
    sh.run("begin;\nabort;")
    assert sh.prompt.endswith("connection> ")


def test_begin_in_engine_mode_switches_to_connection_mode(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url, verbose=True)  # said at the terminal (or --verbose), not in scripts
    _, err = sh.run("\\begin")
    assert "switched to connection mode" in err
    assert sh.shell.mode.value == "connection" and sh.shell.txn().state == "open"
    quiet = shell_driver(db_url)
    assert quiet.run("\\begin") == ("BEGIN\n", "")
    assert quiet.shell.mode.value == "connection"


def test_commit_without_transaction_warns(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    out, err = sh.run("commit;")
    assert "COMMIT" in out and "there is no transaction in progress" in err


def test_leaving_the_mode_with_an_open_transaction_is_refused(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\begin")
    _, err = sh.run("\\mode engine")
    assert "cannot leave connection mode: transaction open" in err
    assert sh.shell.mode.value == "connection" and sh.shell.txn().state == "open"
    sh.run("\\rollback\n\\mode engine\n")
    assert sh.shell.mode.value == "engine"


def test_status_shows_transaction_and_pool(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\begin\n\\savepoint s1\n")
    out, _ = sh.run("\\status")
    for expected in ("transaction", "open", "savepoints", "s1", "isolation", "statements", "open for", "checked out 1"):
        assert expected in out


def test_on_error_rollback_keeps_the_transaction(db_url: str, films: str, observer: Engine, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\on-error-rollback on\n\\begin\n")
    sh.run(f"insert into {films} values ('kept', '1');")
    _, err = sh.run("insert into no_such_table_q values (1);")
    assert "implicit savepoint" in err
    assert sh.shell.txn().state == "open"
    sh.run(f"insert into {films} values ('also kept', '2');\n\\commit\n")
    assert count(observer, films) == 2


def test_isolation_level_really_applies() -> None:
    url = require_pg()
    r = run_cli(
        [url, "--mode", "connection", "-q"],
        input="\\isolation serializable\nbegin;\nshow transaction_isolation;\ncommit;\n",
    )
    assert r.code == 0, r.stderr
    assert "serializable" in r.stdout
    r = run_cli([url, "-q"], input="begin isolation level repeatable read;\nshow transaction_isolation;\ncommit;\n")
    assert "repeatable read" in r.stdout


def test_held_connection_is_one_backend() -> None:
    url = require_pg()
    r = run_cli([url, "--mode", "connection", "--format", "csv", "-q"], input="select pg_backend_pid();\n" * 3)
    pids = {line for line in r.stdout.splitlines() if line.isdigit()}
    assert len(pids) == 1


def test_single_transaction_leaves_database_unchanged_when_last_statement_fails(
    db_url: str, films: str, observer: Engine
) -> None:
    script = f"insert into {films} values ('a', '1');\ninsert into {films} values ('b', '2');\nselect * from nope_q;\n"
    r = run_cli([db_url, "--single-transaction"], input=script)
    assert r.code == 1
    assert "whole script was rolled back" in r.stderr
    assert "refused until" not in r.stderr  # the script stops: no \\rollback to wait for
    assert count(observer, films) == 0
    ok = run_cli([db_url, "-1"], input=script.rsplit("select", 1)[0])
    assert ok.code == 0, ok.stderr
    assert count(observer, films) == 2


def test_script_ending_inside_a_transaction_rolls_back_and_exits_1(db_url: str, films: str, observer: Engine) -> None:
    r = run_cli([db_url], input=f"begin;\ninsert into {films} values ('lost', '1');\n")
    assert r.code == 1
    assert "end of input" in r.stderr and "rolled back" in r.stderr
    assert count(observer, films) == 0


PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@PG_ONLY
def test_failed_commit_in_failed_transaction_rolls_back_and_says_so(db_url: str, films: str, observer: Engine) -> None:
    url = db_url
    script = f"begin;\ninsert into {films} values ('x', '1');\nselect 1/0;\ncommit;\n"
    r = run_cli([url, "--on-error", "continue"], input=script)
    assert r.code == 1
    assert "rolled back, not committed" in r.stderr
    assert count(observer, films) == 0


@PG_ONLY
def test_lost_connection_inside_a_transaction_is_told_and_nothing_runs_outside_it(
    db_url: str, films: str, observer: Engine, shell_driver
) -> None:
    url = db_url
    sh = shell_driver(url)
    sh.run("\\begin")
    out, _ = sh.run(f"insert into {films} values ('doomed', '1');\nselect pg_backend_pid() as pid;")
    pid = int(out.split("\n")[-4].strip())
    with observer.connect() as conn:
        conn.execute(text(f"select pg_terminate_backend({pid})"))
    _, err = sh.run(f"insert into {films} values ('after kill', '2');")
    assert sh.prompt.endswith("connection!> ")
    _, err = sh.run(f"insert into {films} values ('must not run', '3');")
    assert "was not run" in err
    assert count(observer, films) == 0
    out, err = sh.run("\\rollback\n\\begin\n")
    sh.run(f"insert into {films} values ('fresh', '4');\n\\commit\n")
    assert count(observer, films) == 1


def test_single_transaction_refuses_the_scripts_own_commit(db_url: str, films: str, observer: Engine) -> None:
    script = f"insert into {films} values ('a', '1');\n\\commit\ninsert into {films} values ('b', '2');\n"
    r = run_cli([db_url, "-1"], input=script)
    assert r.code == 1
    assert "\\commit is not allowed with --single-transaction" in r.stderr
    assert count(observer, films) == 0


def test_commit_and_chain_is_refused_not_half_done(db_url: str, films: str, observer: Engine) -> None:
    script = f"begin;\ninsert into {films} values ('a', '1');\ncommit and chain;\n"
    r = run_cli([db_url], input=script)
    assert r.code == 1
    assert "COMMIT AND CHAIN is not supported" in r.stderr
    assert count(observer, films) == 0  # still in the first transaction, rolled back at the end
