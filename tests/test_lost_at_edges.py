"""A connection the server already closed never crashes the end of a script
(issue #11, item 6): the end of input, ``\\d`` inside the lost transaction, and
unreadable input after the loss each end with one line saying the open work
was lost (nothing committed) and exit code 1 (2 for unreadable input), never
"internal error".

The real ``sqlshell`` runs with its standard input on a pipe; statements run
as their lines arrive, so the test can end the backend from another
connection (``pg_terminate_backend``, MariaDB's ``KILL``, or PostgreSQL's
idle-in-transaction timeout) before the script ends.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from support import require_mysql, require_pg, sqlalchemy_url


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, Engine, str]]:
    """(URL, an independent AUTOCOMMIT engine, a fresh table's name)."""
    url = require_pg() if request.param == "postgresql" else require_mysql()
    engine = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    table = f"lost_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(text(f"create table {table} (x int)"))
    yield url, engine, table
    with engine.connect() as conn:
        conn.execute(text(f"drop table if exists {table}"))
    engine.dispose()


class Script:
    """sqlshell with a script arriving on a pipe, piece by piece."""

    def __init__(self, url: str, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sqlshell", url, "--mode", mode, "--format", "csv"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.watchdog = threading.Timer(60, self.proc.kill)  # a shell that waits for more input never hangs the run
        self.watchdog.start()

    def send(self, text: str | bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def backend_id(self, is_postgres: bool) -> int:
        """Open a transaction with one row in it; the id of the backend holding it."""
        self.send(f"select {'pg_backend_pid()' if is_postgres else 'connection_id()'} as backend;\n")
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            assert line, "sqlshell ended early"
            if line.strip().isdigit():
                return int(line)

    def end(self, rest: str | bytes = "") -> tuple[int, str]:
        self.send(rest)
        _, err = self.proc.communicate(timeout=60)
        self.watchdog.cancel()
        return self.proc.returncode, err.decode()


def kill(engine: Engine, backend: int) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": backend})
        else:
            conn.execute(text(f"kill {backend}"))
    gone_by = time.monotonic() + 10
    while alive(engine, backend):
        assert time.monotonic() < gone_by, "the backend did not end"
        time.sleep(0.05)


def alive(engine: Engine, backend: int) -> bool:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            sql = "select count(*) from pg_stat_activity where pid = :id"
        else:
            sql = "select count(*) from information_schema.processlist where id = :id"
        return conn.execute(text(sql), {"id": backend}).scalar_one() > 0


def rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"select count(*) from {table}")).scalar_one()


def assert_told_lost(code: int, err: str, expected_code: int = 1) -> None:
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == expected_code, err
    # one line at the end says the open work is gone: lost with the connection, or rolled back
    assert any(
        "lost" in line or "rolled back:" in line
        for line in err.splitlines()
        if line.startswith(("end of input:", "sqlshell:"))
    ), err


@pytest.mark.parametrize("mode", ["connection", "session"])
def test_end_of_input_after_the_server_closed_the_connection(server: tuple[str, Engine, str], mode: str) -> None:
    url, engine, table = server
    script = Script(url, mode)
    script.send(f"begin;\ninsert into {table} values (1);\n")
    kill(engine, script.backend_id(engine.dialect.name == "postgresql"))
    assert_told_lost(*script.end())
    assert rows(engine, table) == 0


@pytest.mark.parametrize("mode", ["connection", "session"])
def test_describe_inside_the_lost_transaction(server: tuple[str, Engine, str], mode: str) -> None:
    url, engine, table = server
    script = Script(url, mode)
    script.send(f"begin;\ninsert into {table} values (1);\n")
    kill(engine, script.backend_id(engine.dialect.name == "postgresql"))
    code, err = script.end(f"\\d {table}\n")
    assert_told_lost(code, err)
    assert rows(engine, table) == 0


def test_unreadable_input_after_the_loss(server: tuple[str, Engine, str]) -> None:
    url, engine, table = server
    script = Script(url, "connection")
    script.send(f"begin;\ninsert into {table} values (1);\n")
    kill(engine, script.backend_id(engine.dialect.name == "postgresql"))
    code, err = script.end(b"select 1;\n\xff\xfe;\n")
    assert_told_lost(code, err, expected_code=2)
    assert "not UTF-8" in err
    assert rows(engine, table) == 0


def test_idle_in_transaction_timeout_before_the_end(server: tuple[str, Engine, str]) -> None:
    url, engine, table = server
    if engine.dialect.name != "postgresql":
        pytest.skip("idle_in_transaction_session_timeout is PostgreSQL's")
    script = Script(url, "connection")
    script.send(f"begin;\nset local idle_in_transaction_session_timeout = '100ms';\ninsert into {table} values (1);\n")
    backend = script.backend_id(True)
    gone_by = time.monotonic() + 10
    while alive(engine, backend):
        assert time.monotonic() < gone_by, "the server did not end the idle transaction"
        time.sleep(0.05)
    assert_told_lost(*script.end())
    assert rows(engine, table) == 0
