"""Hostile-user cases against transaction truth (issue #11) that once failed.

Each runs the real CLI and checks the database through an independent connection.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from support import count, drop, run_cli, sqlalchemy_url

SLEEPING = "select count(*) from pg_stat_activity where query like '%pg_sleep(20)%' and pid <> pg_backend_pid()"


@pytest.fixture
def pg_observer(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(pg_url))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("mode", ["engine", "connection"])
def test_connection_lost_after_a_commit_in_the_line_is_not_called_rolled_back(
    pg_url: str, pg_observer: Engine, table: str, mode: str
) -> None:
    """`insert\\; commit\\; <connection dies>`: the COMMIT ran, so the shell must
    not say the transaction was rolled back or that nothing was committed."""
    with pg_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    try:
        script = (
            "begin;\n"
            f"insert into {table} values (1)\\; commit\\; select pg_terminate_backend(pg_backend_pid());\n"
            "commit;\n"
        )
        r = run_cli([pg_url, "-X", "--mode", mode, "--on-error", "continue"], input=script)
        assert count(pg_observer, table) == 1  # the server committed it
        assert r.code == 1
        assert "nothing was committed" not in r.stderr
        assert "rolled back" not in r.stderr
        assert "its transaction is gone" not in r.stderr
        assert "cannot be known" in r.stderr
    finally:
        drop(pg_observer, table)


@pytest.mark.parametrize("mode", ["engine", "connection", "session"])
def test_ctrl_c_after_a_commit_in_the_line_is_not_called_rolled_back(
    pg_url: str, pg_observer: Engine, table: str, mode: str, tmp_path: Path
) -> None:
    """SIGINT to a script while `insert\\; commit\\; select pg_sleep(…)` runs: the
    row is committed; the shell must follow the server, not say "rolled back"."""
    with pg_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    try:
        script = f"begin;\ninsert into {table} values (1)\\; commit\\; select pg_sleep(20);\n"
        path = tmp_path / "script.sql"
        path.write_text(script)
        proc = subprocess.Popen(
            [sys.executable, "-m", "sqlshell", pg_url, "-X", "--mode", mode, "-f", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # wait until the sleep runs on the server
            with pg_observer.connect() as conn:
                if conn.execute(text(SLEEPING)).scalar_one():
                    break
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert count(pg_observer, table) == 1
        assert "rolled back" not in err
        if mode == "session":  # the ORM session cannot tell which piece ended it
            assert "cannot be known" in err
        else:
            assert "COMMIT inside this line committed" in err
        assert proc.returncode == 1
    finally:
        drop(pg_observer, table)


@pytest.fixture
def my_observer(mysql_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(mysql_url))
    yield engine
    engine.dispose()


def test_mysql_executable_comment_statement_runs(mysql_url: str, my_observer: Engine, table: str) -> None:
    """mysqldump's `/*!40101 SET … */;` lines are statements MariaDB runs: the
    shell must send them, not drop them as comments."""
    try:
        r = run_cli([mysql_url, "-X", "-c", f"/*!50000 create table {table} (a int) */;"])
        assert r.code == 0, r.stderr
        with my_observer.connect() as conn:
            assert conn.execute(text(f"show tables like '{table}'")).all()
    finally:
        drop(my_observer, table)


def test_single_transaction_refuses_implicit_commit_in_an_executable_comment(
    mysql_url: str, my_observer: Engine, table: str
) -> None:
    """`/*!50000 CREATE TABLE … */` commits implicitly on MariaDB like a bare
    CREATE: under -1 it must be refused, or the script's work escapes it."""
    with my_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    try:
        script = (
            f"insert into {table} values (1);\n"
            f"/*!50000 create table {table}_x (a int) */;\n"
            f"select * from {table}_nosuch;\n"
        )
        r = run_cli([mysql_url, "-X", "-1", "--on-error", "continue"], input=script)
        assert r.code == 1
        assert count(my_observer, table) == 0, r.stderr  # all or nothing
    finally:
        drop(my_observer, table, f"{table}_x")


