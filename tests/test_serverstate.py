"""The one reading of the server's transaction state, per driver, on real servers."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine
from support import ShellDriver, count, drop, sqlalchemy_url

from sqlshell.executors.contract import TxnStatus
from sqlshell.executors.serverstate import ServerTxn, read


def test_sqlite_reading_follows_the_file(tmp_path: object) -> None:
    conn = sqlite3.connect(f"{tmp_path}/s.sqlite3", isolation_level=None)
    assert read(conn, "sqlite") is ServerTxn.IDLE
    conn.execute("begin")
    assert read(conn, "sqlite") is ServerTxn.OPEN
    conn.execute("commit")
    assert read(conn, "sqlite") is ServerTxn.IDLE
    conn.close()
    assert read(conn, "sqlite") is ServerTxn.GONE


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_server_reading_follows_begin_failure_and_close(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgresql" else "mysql_url")
    engine = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    dialect = engine.dialect.name
    raw = engine.raw_connection()
    driver = raw.driver_connection
    cur = raw.cursor()
    try:
        assert read(driver, dialect) is ServerTxn.IDLE
        cur.execute("begin")
        assert read(driver, dialect) is ServerTxn.OPEN
        with pytest.raises(Exception):  # noqa: B017 - any driver error
            cur.execute("select * from no_such_table_anywhere")
        # PostgreSQL marks the block failed; MariaDB keeps the transaction open.
        expected = ServerTxn.FAILED if dialect == "postgresql" else ServerTxn.OPEN
        assert read(driver, dialect) is expected
        cur.execute("rollback")
        assert read(driver, dialect) is ServerTxn.IDLE
    finally:
        cur.close()
        raw.invalidate()  # closes the driver connection
        engine.dispose()
    assert read(driver, dialect) is ServerTxn.GONE


def test_mariadb_reading_after_an_error_is_asked_of_the_server(mysql_url: str, table: str) -> None:
    """An error packet carries no status flags, so pymysql's ``server_status`` is
    the last OK packet's. MariaDB commits implicitly *before* CREATE TABLE runs,
    so a CREATE TABLE that fails (the table exists) has ended the transaction:
    only the reading taken after the error (a COM_PING) says so."""
    engine = create_engine(sqlalchemy_url(mysql_url), isolation_level="AUTOCOMMIT")
    raw = engine.raw_connection()
    driver, cur = raw.driver_connection, raw.cursor()
    try:
        cur.execute(f"create table {table} (a int primary key)")
        cur.execute("begin")
        cur.execute(f"insert into {table} values (1)")
        with pytest.raises(Exception):  # noqa: B017 - the driver's "table exists"
            cur.execute(f"create table {table} (a int)")
        assert read(driver, "mysql", after_error=True) is ServerTxn.IDLE
        cur.execute(f"insert into {table} values (2)")  # a duplicate keeps the transaction open
        cur.execute("begin")
        with pytest.raises(Exception):  # noqa: B017 - the driver's duplicate key
            cur.execute(f"insert into {table} values (2)")
        assert read(driver, "mysql", after_error=True) is ServerTxn.OPEN
        cur.execute("rollback")
    finally:
        cur.close()
        raw.close()
    drop(engine, table)
    engine.dispose()


@pytest.mark.parametrize("on_error_rollback", [False, True])
@pytest.mark.parametrize("mode", ["connection", "session"])
def test_a_failed_statement_that_committed_implicitly_is_followed(
    mode: str, on_error_rollback: bool, mysql_url: str, table: str, shell_driver: Callable[..., ShellDriver]
) -> None:
    """Both transaction holders follow MariaDB's implicit commit of a failing
    CREATE TABLE: the row is committed (seen from another connection), the
    shell says so and shows no transaction, and \\rollback has nothing to undo.
    With on-error-rollback, the implicit savepoint went with the commit: no
    ROLLBACK TO it is sent (it would fail, and hide the commit)."""
    observer = create_engine(sqlalchemy_url(mysql_url))
    sh = shell_driver(mysql_url, on_error_rollback=on_error_rollback)
    try:
        sh.run(f"\\mode {mode}")
        sh.run(f"create table {table} (a int primary key)")
        sh.run("\\begin")
        sh.run(f"insert into {table} values (1)")
        _, err = sh.run(f"create table {table} (a int)")
        assert "already exists" in err and "committed the transaction implicitly: CREATE" in err
        assert "does not exist" not in err  # no savepoint was looked for
        assert sh.shell.txn().state is TxnStatus.IDLE
        assert count(observer, table) == 1
        out, err = sh.run(f"insert into {table} values (2)")
        assert out == "INSERT 0 1\n" and "ERROR" not in err
        sh.run("\\rollback")
        assert count(observer, table) == 1 + (mode == "connection")  # connection mode: 2 autocommitted
    finally:
        drop(observer, table)
        observer.dispose()


def test_session_on_error_rollback_survives_ddl_on_mariadb(
    mysql_url: str, table: str, shell_driver: Callable[..., ShellDriver]
) -> None:
    """DDL commits implicitly on MariaDB, taking the implicit savepoint of
    on-error-rollback with it: the session must not RELEASE it afterwards
    (that failed, and left the session refusing all work)."""
    observer = create_engine(sqlalchemy_url(mysql_url))
    sh = shell_driver(mysql_url, on_error_rollback=True)
    try:
        sh.run("\\mode session")
        out, err = sh.run(f"create table {table} (a int primary key)")
        assert out == "CREATE TABLE\n" and "ERROR" not in err and "rolled back" not in err
        out, err = sh.run(f"insert into {table} values (1)")
        assert out == "INSERT 0 1\n" and "ERROR" not in err
        sh.run("\\commit")
        assert count(observer, table) == 1
    finally:
        drop(observer, table)
        observer.dispose()
