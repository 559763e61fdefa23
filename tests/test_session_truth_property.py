"""Property: whatever a user does in session mode, the transaction state the
shell reports (prompt, toolbar, \\status all read ``Shell.txn()``) is the
server's, read independently after every step: PostgreSQL's
``pg_stat_activity`` for the session's backend, MariaDB's
``information_schema.innodb_trx``, and on SQLite whether another connection
can lock the file. Kept small (a few short sequences per backend) so it stays fast."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import ShellDriver, drop
from test_session_truth import server_says

STEPS = [
    "\\get {t} 1",
    "\\get {t} 99",
    "\\change {t} 2 n='changed'",
    "\\add {t} id={new} n='added'",
    "\\add {t} id=1 n='duplicate'",
    "\\remove {t} 2",
    "\\flush",
    "\\commit",
    "\\rollback",
    "\\begin",
    "\\savepoint s",
    "\\rollback s",
    "\\release",
    "\\staged",
    "select count(*) from {t};",
    "insert into {t} values ({new}, 'sql');",
    "select * from {t}_nosuch;",
    "insert into {t} values ({new}, 'compound')\\; commit;",
    "\\mode engine\n\\mode session",
]

_ids = itertools.count(1000)


@pytest.fixture
def rows(txn_url: str, txn_observer: Engine, table: str) -> Iterator[str]:
    """``table`` (id primary key, n) holding ids 1 and 2."""
    with txn_observer.begin() as conn:
        conn.execute(text(f"create table {table} (id integer primary key, n varchar(20))"))
        conn.execute(text(f"insert into {table} values (1, 'one'), (2, 'two')"))
    yield table
    drop(txn_observer, table)


def agrees(shell_state: str, server: str | None, flush_failed: bool, dialect: str) -> bool:
    """PostgreSQL's view is exact. SQLite and MariaDB show a transaction only
    once it touched the data, so there: server open ⇒ shell not idle, and a
    server without a transaction never has the shell say open for data it
    holds. A failed flush is the session's own rule (SQLAlchemy already rolled
    back; \\rollback acknowledges), shown as failed whatever the server holds."""
    if flush_failed:
        return shell_state == "failed"
    if dialect == "postgresql":
        return shell_state == server
    if server == "open":
        return shell_state in ("open", "failed")
    return True


@pytest.mark.parametrize("txn_url", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_reported_state_is_the_servers_after_every_step(
    txn_url: str,
    txn_observer: Engine,
    rows: str,
    shell_driver: Callable[..., ShellDriver],
) -> None:
    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(STEPS), min_size=1, max_size=7))
    def run(steps: list[str]) -> None:
        sh = ShellDriver(txn_url)
        try:
            sh.run("\\mode session")
            for step in steps:
                _, err = sh.run(step.format(t=rows, new=next(_ids)))
                assert "internal error" not in err and "Traceback" not in err
                ex = sh.shell.session
                state = sh.shell.txn().state
                server = server_says(sh, txn_observer)
                assert agrees(state, server, ex.flush_failed, sh.shell.db.dialect), (steps, step, state, server, err)
                if state == "idle":
                    assert not sh.prompt.endswith(("*> ", "!> "))
                else:
                    assert sh.prompt.endswith({"open": "*> ", "failed": "!> "}[state])
        finally:
            sh.close()
            with txn_observer.begin() as conn:
                conn.execute(text(f"delete from {rows}"))
                conn.execute(text(f"insert into {rows} values (1, 'one'), (2, 'two')"))

    run()
