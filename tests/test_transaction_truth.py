"""Transaction truth: compound lines lose nothing, and the shell's transaction
state is the server's after every statement, in connection and engine mode,
on SQLite, PostgreSQL and MariaDB. Every effect is checked from another
connection (``txn_observer``)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import drop, run_cli

from sqlshell.cancel import Canceller
from sqlshell.sqltext.destructive import destructive_reason


def backend(url: str) -> str:
    return url.split(":")[0].split("+")[0].replace("mysql", "mariadb")


@pytest.fixture
def t(txn_observer: Engine, table: str) -> Iterator[str]:
    with txn_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
    yield table
    drop(txn_observer, table, f"{table}_ddl")


def rows(engine: Engine, table: str) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(f"select a from {table} order by a"))]


# -- 1. compound lines never lose statements -----------------------------------------


def test_commit_then_insert_on_one_line_runs_both(txn_url: str, t: str, txn_observer: Engine) -> None:
    script = f"begin;\ninsert into {t} values (1);\ncommit\\; insert into {t} values (2);\n"
    run = run_cli([txn_url, "--mode", "connection"], input=script)
    assert run.code == 0, run.stderr
    assert run.stdout.count("INSERT 0 1") == 2 and "COMMIT" in run.stdout
    assert rows(txn_observer, t) == [1, 2]


def test_a_variable_holding_several_statements_runs_them_all(txn_url: str, t: str, txn_observer: Engine) -> None:
    script = f"\\set two 'insert into {t} values (1); insert into {t} values (2);'\n:two\n"
    run = run_cli([txn_url], input=script)
    assert run.code == 0, run.stderr
    assert rows(txn_observer, t) == [1, 2]


def test_savepoint_in_a_compound_keeps_its_name(txn_url: str, t: str, txn_observer: Engine, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\begin")
    sh.run(f"insert into {t} values (1);")
    sh.run(f"savepoint a\\; insert into {t} values (2);")
    assert sh.shell.txn().savepoints == ("a",)
    _, err = sh.run("rollback to savepoint a;")
    assert "error" not in err.lower()
    sh.run("\\commit")
    assert rows(txn_observer, t) == [1]


def test_every_result_of_a_compound_is_shown(txn_url: str) -> None:
    run = run_cli([txn_url, "-c", "select 1 as x\\; select 2 as y"])
    assert run.code == 0, run.stderr
    assert " x \n---\n 1\n(1 row)\n" in run.stdout and " y \n---\n 2\n(1 row)\n" in run.stdout


# -- 2. transactions the shell did not open ------------------------------------------------


@pytest.mark.parametrize("mode", ["connection", "engine"])
def test_a_begin_inside_a_line_is_followed(txn_url: str, mode: str, t: str, txn_observer: Engine) -> None:
    script = f"insert into {t} values (1)\\; begin;\ninsert into {t} values (2);\n\\status\n"
    run = run_cli([txn_url, "--mode", mode], input=script)
    if backend(txn_url) == "postgresql":  # one query string: the server opened it (elsewhere the shell ran BEGIN)
        assert "a BEGIN inside this line opened a transaction" in run.stderr
    assert "| open" in run.stdout  # \status follows the server
    # the end of input rolls the open transaction back, says so, exit 1
    assert run.code == 1 and "end of input: rolled back" in run.stderr
    # PostgreSQL runs the line as one query string: the BEGIN takes the INSERT before it along
    assert rows(txn_observer, t) == ([] if backend(txn_url) == "postgresql" else [1])


def test_engine_mode_never_pools_an_open_transaction(txn_url: str, t: str, txn_observer: Engine, shell_driver) -> None:
    sh = shell_driver(txn_url)
    _, err = sh.run(f"begin\\; insert into {t} values (1);")
    assert sh.prompt.endswith("connection*> "), err
    assert sh.shell.db.pool_status().checked_out == 1
    sh.run(f"insert into {t} values (2);")
    assert rows(txn_observer, t) == [] or backend(txn_url) == "sqlite"  # (SQLite: the reader sees the file)
    sh.run("\\commit")
    assert rows(txn_observer, t) == [1, 2]


# -- 3. the server ends the transaction -------------------------------------------------------


def test_postgres_commit_inside_a_failing_line(pg_url: str, table: str, shell_driver) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    observer = create_engine(sqlalchemy_url(pg_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
    try:
        sh = shell_driver(pg_url)
        sh.run("\\mode connection\n\\begin\n")
        sh.run(f"insert into {table} values (1);")
        _, err = sh.run(f"commit\\; insert into {table} values (2)\\; select 1/0;")
        assert "division by zero" in err and "a COMMIT inside this line committed the transaction" in err
        assert sh.shell.txn().state == "idle" and sh.prompt.endswith("connection> ")
        _, err = sh.run("rollback;")
        assert "no transaction in progress" in err
        assert rows(observer, table) == [1]  # psql agrees: 2 went with the failing implicit block
    finally:
        drop(observer, table)
        observer.dispose()


def test_sqlite_or_rollback_ends_the_transaction(sqlite_url: str, shell_driver) -> None:
    sh = shell_driver(sqlite_url)
    sh.run("create table t (a int primary key);\ninsert into t values (1);")
    sh.run("\\begin")
    sh.run("insert into t values (2);")
    _, err = sh.run("insert or rollback into t values (1);")
    assert "SQLite rolled the transaction back: ON CONFLICT ROLLBACK" in err
    assert sh.shell.txn().state == "idle"
    out, err = sh.run("\\status")
    assert "| idle" in out
    out, err = sh.run("commit;")
    assert "no transaction in progress" in err
    out, _ = sh.run("select count(*) from t;")
    assert "     1\n" in out


def test_mariadb_implicit_commit_is_followed(mysql_url: str, table: str, shell_driver) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    observer = create_engine(sqlalchemy_url(mysql_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
    try:
        sh = shell_driver(mysql_url)
        sh.run("\\begin")
        sh.run(f"insert into {table} values (1);")
        _, err = sh.run(f"create table {table}_ddl (a int);")
        assert "MariaDB committed the transaction implicitly: CREATE TABLE" in err
        assert sh.shell.txn().state == "idle"
        _, err = sh.run("rollback;")
        assert "no transaction in progress" in err
        assert rows(observer, table) == [1]  # committed, as the shell said
    finally:
        drop(observer, table, f"{table}_ddl")
        observer.dispose()


def test_mariadb_deadlock_rollback_is_followed(mysql_url: str, table: str, shell_driver) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    observer = create_engine(sqlalchemy_url(mysql_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key, b int)"))
        conn.execute(text(f"insert into {table} values (1, 0), (2, 0)"))
    other = observer.connect()
    try:
        sh = shell_driver(mysql_url)
        sh.run("\\begin")
        sh.run(f"update {table} set b = 1 where a = 1;")
        other.begin()
        other.execute(text(f"update {table} set b = 2 where a = 2"))
        for i in range(3, 60):  # a bigger transaction: InnoDB picks the shell as the victim
            other.execute(text(f"insert into {table} values ({i}, 2)"))
        blocked = threading.Thread(target=other.execute, args=(text(f"update {table} set b = 2 where a = 1"),))
        blocked.start()
        time.sleep(0.3)
        _, err = sh.run(f"update {table} set b = 1 where a = 2;")
        blocked.join(10)
        assert "Deadlock" in err and "MariaDB rolled the transaction back: deadlock" in err
        assert sh.shell.txn().state == "idle"
        other.commit()
        with observer.connect() as conn:
            assert conn.execute(text(f"select b from {table} where a = 1")).scalar_one() == 2
    finally:
        other.close()
        drop(observer, table)
        observer.dispose()


# -- 3b. -1 stays all-or-nothing ---------------------------------------------------------------


def test_single_transaction_refuses_a_commit_inside_a_line(txn_url: str, t: str, txn_observer: Engine) -> None:
    # the COMMIT is not the line's first statement: every piece is looked at, before any runs
    run = run_cli(["-1", txn_url, "-c", f"insert into {t} values (1)", "-c", f"insert into {t} values (2)\\; commit"])
    assert run.code == 1
    assert "COMMIT is not allowed with --single-transaction" in run.stderr
    assert rows(txn_observer, t) == []


def test_single_transaction_refuses_mariadb_implicit_commit(mysql_url: str, table: str) -> None:
    from sqlalchemy import create_engine, inspect
    from support import sqlalchemy_url

    observer = create_engine(sqlalchemy_url(mysql_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
    try:
        script = (
            f"insert into {table} values (1);\ncreate table {table}_ddl (a int);\ninsert into {table} values (2);\n"
        )
        run = run_cli(["-1", mysql_url], input=script)
        assert run.code == 1
        assert "CREATE is not allowed with --single-transaction: MariaDB commits it implicitly" in run.stderr
        assert "nothing was changed" in run.stderr
        assert rows(observer, table) == []  # and so it is
        assert not inspect(observer).has_table(f"{table}_ddl")
    finally:
        drop(observer, table, f"{table}_ddl")
        observer.dispose()


# -- 4. lost connections -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["\\savepoint", "savepoint x;", "\\release", "\\rollback a", "\\d"])
def test_lost_connection_under_a_savepoint_command(pg_url: str, command: str, shell_driver) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    sh = shell_driver(pg_url)
    sh.run("\\mode connection\n\\begin\n\\savepoint a\n")
    pid = sh.shell.held.conn.connection.driver_connection.info.backend_pid
    killer = create_engine(sqlalchemy_url(pg_url))
    with killer.connect() as conn:
        conn.execute(text(f"select pg_terminate_backend({pid})"))
    killer.dispose()
    _, err = sh.run(command)  # no traceback, no internal error
    assert err.count("connection was lost") == 1, err
    assert sh.prompt.endswith("connection!> ")
    _, err = sh.run("select 1;")
    assert "this statement was not run" in err
    assert sh.pipeline.finish_script() == 1
    assert "rolled back" in sh.stderr.getvalue().splitlines()[-1]


# -- 5. Ctrl-C during a slow COMMIT -----------------------------------------------------------------


def _slow_commit_table(pg_url: str, table: str) -> Engine:
    """``table`` whose COMMIT takes 5 s (a deferred trigger sleeps), and an
    engine to look at it from outside the shell."""
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    observer = create_engine(sqlalchemy_url(pg_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
        conn.execute(
            text(
                f"create function {table}_slow() returns trigger language plpgsql "
                "as $$ begin perform pg_sleep(5); return null; end $$"
            )
        )
        conn.execute(
            text(
                f"create constraint trigger {table}_at_commit after insert on {table} "
                f"initially deferred for each row execute function {table}_slow()"
            )
        )
    return observer


def test_ctrl_c_during_a_slow_commit_says_what_happened(pg_url: str, table: str, shell_driver) -> None:
    observer = _slow_commit_table(pg_url, table)
    try:
        sh = shell_driver(pg_url)
        sh.run(f"\\mode connection\n\\begin\ninsert into {table} values (1);")
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        started = time.monotonic()
        timer.start()
        try:
            with Canceller().armed():
                _, err = sh.run("\\commit")
        finally:
            timer.cancel()
        assert time.monotonic() - started < 3
        assert "COMMIT failed: the transaction was rolled back" in err
        assert sh.shell.txn().state == "idle"
        assert rows(observer, table) == []
    finally:
        with observer.begin() as conn:
            conn.execute(text(f"drop table if exists {table}"))
            conn.execute(text(f"drop function if exists {table}_slow()"))
        observer.dispose()


# -- 6. nothing leaks across modes -------------------------------------------------------------------

LEAK = {
    "postgresql": (
        "set statement_timeout = '1234ms';",
        "select 'st=' || current_setting('statement_timeout') as v;",
        "st=1234ms",
    ),
    "mariadb": ("set session wait_timeout = 1234;", "select concat('wt=', @@session.wait_timeout) as v;", "wt=1234"),
    "sqlite": ("pragma foreign_keys = on;", "select 'fk=' || foreign_keys as v from pragma_foreign_keys;", "fk=1"),
}


def test_session_settings_do_not_leak_into_engine_mode(txn_url: str, shell_driver) -> None:
    setting, probe, leaked = LEAK[backend(txn_url)]
    sh = shell_driver(txn_url)
    sh.run("\\mode connection")
    sh.run(setting)
    out, _ = sh.run(probe)
    assert leaked in out
    out, err = sh.run("\\mode engine")
    assert "connection reset (DISCARD ALL)" in err or "connection closed" in err or backend(txn_url) == "sqlite"
    for _ in range(7):  # whichever pooled connection comes
        out, _ = sh.run(probe)
        assert leaked not in out


def test_savepoint_names_fold_like_identifiers(txn_url: str, t: str, txn_observer: Engine, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\begin")
    sh.run(f"insert into {t} values (1);")
    sh.run("\\savepoint Foo")
    sh.run(f"insert into {t} values (2);")
    _, err = sh.run("ROLLBACK TO Foo;")
    assert "does not exist" not in err, err
    sh.run("\\commit")
    assert rows(txn_observer, t) == [1]


def test_set_transaction_isolation_shows_in_status(txn_url: str, shell_driver) -> None:
    if backend(txn_url) == "sqlite":
        pytest.skip("SQLite has no SET TRANSACTION")
    sh = shell_driver(txn_url)
    if backend(txn_url) == "postgresql":
        sh.run("\\begin\nset transaction isolation level serializable;\n")
        out, _ = sh.run("show transaction_isolation;")
        assert "serializable" in out
    else:  # MySQL: SET TRANSACTION is for the next transaction
        sh.run("\\mode connection\nset transaction isolation level serializable;\n\\begin\n")
    out, _ = sh.run("\\status")
    assert "| SERIALIZABLE" in out


def test_explain_analyze_and_compounds_are_destructive() -> None:
    assert destructive_reason("explain analyze delete from t") == "DELETE without WHERE removes every row"
    assert destructive_reason("explain (analyze, costs off) update t set a = 1") is not None
    assert destructive_reason("explain delete from t") is None  # not run
    assert destructive_reason("insert into t values (1); delete from t;") is not None
    assert destructive_reason("insert into t values (1); delete from t where a = 1;") is None


def test_quitting_is_refused_with_a_server_opened_transaction(txn_url: str, t: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\mode connection")
    sh.run(f"insert into {t} values (1)\\; begin;")
    _, err = sh.run("\\mode engine")
    assert "cannot leave connection mode" in err


def test_lost_connection_in_a_script_exits_1_with_one_line(pg_url: str) -> None:
    script = (
        "\\begin\n\\savepoint a\nselect pg_terminate_backend(pg_backend_pid());\n"
        "\\release a\nsavepoint b;\n\\rollback a\n"
    )
    run = run_cli([pg_url, "--on-error", "continue"], input=script)
    assert run.code == 1, run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert run.stderr.count("connection was lost") == 1, run.stderr
    assert "end of input: rolled back" in run.stderr


def test_connection_lost_during_commit_says_it_cannot_be_known(pg_url: str, table: str, shell_driver) -> None:
    observer = _slow_commit_table(pg_url, table)
    try:
        sh = shell_driver(pg_url)
        sh.run(f"\\mode connection\n\\begin\ninsert into {table} values (1);")
        pid = sh.shell.held.conn.connection.driver_connection.info.backend_pid

        def kill() -> None:
            with observer.connect() as conn:
                conn.execute(text(f"select pg_terminate_backend({pid})"))

        timer = threading.Timer(0.5, kill)
        timer.start()
        try:
            _, err = sh.run("\\commit")
        finally:
            timer.cancel()
        assert "whether the transaction was committed cannot be known" in err
        assert sh.shell.txn().state == "idle"
        out, _ = sh.run("select 1 as alive;")
        assert "alive" in out
    finally:
        with observer.begin() as conn:
            conn.execute(text(f"drop table if exists {table}"))
            conn.execute(text(f"drop function if exists {table}_slow()"))
        observer.dispose()
