"""The transactional contract, run against both transaction holders: the held
connection (``ConnectionExecutor``) and the ORM session (``SessionExecutor``),
on SQLite, PostgreSQL and MariaDB.

Whatever the level, a person sees the same rules: ``begin`` opens, ``commit``
and ``rollback`` end, a savepoint has a name and ``rollback_to`` keeps it, a
failed transaction is never committed, ``open_work``/``discard`` name and drop
what is open. The snapshot's ``TxnStatus`` is checked against the server as
another connection sees it (pg_stat_activity, InnoDB's transaction list,
SQLite's write lock), and every data effect from another connection too.

Where the backends differ, the test says so: only PostgreSQL marks a
transaction failed after a statement error (SQLite and MariaDB keep it open
and usable), so only there is a savepoint the way back.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from typing import Any, cast

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from support import count

from sqlshell.database import Database
from sqlshell.errors import UserError
from sqlshell.executors.contract import Mode, Transactional, TxnStatus
from sqlshell.executors.factory import executor_for
from sqlshell.executors.transactional import ALREADY_OPEN, FAILED_NOT_COMMITTED
from sqlshell.output.streams import Output
from sqlshell.settings import Settings
from sqlshell.urls import resolve


def backend(url: str) -> str:
    return url.split(":")[0].split("+")[0].replace("mysql", "mariadb")


@pytest.fixture(params=[Mode.CONNECTION, Mode.SESSION])
def holder(request: pytest.FixtureRequest, txn_url: str, txn_table: str) -> Iterator[Transactional]:
    """A transaction holder of each kind, made as the shell makes it."""
    db = Database(resolve(txn_url))
    db.check()
    ex = executor_for(request.param, db, Settings(), Output(io.StringIO(), io.StringIO()))
    assert ex.name == request.param.value  # the factory made the mode's executor
    made = cast(Transactional, ex)
    yield made
    try:
        made.discard()
    finally:
        made.close()
        db.dispose()


def run(ex: Transactional, sql: str) -> str | None:
    """One statement through the holder; its tag."""
    with ex.run(sql) as outcome:
        for _ in outcome.batches or ():
            pass
        tag = outcome.tag
        return tag() if callable(tag) else tag


def driver_of(ex: Transactional) -> Any:
    """The DBAPI connection the holder's transaction is on."""
    conn = getattr(ex, "conn", None)
    if conn is not None:
        return conn.connection.driver_connection
    return getattr(ex, "driver_connection", None)


class Server:
    """The holder's transaction as another connection sees it, asked only after
    the transaction wrote a row. ``remember`` notes that row and the holder's
    backend pid while the transaction is open (the session gives its
    connection back when the transaction ends)."""

    def __init__(self, url: str, observer: Engine) -> None:
        self.kind, self.observer, self.url = backend(url), observer, url
        self.pid: int | None = None
        self.row = ("", 0)

    def remember(self, ex: Transactional, table: str, value: int) -> None:
        self.row = (table, value)
        if self.kind == "postgresql":
            self.pid = driver_of(ex).info.backend_pid

    def status(self) -> TxnStatus:
        if self.kind == "sqlite":
            return self._sqlite_lock()
        if self.kind == "mariadb":
            return self._innodb_row_lock()
        states = {
            "idle": TxnStatus.IDLE,
            "idle in transaction": TxnStatus.OPEN,
            "idle in transaction (aborted)": TxnStatus.FAILED,
        }
        with self.observer.connect() as conn:
            sql = "select state from pg_stat_activity where pid = :pid"
            return states[conn.execute(text(sql), {"pid": self.pid}).scalar_one()]

    def _innodb_row_lock(self) -> TxnStatus:
        """An open transaction holds the lock on the row it wrote: a NOWAIT
        locking read of it is refused at once. (information_schema.innodb_trx
        is a cache InnoDB refreshes at most every 0.1 s: not a reading to trust.)"""
        table, value = self.row
        with self.observer.connect() as conn:
            try:
                conn.exec_driver_sql(f"select a from {table} where a = {value} for update nowait").all()
                return TxnStatus.IDLE
            except DBAPIError as exc:
                if getattr(exc.orig, "args", (None,))[0] != 1205:  # ER_LOCK_WAIT_TIMEOUT
                    raise
                return TxnStatus.OPEN
            finally:
                conn.rollback()

    def _sqlite_lock(self) -> TxnStatus:
        """A transaction that wrote holds SQLite's RESERVED lock: another BEGIN IMMEDIATE is refused."""
        path = self.url.split(":///", 1)[1]
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("begin immediate")
            other.execute("rollback")
            return TxnStatus.IDLE
        except sqlite3.OperationalError:
            return TxnStatus.OPEN
        finally:
            other.close()


@pytest.fixture
def server(txn_url: str, txn_observer: Engine) -> Server:
    return Server(txn_url, txn_observer)


def begin_and_write(ex: Transactional, server: Server, table: str, value: int = 1) -> None:
    assert ex.begin().tag == "BEGIN"
    assert ex.snapshot().state is TxnStatus.OPEN and ex.in_transaction
    run(ex, f"insert into {table} values ({value})")
    server.remember(ex, table, value)
    assert ex.snapshot().state is TxnStatus.OPEN
    assert server.status() is TxnStatus.OPEN


# -- begin, commit, rollback --------------------------------------------------------------


def test_begin_opens_and_commit_ends(
    holder: Transactional, server: Server, txn_table: str, txn_observer: Engine
) -> None:
    assert holder.snapshot().state is TxnStatus.IDLE and not holder.in_transaction
    begin_and_write(holder, server, txn_table)
    assert count(txn_observer, txn_table) == 0  # not yet committed
    assert holder.commit().tag == "COMMIT"
    assert holder.snapshot().state is TxnStatus.IDLE and not holder.in_transaction
    assert server.status() is TxnStatus.IDLE
    assert count(txn_observer, txn_table) == 1


