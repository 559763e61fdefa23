"""Server faults on PostgreSQL: a backend killed between statements, a
statement timeout inside a transaction. The user is told what was lost, the
state shows it, and nothing runs outside the transaction the user believes open."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from support import count, drop

from sqlshell.database import PING_AFTER_IDLE

PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _kill_backend(observer, pid: int) -> None:
    with observer.connect() as conn:
        assert conn.execute(text(f"select pg_terminate_backend({pid})")).scalar_one()


def _pid(out: str) -> int:
    return int(next(line for line in out.splitlines() if line.strip().isdigit()))


@PG_ONLY
def test_engine_mode_survives_a_killed_backend(db_url: str, observer, shell_driver) -> None:
    sh = shell_driver(db_url)
    first = _pid(sh.run("select pg_backend_pid();")[0])
    _kill_backend(observer, first)
    time.sleep(PING_AFTER_IDLE + 0.1)  # a person's pause between two statements
    out, err = sh.run("select pg_backend_pid();")
    assert err == ""
    assert _pid(out) != first


@PG_ONLY
def test_connection_mode_idle_kill_is_told_and_a_new_connection_follows(db_url: str, observer, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\mode connection")
    first = _pid(sh.run("select pg_backend_pid();")[0])
    _kill_backend(observer, first)
    _, err = sh.run("select 1;")
    assert "the connection was lost" in err and "not run again" in err
    out, err = sh.run("select pg_backend_pid();")
    assert err == "" and _pid(out) != first


@PG_ONLY
def test_streamed_select_in_a_transaction_after_kill_loses_the_transaction(
    db_url: str, observer, table: str, shell_driver
) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    try:
        sh = shell_driver(db_url)
        sh.run(f"\\begin\ninsert into {table} values (1);")
        first = _pid(sh.run("select pg_backend_pid();")[0])
        _kill_backend(observer, first)
        _, err = sh.run(f"select * from {table};")
        assert sh.shell.txn().lost and sh.prompt.endswith("!> ")
        _, err = sh.run(f"insert into {table} values (2);")
        assert "was not run" in err
        sh.run("\\rollback")
        assert count(observer, table) == 0
    finally:
        drop(observer, table)


@PG_ONLY
def test_statement_timeout_inside_a_transaction_fails_it(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\begin\nset local statement_timeout = 100;")
    _, err = sh.run("select pg_sleep(2);")
    assert "canceling statement due to statement timeout" in err
    assert "the transaction has failed" in err
    assert sh.prompt.endswith("connection!> ")
    sh.run("\\rollback")
    assert sh.prompt.endswith("connection> ")


@PG_ONLY
def test_lock_timeout_inside_a_transaction_fails_it(db_url: str, observer, table: str, shell_driver) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    blocker = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with blocker.connect() as lock_holder:
            lock_holder.execute(text(f"lock table {table} in access exclusive mode"))
            sh = shell_driver(db_url)
            sh.run("\\begin\nset local lock_timeout = 100;")
            _, err = sh.run(f"insert into {table} values (1);")
            assert "lock timeout" in err and sh.prompt.endswith("!> ")
            sh.run("\\rollback")
            lock_holder.rollback()
    finally:
        blocker.dispose()
        drop(observer, table)


@PG_ONLY
def test_session_mode_kill_says_which_staged_work_was_lost(db_url: str, observer, table: str, shell_driver) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (id int primary key, n text)"))
    try:
        sh = shell_driver(db_url)
        sh.run(f"\\mode session\n\\add {table} id=1 n='a'\n\\flush\n\\add {table} id=2 n='b'")
        _kill_backend(observer, _pid(sh.run("select pg_backend_pid();")[0]))
        _, err = sh.run("\\flush")
        assert (
            "the connection to the server was lost, and the transaction with it, taking 1 flushed object and "
            "1 SQL statement] [the staged objects (1 new, 0 changed, 0 deleted) were not saved]"
        ) in err
        assert sh.prompt.endswith("!> ")
        _, err = sh.run(f"\\add {table} id=3 n='c'")
        assert "\\rollback" in err  # refused until the loss is acknowledged
        sh.run("\\rollback")
        sh.run(f"\\add {table} id=4 n='d'\n\\commit")
        with observer.connect() as conn:
            assert conn.execute(text(f"select id from {table}")).scalars().all() == [4]
    finally:
        drop(observer, table)