def test_sqlite_commit_blocked_by_a_reader_is_rolled_back_and_told(tmp_path: Path) -> None:
    """A reader holds SQLite's lock, so COMMIT fails ("database is locked") and
    SQLite keeps the transaction open. The shell must roll it back as it says
    (never commit it later by switching the connection back to autocommit),
    and never end in an internal error."""
    import sqlite3

    path = tmp_path / "locked.db"
    setup = sqlite3.connect(path)
    setup.execute("create table t (a int)")
    setup.commit()
    setup.close()
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("begin")
    reader.execute("select * from t").fetchall()  # a SHARED lock: nobody can commit
    try:
        script = "begin;\ninsert into t values (1);\ncommit;\nselect 'after' as x;\n"
        r = run_cli([f"sqlite:///{path}?timeout=0.2", "-X", "--mode", "connection"], input=script)
    finally:
        reader.execute("commit")
        reader.close()
    assert "internal error" not in r.stderr
    assert "database is locked" in r.stderr
    assert "rolled back" in r.stderr
    assert r.code == 1
    check = sqlite3.connect(path)
    try:
        assert check.execute("select count(*) from t").fetchone() == (0,)  # as told: rolled back
    finally:
        check.close()


def test_session_on_error_rollback_follows_a_commit_inside_a_line(pg_url: str, pg_observer: Engine, table: str) -> None:
    """Session mode with --on-error-rollback: `commit\\; insert …` commits both
    on the server. Releasing the implicit savepoint the COMMIT took with it must
    not fail the line, and no later ROLLBACK may claim to discard that work."""
    with pg_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    try:
        script = (
            f"begin;\ninsert into {table} values (1);\n"
            f"commit\\; insert into {table} values (5);\n"
            f"insert into {table} values (6);\nrollback;\n"
        )
        r = run_cli([pg_url, "-X", "--mode", "session", "--on-error-rollback"], input=script)
        assert "does not exist" not in r.stderr
        assert "the work of 2 SQL statement" not in r.stderr
        with pg_observer.connect() as conn:
            rows = conn.execute(text(f"select a from {table} order by a")).scalars().all()
        assert rows == [1, 5]  # 6 was in the session's new transaction, rolled back
        assert r.code == 0, r.stderr
    finally:
        drop(pg_observer, table)


@pytest.mark.parametrize(
    ("mode", "flags"),
    [
        ("engine", []),
        ("connection", []),
        ("session", []),
        ("connection", ["--on-error-rollback"]),
        ("session", ["--on-error-rollback"]),
    ],
)
def test_single_transaction_cannot_be_escaped_by_sqlite_or_rollback_with_on_error_continue(
    tmp_path: Path, mode: str, flags: list[str]
) -> None:
    """-1 --on-error continue: SQLite's INSERT OR ROLLBACK ends the script's
    transaction; the statements after it must not run (and commit) outside it."""
    import sqlite3

    path = tmp_path / "t.db"
    setup = sqlite3.connect(path)
    setup.execute("create table t (a int primary key)")
    setup.commit()
    setup.close()
    script = "insert into t values (1);\ninsert or rollback into t values (1);\ninsert into t values (2);\n"
    r = run_cli([f"sqlite:///{path}", "-X", "--mode", mode, "-1", "--on-error", "continue", *flags], input=script)
    check = sqlite3.connect(path)
    try:
        assert check.execute("select a from t").fetchall() == [], r.stderr  # all or nothing
    finally:
        check.close()
    assert r.code == 1


def test_session_on_error_rollback_tells_sqlite_or_rollback_as_it_is(tmp_path: Path) -> None:
    """Session mode --on-error-rollback: SQLite's OR ROLLBACK ends the whole
    transaction, implicit savepoint included. The user sees SQLite's error and
    that the work was rolled back, not "no such savepoint: sa_savepoint_2" and
    "whether it committed cannot be known"."""
    import sqlite3

    path = tmp_path / "t.db"
    setup = sqlite3.connect(path)
    setup.execute("create table t (a int primary key)")
    setup.commit()
    setup.close()
    script = "begin;\ninsert into t values (1);\ninsert or rollback into t values (1);\n"
    r = run_cli([f"sqlite:///{path}", "-X", "--mode", "session", "--on-error-rollback"], input=script)
    assert "UNIQUE constraint failed" in r.stderr
    assert "sa_savepoint" not in r.stderr
    assert "rolled the transaction back" in r.stderr
    assert r.code == 1
