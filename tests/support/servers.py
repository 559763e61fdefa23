"""The test servers: PostgreSQL from $SQLSHELL_TEST_PG_URL and MariaDB from
$SQLSHELL_TEST_MYSQL_URL (defaults: the local test servers). Without a server
its tests skip, unless SQLSHELL_REQUIRE_PG=1 / SQLSHELL_REQUIRE_MYSQL=1 (CI),
where they fail: a green run must mean the servers were really exercised."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

PG_URL = os.environ.get("SQLSHELL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("SQLSHELL_REQUIRE_PG") == "1"
MYSQL_URL = os.environ.get("SQLSHELL_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REQUIRE_MYSQL = os.environ.get("SQLSHELL_REQUIRE_MYSQL") == "1"

_server_state: dict[str, str | None] = {}


def sqlalchemy_url(url: str) -> str:
    """The URL as plain SQLAlchemy wants it (the shell itself maps postgresql:// to psycopg)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _unavailable(name: str, url: str) -> str | None:
    """Why a server cannot be used (None when it can); asked once per run."""
    if name not in _server_state:
        try:
            engine = create_engine(sqlalchemy_url(url))
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
            _server_state[name] = None
        except Exception as exc:  # any failure means: no usable server
            _server_state[name] = f"{name} at {url} unavailable: {str(exc).splitlines()[0]}"
    return _server_state[name]


def _require(name: str, url: str, required: bool, variable: str) -> str:
    reason = _unavailable(name, url)
    if reason:
        if required:
            pytest.fail(f"{reason} ({variable}=1)")
        pytest.skip(reason)
    return url


def require_pg() -> str:
    return _require("PostgreSQL", PG_URL, REQUIRE_PG, "SQLSHELL_REQUIRE_PG")


def require_mysql() -> str:
    return _require("MariaDB", MYSQL_URL, REQUIRE_MYSQL, "SQLSHELL_REQUIRE_MYSQL")


def require(available: bool, what: str) -> None:
    """A tool or file a PostgreSQL test needs (pg_dump, the shared corpus, the
    server log): skip without it locally, fail under SQLSHELL_REQUIRE_PG=1."""
    if available:
        return
    if REQUIRE_PG:
        pytest.fail(f"{what} (SQLSHELL_REQUIRE_PG=1)")
    pytest.skip(what)


# A test that failed may leave a shell's transaction holding a lock on its table:
# the clean-up then fails after a while instead of hanging the run (MariaDB's
# default lock_wait_timeout is a year).
_LOCK_WAIT = {
    "postgresql": "set local lock_timeout = '30s'",
    "mysql": "set session lock_wait_timeout = 30",
    "mariadb": "set session lock_wait_timeout = 30",
}


def drop(engine: Engine, *tables: str) -> None:
    with engine.begin() as conn:
        if engine.dialect.name in _LOCK_WAIT:
            conn.exec_driver_sql(_LOCK_WAIT[engine.dialect.name])
        for name in tables:
            conn.execute(text(f"drop table if exists {name}"))


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"select count(*) from {table}")).scalar_one()
