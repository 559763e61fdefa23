"""Shared fixtures: real SQLite files, a real PostgreSQL and a real MariaDB
server, never mocks.

PostgreSQL comes from $SQLSHELL_TEST_PG_URL, MariaDB from
$SQLSHELL_TEST_MYSQL_URL (defaults: the local test servers). Without a server
its tests skip, unless SQLSHELL_REQUIRE_PG=1 / SQLSHELL_REQUIRE_MYSQL=1 (CI),
where they fail: a green run must mean the servers were really exercised.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from sqlshell.cli import cli

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
def table() -> Iterator[str]:
    """A table name no other test uses (the PostgreSQL database is shared)."""
    yield f"t_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def observer(db_url: str) -> Iterator[Engine]:
    """A second, independent engine: what other connections see."""
    engine = create_engine(sqlalchemy_url(db_url))
    yield engine
    engine.dispose()


@dataclass
class Run:
    stdout: str
    stderr: str
    code: int


def run_cli(args: list[str], input: str | bytes | None = None) -> Run:
    """Run the real `sqlshell` entry point in-process (stdin is not a tty)."""
    result = CliRunner().invoke(cli, args, input=input, catch_exceptions=False)
    # The raw bytes: click's .stdout would turn CSV's CRLF line ends into LF.
    return Run(result.stdout_bytes.decode(), result.stderr_bytes.decode(), result.exit_code)


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


class ShellDriver:
    """A Shell run in-process, statement by statement, so a test can look at
    the database from another connection between two statements."""

    def __init__(self, url: str, **settings: object) -> None:
        import io

        from sqlshell.database import Database
        from sqlshell.output.streams import Output
        from sqlshell.pipeline import Pipeline
        from sqlshell.settings import Settings
        from sqlshell.state import Shell
        from sqlshell.urls import resolve

        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        db = Database(resolve(url))
        db.check()
        self.shell = Shell(db, Settings(**settings), Output(self.stdout, self.stderr))  # type: ignore[arg-type]
        self.pipeline = Pipeline(self.shell)

    def run(self, text: str) -> tuple[str, str]:
        """Run input; returns what it wrote to stdout and stderr."""
        from sqlshell.sqltext.source import text_statements

        out0, err0 = self.stdout.tell(), self.stderr.tell()
        for stmt in text_statements(text, self.shell.db.nested_comments):
            self.pipeline.execute(stmt)
        return self.stdout.getvalue()[out0:], self.stderr.getvalue()[err0:]

    @property
    def prompt(self) -> str:
        return self.shell.prompt_text()

    def close(self) -> None:
        self.shell.discard_open_work()
        self.shell.close()


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


def fed_in_chunks(chunks: list[str], nested: bool) -> list:
    """What the splitter makes of input that arrives in these chunks."""
    from sqlshell.sqltext.split import Splitter

    splitter = Splitter(nested)
    out: list = []
    for chunk in chunks:
        out += splitter.feed(chunk)
    return out + splitter.finish()
