"""Property: whatever the user types — statements, ``\\;`` compounds, transaction
meta-commands, failing statements, mode switches — the transaction state the
shell reports after every step is the server's, read independently, and no
row the shell called committed (or rolled back) is in the other state.

The server is read from outside the shell: PostgreSQL's ``pg_stat_activity``
for the shell's own backends, MariaDB's ``SHOW ENGINE INNODB STATUS`` for
its threads, and on SQLite a second connection's ``BEGIN IMMEDIATE`` (plus the
shell's driver, as SQLite has no view of other connections' transactions).
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from support import ShellDriver, drop, sqlalchemy_url

STEPS = [
    "insert into {t} values ({k});",
    "insert into {t} values ({k});",
    "insert into {t} values (0);",  # fails: the key exists
    "select * from no_such_table_{k};",  # fails
    "\\begin",
    "begin;",
    "\\commit",
    "commit;",
    "\\rollback",
    "rollback;",
    "\\savepoint s",
    "savepoint s;",
    "rollback to savepoint s;",
    "\\release",
    "insert into {t} values ({k})\\; begin;",
    "begin\\; insert into {t} values ({k});",
    "commit\\; insert into {t} values ({k});",
    "insert into {t} values ({k})\\; commit;",
    "insert into {t} values ({k})\\; insert into {t} values (0);",  # the second piece fails
    "rollback\\; insert into {t} values ({k});",
    "create table {t}_d{k} (a int);",  # MariaDB commits implicitly
    "\\mode connection",
    "\\mode engine",
]
SQLITE_STEPS = ["insert or rollback into {t} values (0);"]


# the shell waits for no lock forever either (its own leaked transaction could hold one)
LOCK_TIMEOUT = {
    "postgresql": "?options=-c%20lock_timeout%3D5000",
    "mariadb": "?init_command=set%20innodb_lock_wait_timeout%3D5",
    "sqlite": "?timeout=5",
}


def _backend(url: str) -> str:
    return url.split(":")[0].split("+")[0].replace("mysql", "mariadb")


class ServerView:
    """The shell's transaction as the server shows it to another connection."""

    def __init__(self, url: str, sh: ShellDriver, observer: Engine) -> None:
        self.kind = _backend(url)
        self.sh = sh
        self.observer = observer
        self.ids: set[int] = set()  # the shell's backends / threads
        engine = sh.shell.db.engine
        if self.kind == "postgresql":
            event.listen(engine, "connect", lambda dbapi, rec: self.ids.add(dbapi.info.backend_pid))
        elif self.kind == "mariadb":
            event.listen(engine, "connect", lambda dbapi, rec: self.ids.add(dbapi.thread_id()))
        engine.pool.dispose()  # the check-time connection: reconnect so its id is seen
        self.file = url.split("///", 1)[-1]

    def server_says(self) -> str | None:
        """idle / open / failed as the server shows it, or None: cannot tell from outside."""
        if self.kind == "postgresql":
            with self.observer.connect() as conn:
                states = dict(
                    conn.execute(
                        text("select pid, state from pg_stat_activity where pid = any(:p)"), {"p": list(self.ids)}
                    ).all()
                )
            found = {s for s in states.values() if s and s.startswith("idle in transaction")}
            assert len(found) <= 1, states
            if not found:
                return "idle"
            return "failed" if found == {"idle in transaction (aborted)"} else "open"
        if self.kind == "mariadb":
            # InnoDB's own list, printed live (information_schema.innodb_trx is a cache
            # refreshed at most every 0.1 s, so it shows transactions already ended)
            with self.observer.connect() as conn:
                status = conn.exec_driver_sql("show engine innodb status").one()[2]
            threads = {int(i) for i in re.findall(r"(?:MySQL|MariaDB) thread id (\d+)", status)}
            # a transaction that touched no table yet is not listed: then only "open" is proven
            return "open" if threads & self.ids else None
        other = sqlite3.connect(self.file, timeout=0)
        try:
            other.execute("begin immediate")
            other.execute("rollback")
            locked = False
        except sqlite3.OperationalError:
            locked = True
        finally:
            other.close()
        return "open" if locked else None

    def shell_driver_says(self) -> str:
        """The shell's own driver (SQLite/MariaDB without a table touched)."""
        held = self.sh.shell.held
        if self.sh.shell.mode.value != "connection" or held is None:
            return "idle"
        return held.server().value


