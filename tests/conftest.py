"""Shared fixtures: real SQLite files, a real PostgreSQL and a real MariaDB
server, never mocks. Helpers that tests import live in ``tests/support/``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from support import ShellDriver, drop, require_mysql, require_pg, sqlalchemy_url


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """The passwords a test's URLs taught the scrubber stay with that test."""
    from sqlshell import urls

    before = set(urls._SECRETS)
    yield
    urls._SECRETS.intersection_update(before)


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the embedded database, history and config of tests out of $HOME."""
    base = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(base / var.lower()))
    monkeypatch.delenv("SQLSHELL_URL", raising=False)


@pytest.fixture
def pg_url() -> str:
    return require_pg()


@pytest.fixture
def sqlite_url(tmp_path: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path}/test.sqlite3"


@pytest.fixture
def mysql_url() -> str:
    return require_mysql()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each mode-independent test runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.sqlite3"
    return require_pg()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def txn_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Transaction, mode and script tests run on all three backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.sqlite3"
    if request.param == "postgresql":
        return require_pg()
    return require_mysql()


@pytest.fixture
def txn_observer(txn_url: str) -> Iterator[Engine]:
    """An independent engine on the ``txn_url`` database: what other connections see."""
    engine = create_engine(sqlalchemy_url(txn_url))
    yield engine
    engine.dispose()


@pytest.fixture
def pg_observer(pg_url: str) -> Iterator[Engine]:
    """An independent engine on the PostgreSQL test database: what other connections see."""
    engine = create_engine(sqlalchemy_url(pg_url))
    yield engine
    engine.dispose()


@pytest.fixture
def txn_table(txn_observer: Engine, table: str) -> Iterator[str]:
    """A table ``(a int primary key)`` on the ``txn_url`` database, dropped afterwards."""
    with txn_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
    yield table
    drop(txn_observer, table)


@pytest.fixture
def table() -> Iterator[str]:
    """A table name no other test uses (the PostgreSQL database is shared)."""
    yield f"t_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def observer(db_url: str) -> Iterator[Engine]:
    """A second, independent engine: what other connections see."""
    engine = create_engine(sqlalchemy_url(db_url))
    yield engine
    engine.dispose()


@pytest.fixture
def shell_driver() -> Iterator[Callable[..., ShellDriver]]:
    made: list[ShellDriver] = []

    def make(url: str, **settings: object) -> ShellDriver:
        driver = ShellDriver(url, **settings)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.close()
