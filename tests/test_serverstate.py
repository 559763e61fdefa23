"""The one reading of the server's transaction state, per driver, on real servers."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine
from support import sqlalchemy_url

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