def committed(observer: Engine, table: str) -> set[int]:
    with observer.connect() as conn:
        return {r[0] for r in conn.execute(text(f"select a from {table}"))}


def shell_rows(sh: ShellDriver, table: str) -> set[int] | None:
    out, err = sh.run(f"select a from {table};")
    if "ERROR" in err:
        return None
    lines = out.splitlines()[2:]
    return {int(x) for x in lines if x.strip().isdigit()}


def _said(out: str, err: str) -> str | None:
    lines = set(out.splitlines())
    committed_ = "COMMIT" in lines or "committed the transaction" in err
    rolled = "ROLLBACK" in lines or "rolled the transaction back" in err or "rolled back" in err
    if "cannot tell" in err or committed_ == rolled:
        return None
    return "committed" if committed_ else "rolled back"


def check_sequence(url: str, table: str, observer: Engine, steps: list[str]) -> None:
    with observer.connect() as conn:  # one table for all examples: DDL is slow on MariaDB
        conn.execute(text(f"delete from {table} where a <> 0"))
    keys = itertools.count(1)
    sh = ShellDriver(url + LOCK_TIMEOUT[_backend(url)])
    view = ServerView(url, sh, observer)
    made: list[str] = []
    try:
        before_txn: set[int] = committed(observer, table)
        seen_in_txn: set[int] = set()
        for step in steps:
            k = next(keys)
            sql = step.format(t=table, k=k)
            if "_d" in step:
                made.append(f"{table}_d{k}")
            was = sh.shell.txn().state
            out, err = sh.run(sql)
            now = sh.shell.txn().state
            history = f"{steps} at {sql!r}: {out!r} {err!r}"
            # 1. the state the shell reports is the server's
            server = view.server_says()
            if server is not None:
                assert now == server, f"shell {now}, server {server}: {history}"
            if view.kind != "postgresql":
                driver = view.shell_driver_says()
                assert (now == "idle") == (driver == "idle"), f"shell {now}, driver {driver}: {history}"
            # 2. rows: what the shell called committed is committed, rolled back is gone
            visible = committed(observer, table)
            if was != "idle" and now == "idle":
                said = _said(out, err)
                if said == "committed":
                    assert seen_in_txn <= visible, history
                elif said == "rolled back":
                    assert not (seen_in_txn - before_txn) & visible, history
            if now == "idle":
                mine = shell_rows(sh, table)
                assert mine == visible, f"the shell sees {mine}, others {visible}: {history}"
                before_txn, seen_in_txn = visible, set()
            elif now == "open":
                if was == "idle":
                    before_txn = visible
                mine = shell_rows(sh, table)
                if mine is not None:
                    seen_in_txn = mine
    finally:
        sh.close()
        drop(observer, *made)


def _steps(url: str) -> Any:
    pool = STEPS + (SQLITE_STEPS if url.startswith("sqlite") else [])
    return st.lists(st.sampled_from(pool), min_size=1, max_size=10)


@pytest.fixture
def url(txn_url: str, tmp_path: Any) -> str:
    return txn_url


def test_the_shell_reports_the_servers_transaction_state(url: str) -> None:
    table = f"f_{uuid.uuid4().hex[:10]}"
    # a transaction the shell leaves open by mistake fails the test, never hangs it
    connect_args: dict[str, Any] = {
        "postgresql": {"options": "-c lock_timeout=5000"},
        "mariadb": {"init_command": "set innodb_lock_wait_timeout = 5, lock_wait_timeout = 5"},
        "sqlite": {"timeout": 5},
    }[_backend(url)]
    observer = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT", connect_args=connect_args)
    with observer.connect() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
        conn.execute(text(f"insert into {table} values (0)"))

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(steps=_steps(url))
    def run(steps: list[str]) -> None:
        check_sequence(url, table, observer, steps)

    try:
        run()
    finally:
        drop(observer, table)
        observer.dispose()