def test_rollback_ends_and_undoes(holder: Transactional, server: Server, txn_table: str, txn_observer: Engine) -> None:
    begin_and_write(holder, server, txn_table)
    assert holder.rollback().tag == "ROLLBACK"
    assert holder.snapshot().state is TxnStatus.IDLE
    assert server.status() is TxnStatus.IDLE
    assert count(txn_observer, txn_table) == 0


def test_a_second_begin_changes_nothing(
    holder: Transactional, server: Server, txn_table: str, txn_observer: Engine
) -> None:
    begin_and_write(holder, server, txn_table)
    again = holder.begin()
    assert again.tag == "BEGIN" and again.warnings == [ALREADY_OPEN]
    assert holder.snapshot().state is TxnStatus.OPEN and server.status() is TxnStatus.OPEN
    holder.commit()
    assert count(txn_observer, txn_table) == 1


# -- a statement error -------------------------------------------------------------------


def test_a_statement_error_fails_the_transaction_on_postgresql_only(
    holder: Transactional, server: Server, txn_table: str, txn_observer: Engine
) -> None:
    begin_and_write(holder, server, txn_table)
    with pytest.raises(DBAPIError):
        run(holder, f"insert into {txn_table} values (1)")  # duplicate key
    if server.kind == "postgresql":
        # PostgreSQL aborts the block: nothing runs until a rollback, and COMMIT rolls back
        assert holder.snapshot().state is TxnStatus.FAILED and holder.snapshot().indicator == "!"
        assert server.status() is TxnStatus.FAILED
        ended = holder.commit()
        assert ended.tag == "ROLLBACK" and ended.warnings == [FAILED_NOT_COMMITTED]
        assert count(txn_observer, txn_table) == 0
    else:
        # SQLite and MariaDB undo the one statement; the transaction goes on
        assert holder.snapshot().state is TxnStatus.OPEN and holder.snapshot().indicator == "*"
        assert server.status() is TxnStatus.OPEN
        run(holder, f"insert into {txn_table} values (2)")
        assert holder.commit().tag == "COMMIT"
        assert count(txn_observer, txn_table) == 2
    assert holder.snapshot().state is TxnStatus.IDLE and server.status() is TxnStatus.IDLE


def test_rollback_to_a_savepoint_recovers_from_an_error(
    holder: Transactional, server: Server, txn_table: str, txn_observer: Engine
) -> None:
    begin_and_write(holder, server, txn_table)
    holder.savepoint("a")
    run(holder, f"insert into {txn_table} values (2)")
    with pytest.raises(DBAPIError):
        run(holder, f"insert into {txn_table} values (1)")
    expected = TxnStatus.FAILED if server.kind == "postgresql" else TxnStatus.OPEN
    assert holder.snapshot().state is expected and server.status() is expected
    assert holder.rollback_to("a").tag == "ROLLBACK"
    assert holder.snapshot().state is TxnStatus.OPEN and server.status() is TxnStatus.OPEN
    assert holder.snapshot().savepoints == ("a",)  # like PostgreSQL, the savepoint stays
    holder.commit()
    assert count(txn_observer, txn_table) == 1  # the row before the savepoint, not the one after


# -- savepoint names ---------------------------------------------------------------------


def test_savepoint_names_release_and_rollback_to(
    holder: Transactional, server: Server, txn_table: str, txn_observer: Engine
) -> None:
    begin_and_write(holder, server, txn_table)
    assert holder.savepoint().tag == "SAVEPOINT"  # sp1: a name is made up
    run(holder, f"insert into {txn_table} values (2)")
    assert holder.savepoint("b").tag == "SAVEPOINT"
    run(holder, f"insert into {txn_table} values (3)")
    assert holder.snapshot().savepoints == ("sp1", "b")
    assert holder.rollback_to("sp1").tag == "ROLLBACK"  # undoes 2 and 3, drops b, keeps sp1
    assert holder.snapshot().savepoints == ("sp1",)
    with pytest.raises(UserError, match="savepoint 'b' does not exist"):
        holder.release("b")
    assert holder.release().tag == "RELEASE"  # no name: the newest
    assert holder.snapshot().savepoints == ()
    with pytest.raises(UserError, match="there is no savepoint"):
        holder.rollback_to(None)
    assert holder.snapshot().state is TxnStatus.OPEN and server.status() is TxnStatus.OPEN
    holder.commit()
    assert count(txn_observer, txn_table) == 1


def test_commit_and_rollback_forget_the_savepoints(holder: Transactional, server: Server, txn_table: str) -> None:
    begin_and_write(holder, server, txn_table)
    holder.savepoint("a")
    holder.rollback()
    assert holder.snapshot().savepoints == ()
    begin_and_write(holder, server, txn_table)
    holder.savepoint("a")
    holder.commit()
    assert holder.snapshot().savepoints == () and holder.snapshot().state is TxnStatus.IDLE


# -- open work ---------------------------------------------------------------------------


def test_open_work_names_what_discard_drops(
    holder: Transactional, server: Server, txn_table: str, txn_observer: Engine
) -> None:
    assert holder.open_work() is None
    begin_and_write(holder, server, txn_table)
    work = holder.open_work()
    assert work  # each level says it in its own words
    assert holder.discard() == work
    assert holder.open_work() is None and holder.snapshot().state is TxnStatus.IDLE
    assert server.status() is TxnStatus.IDLE
    assert count(txn_observer, txn_table) == 0
