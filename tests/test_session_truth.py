"""Session mode tells the server's truth about its transaction, on SQLite,
PostgreSQL and MariaDB: a transaction the ORM session opened (a read too) is
shown as open because the server holds it; when the server ends it or the
connection goes, the shell follows and says so once; ``-1`` cannot be left.

Every claim is checked from outside the shell: PostgreSQL's
``pg_stat_activity``, MariaDB's ``information_schema.innodb_trx``, another
client's ALTER TABLE blocked (with a lock timeout, so nothing hangs), or
another ``sqlite3`` connection that cannot lock the file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from support import ShellDriver, count, drop, run_cli

from sqlshell.cancel import Canceller
from sqlshell.exitstatus import ExitStatus

Driver = Callable[..., ShellDriver]


def backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


@pytest.fixture
def rows(txn_url: str, txn_observer: Engine, table: str) -> Iterator[str]:
    """``table`` (id primary key, n) holding ids 1 and 2."""
    with txn_observer.begin() as conn:
        conn.execute(text(f"create table {table} (id integer primary key, n varchar(20))"))
        conn.execute(text(f"insert into {table} values (1, 'one'), (2, 'two')"))
    yield table
    drop(txn_observer, table, f"{table}_ddl")


def sqlite_path(url: str) -> str:
    return url.split("sqlite:///", 1)[1]


def file_locked(url: str) -> bool:
    """Another sqlite3 connection cannot lock the file: a transaction that
    has read or written holds it."""
    other = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=0.05)
    try:
        other.execute("begin exclusive")
        other.execute("rollback")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        other.close()


def blocked(url: str, observer: Engine, table: str) -> bool:
    """Another client cannot take the table (or the SQLite file) for itself:
    a transaction holds it. Waits a fraction of a second, never hangs."""
    kind = backend(url)
    if kind == "sqlite":
        return file_locked(url)
    with observer.connect() as conn:
        try:
            if kind == "postgresql":
                conn.execute(text("set lock_timeout = '200ms'"))
                conn.execute(text(f"alter table {table} add column probe integer"))
                conn.rollback()  # PostgreSQL's DDL is transactional: leave the table as it was
            else:
                conn.execute(text("set session lock_wait_timeout = 1"))
                conn.execute(text(f"alter table {table} comment = 'probe'"))
            return False
        except DBAPIError:
            conn.rollback()
            return True


def server_says(sh: ShellDriver, observer: Engine) -> str | None:
    """The session's transaction as the server reports it to another client:
    open, failed, idle. SQLite and MariaDB show a transaction only once it
    touched the data (a lock, an InnoDB transaction): before that, and for a
    MariaDB transaction without one, the answer is None (no outside view).
    The session's connection is found by its backend id only."""
    kind = sh.shell.db.dialect
    if kind == "sqlite":
        return "open" if file_locked(str(sh.shell.db.url)) else None
    ex = sh.shell.session
    assert ex is not None
    driver = ex._driver  # the DBAPI connection of the session's latest transaction
    if driver is None:
        return "idle"
    with observer.connect() as conn:
        if kind == "postgresql":
            state = conn.execute(
                text("select state from pg_stat_activity where pid = :pid"), {"pid": driver.info.backend_pid}
            ).scalar_one_or_none()
            return {"idle in transaction": "open", "idle in transaction (aborted)": "failed"}.get(state, "idle")
        time.sleep(0.15)  # InnoDB refreshes this table's cache at most every 0.1 s
        in_trx = conn.execute(
            text("select count(*) from information_schema.innodb_trx where trx_mysql_thread_id = :id"),
            {"id": driver.thread_id()},
        ).scalar_one()
        return "open" if in_trx else None


def session_shell(shell_driver: Driver, url: str) -> ShellDriver:
    sh = shell_driver(url)
    sh.run("\\mode session")
    return sh


# -- a transaction the session opened is shown, and really held ----------------------


def test_a_read_opens_a_transaction_that_is_shown_held_and_released(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    assert not blocked(txn_url, txn_observer, rows)
    _, err = sh.run(f"\\get {rows} 1")
    assert sh.prompt.endswith(" session +0 ~0 -0*> ")
    assert "the session's transaction is open on the server" in err
    assert "until \\commit or \\rollback" in err
    assert blocked(txn_url, txn_observer, rows)  # another client's ALTER waits for it
    assert server_says(sh, txn_observer) == "open"
    out, _ = sh.run("\\status")
    assert "transaction       | open" in out
    sh.run("\\rollback")
    assert sh.prompt.endswith(" session +0 ~0 -0> ")
    assert not blocked(txn_url, txn_observer, rows)
    assert server_says(sh, txn_observer) in ("idle", None)


def test_quitting_after_reads_rolls_back_with_a_note_but_work_still_counts(txn_url: str, rows: str) -> None:
    read = run_cli([txn_url, "--mode", "session", "-c", f"\\get {rows} 1"])
    assert read.code == 0, read.stderr
    assert "the session's transaction held no changes of yours; it was rolled back" in read.stderr
    work = run_cli([txn_url, "--mode", "session", "-c", f"\\get {rows} 1", "-c", f"\\change {rows} 1 n='x'"])
    assert work.code == 1
    assert "end of input: rolled back: 0 new, 1 changed, 0 deleted objects staged" in work.stderr


def test_the_repl_shows_a_read_transaction_and_quits_without_asking(
    txn_url: str, txn_observer: Engine, rows: str
) -> None:
    from support.repl_harness import Repl

    repl = Repl(txn_url)
    try:
        repl.line("\\mode session\r")
        repl.line(f"\\get {rows} 1\r")
        assert repl.prompt_texts[-1].endswith(" session +0 ~0 -0*> ")
        assert "* open" in repl.toolbar
        assert blocked(txn_url, txn_observer, rows)
        repl.send("\\q\r")  # asking would wait for an answer, and finish() would time out
        assert repl.finish() == 0
    finally:
        repl.close()
    assert "the session's transaction held no changes of yours; it was rolled back" in repl.stderr.getvalue()
    assert not blocked(txn_url, txn_observer, rows)


@pytest.mark.parametrize("txn_url", ["postgresql"], indirect=True)
def test_staging_at_the_prompt_begins_nothing_on_the_server(txn_url: str, txn_observer: Engine, rows: str) -> None:
    """Enter asks the server's standard_conforming_strings (the splitter needs
    it); asking must not make the session take a connection and begin."""
    from support.repl_harness import Repl

    repl = Repl(txn_url)
    try:
        repl.line("\\mode session\r")
        repl.line(f"\\add {rows} id=3 n='three'\r")
        repl.line("\\staged\r")
        assert repl.prompt_texts[-1].endswith(" session +1 ~0 -0> ")
        assert repl.shell.session.driver_connection is None
        assert "ended the transaction" not in repl.stderr.getvalue()
        assert not blocked(txn_url, txn_observer, rows)
    finally:
        repl.close()


def test_describing_a_table_after_staging_begins_nothing(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\add {rows} id=3 n='three'")
    out, _ = sh.run(f"\\d {rows}")
    assert " id " in out and sh.prompt.endswith(" session +1 ~0 -0> ")
    assert not blocked(txn_url, txn_observer, rows)
    sh.run(f"\\get {rows} 1")  # now the session holds a transaction: \d reads through it
    out, _ = sh.run(f"\\d {rows}")
    assert " id " in out and sh.prompt.endswith(" session +1 ~0 -0*> ")


def test_leaving_the_mode_after_reads_ends_the_transaction_and_says_so(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\get {rows} 1")
    _, err = sh.run("\\mode engine")
    assert "engine mode" in err and "held no changes of yours; it was rolled back" in err
    assert not blocked(txn_url, txn_observer, rows)


@pytest.mark.parametrize("txn_url", ["postgresql", "mariadb"], indirect=True)
def test_repeatable_read_after_a_get_reads_the_old_snapshot_and_says_so(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run("\\isolation repeatable read")
    _, err = sh.run(f"\\get {rows} 1")
    assert "(REPEATABLE READ): it holds a snapshot and locks until \\commit or \\rollback" in err
    with txn_observer.begin() as conn:
        conn.execute(text(f"update {rows} set n = 'changed' where id = 2"))
    out, _ = sh.run(f"select n from {rows} where id = 2;")
    assert " two\n" in out and sh.prompt.endswith("*> ")  # the old snapshot, and the prompt says why
    out, _ = sh.run("\\status")
    assert "transaction       | open" in out and "REPEATABLE READ" in out
    sh.run("\\rollback")
    out, _ = sh.run(f"select n from {rows} where id = 2;")
    assert " changed\n" in out


@pytest.mark.parametrize("txn_url", ["postgresql"], indirect=True)  # the only outside view of an unused BEGIN
def test_begin_begins_on_the_server_at_once(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run("\\begin")
    assert sh.prompt.endswith("*> ") and server_says(sh, txn_observer) == "open"
    sh.run("\\commit")
    assert server_says(sh, txn_observer) == "idle"


# -- the server ends the transaction: the shell follows ---------------------------------


@pytest.mark.parametrize("txn_url", ["mariadb"], indirect=True)
def test_mariadb_implicit_commit_on_ddl_is_followed_and_told(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\add {rows} id=3 n='three'\n\\flush\n\\add {rows} id=4 n='four'")
    _, err = sh.run(f"create table {rows}_ddl (id integer primary key);")
    assert "MariaDB committed the transaction implicitly: CREATE: 1 flushed object and 1 SQL statement" in err
    assert sh.prompt.endswith(" session +1 ~0 -0> ")  # idle, as the server is; id=4 still staged
    assert count(txn_observer, rows) == 3  # id=3 really is committed
    _, err = sh.run("\\rollback")
    assert "discarded 1 object (1 staged, 0 flushed)" in err  # never claims to undo id=3
    assert count(txn_observer, rows) == 3


@pytest.mark.parametrize("txn_url", ["sqlite"], indirect=True)
def test_sqlite_on_conflict_rollback_is_followed_and_told(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\add {rows} id=3 n='three'\n\\flush")
    _, err = sh.run(f"insert or rollback into {rows} values (1, 'dup');")
    assert "SQLite rolled the transaction back" in err
    assert "discarded 1 object (0 staged, 1 flushed)" in err
    assert sh.prompt.endswith(" session +0 ~0 -0> ")
    assert not blocked(txn_url, txn_observer, rows)
    _, err = sh.run("\\commit")
    assert "committed" not in err
    assert count(txn_observer, rows) == 2


@pytest.mark.parametrize("txn_url", ["mariadb"], indirect=True)
def test_mariadb_deadlock_rollback_is_followed_and_told(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    with txn_observer.begin() as conn:
        conn.execute(text(f"insert into {rows} values " + ", ".join(f"({i}, 'x')" for i in range(3, 40))))
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\change {rows} 1 n='session'\n\\flush")
    other: list[str] = []

    def heavier_transaction() -> None:  # InnoDB picks the lighter one (the session's) as the victim
        with txn_observer.connect() as conn:
            conn.execute(text("set session innodb_lock_wait_timeout = 5"))
            conn.execute(text(f"update {rows} set n = 'other' where id >= 2"))
            conn.execute(text(f"update {rows} set n = 'other' where id = 1"))  # waits for the session
            conn.commit()
            other.append("committed")

    thread = threading.Thread(target=heavier_transaction)
    thread.start()
    time.sleep(0.5)
    _, err = sh.run(f"update {rows} set n = 'session' where id = 2;")  # plain SQL: only the server rolls back
    thread.join()
    assert "Deadlock" in err and "MariaDB rolled the whole transaction back: deadlock" in err
    assert "discarded 1 object (0 staged, 1 flushed)" in err
    assert sh.prompt.endswith(" session +0 ~0 -0> ")  # idle, as the server is
    assert other == ["committed"]
    with txn_observer.connect() as conn:
        assert conn.execute(text(f"select n from {rows} where id = 1")).scalar_one() == "other"


@pytest.mark.parametrize("txn_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("compound", "told", "rows_after"),
    [
        ("insert into {t} values (4, 'sql')\\; commit", "PostgreSQL committed the transaction", 4),
        ("insert into {t} values (4, 'sql')\\; commit\\; select 1/0", "PostgreSQL committed the transaction", 4),
        ("insert into {t} values (4, 'sql')\\; rollback", "PostgreSQL rolled the transaction back", 2),
    ],
)
def test_postgresql_transaction_ended_inside_a_compound_is_followed(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver, compound: str, told: str, rows_after: int
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\add {rows} id=3 n='three'\n\\flush\n\\add {rows} id=5 n='staged'")
    _, err = sh.run(compound.format(t=rows) + ";")
    assert told in err
    assert sh.prompt.endswith(" session +1 ~0 -0> " if "commit" in compound else " session +0 ~0 -0> ")
    assert server_says(sh, txn_observer) == "idle"
    assert count(txn_observer, rows) == rows_after
    _, err = sh.run("\\rollback")
    assert "flushed)" not in err or "0 flushed" in err  # never claims to undo what the server ended
    assert count(txn_observer, rows) == rows_after


def test_a_failed_flush_that_sqlalchemy_rolled_back_is_not_taken_for_the_server_ending_it(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\get {rows} 2\n\\add {rows} id=3 n='three'\n\\flush\n\\add {rows} id=4 n='four'")
    _, err = sh.run(f"\\add {rows} id=1 n='duplicate'\n\\flush")
    assert "the flush failed, so SQLAlchemy rolled back the whole transaction: 1 flushed object" in err
    assert "ended the transaction" not in err and "cannot be known" not in err
    assert sh.prompt.endswith(" session +0 ~0 -0> ")  # idle, as the server is: nothing to acknowledge
    assert not blocked(txn_url, txn_observer, rows)
    assert count(txn_observer, rows) == 2


# -- a lost connection ----------------------------------------------------------------


def kill(sh: ShellDriver, observer: Engine) -> None:
    """End the session's connection from another client, as a DBA would."""
    driver = sh.shell.session._driver
    with observer.connect() as conn:
        if sh.shell.db.dialect == "postgresql":
            conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": driver.info.backend_pid})
        else:
            conn.execute(text(f"kill connection {int(driver.thread_id())}"))
    time.sleep(0.1)


AFTER_KILL = ["\\flush", "\\commit", "\\rollback", "\\savepoint a", "\\release", "\\get {t} 2", "select 1;", ""]


@pytest.mark.parametrize("txn_url", ["postgresql", "mariadb"], indirect=True)
@pytest.mark.parametrize("command", AFTER_KILL)
def test_a_lost_connection_never_crashes_and_is_told_once(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver, command: str
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\add {rows} id=3 n='three'\n\\flush\n\\savepoint a\n\\add {rows} id=4 n='four'")
    kill(sh, txn_observer)
    out, err = sh.run(command.format(t=rows)) if command else ("", "")
    prompt = sh.prompt
    code = sh.pipeline.finish_script()
    everything = sh.stderr.getvalue()
    assert "internal error" not in everything and "Traceback" not in everything
    if command == "\\rollback":
        assert "ROLLBACK" in out and "the connection was lost: the server rolled back when it went" in err
        assert sh.pipeline.failures == 0 and code is ExitStatus.OK
    elif command == "\\commit":
        assert "COMMIT" not in out
        # the flush of id=4 before COMMIT met the dead connection: COMMIT was never sent
        assert "COMMIT failed (its flush lost the connection): the transaction was not committed" in err
        assert "1 flushed object and the staged objects are lost" in err and "cannot be known" not in err
        assert sh.pipeline.failures == 1 and code is ExitStatus.STATEMENT_FAILED
        assert count(txn_observer, rows) == 2  # id=3 (flushed) and id=4 (staged) were not committed
    elif command:  # told once, naming the flushed work; the end of input rolls back and exits 1
        assert everything.count("and the transaction with it, taking 1 flushed object") == 1, everything
        assert prompt.endswith("!> ")
        assert sh.pipeline.failures == 1 and code is ExitStatus.STATEMENT_FAILED
        assert "end of input: rolled back: the transaction lost with its connection (1 flushed object)" in everything
    else:  # nothing touched the connection: the end of input finds the loss
        assert "end of input: rolled back: 1 new, 0 changed, 0 deleted objects staged; 1 flushed" in everything
        assert "the connection was lost: the server rolled back when it went" in everything
        assert code is ExitStatus.STATEMENT_FAILED
    if command in ("\\flush", "\\savepoint a", "\\release"):
        assert "the staged objects (1 new, 0 changed, 0 deleted) were not saved" in err
    assert count(txn_observer, rows) == 2  # the flushed row went with the connection
    sh.run(f"\\rollback\n\\add {rows} id=5 n='five'\n\\commit")
    with txn_observer.connect() as conn:
        assert conn.execute(text(f"select id from {rows} order by id")).scalars().all() == [1, 2, 5]


@pytest.mark.parametrize("txn_url", ["postgresql", "mariadb"], indirect=True)
def test_a_lost_read_transaction_costs_nothing_and_the_shell_goes_on(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver
) -> None:
    sh = session_shell(shell_driver, txn_url)
    sh.run(f"\\get {rows} 1\n\\add {rows} id=3 n='staged'")
    kill(sh, txn_observer)
    out, err = sh.run(f"\\get {rows} 2")
    assert "the connection to the server was lost; its transaction held only reads: nothing of yours" in err
    assert sh.prompt.endswith(" session +1 ~0 -0> ")  # the staged object stays staged
    out, err = sh.run(f"\\get {rows} 2\n\\commit")
    assert " two" in out and "committed 1 object" in err
    sh.run(f"\\get {rows} 1")  # a read transaction again, then its connection goes
    kill(sh, txn_observer)
    _, err = sh.run("\\mode engine")
    assert "engine mode" in err and "ERROR" not in err and "FATAL" not in err
    assert count(txn_observer, rows) == 3


# -- --single-transaction cannot be left ---------------------------------------------------


@pytest.mark.parametrize("leave", ["\\mode engine", "\\mode connection", "\\connect {url}"])
def test_single_transaction_in_session_mode_cannot_be_left(
    txn_url: str, txn_observer: Engine, rows: str, leave: str
) -> None:
    script = f"\\add {rows} id=3 n='three'\n{leave.format(url=txn_url)}\ninsert into {rows} values (4, 'four');\n"
    r = run_cli([txn_url, "--mode", "session", "-1"], input=script)
    assert r.code == 1
    assert "with --single-transaction" in r.stderr
    assert count(txn_observer, rows) == 2  # all or nothing: nothing


@pytest.mark.parametrize("txn_url", ["mariadb"], indirect=True)
def test_single_transaction_refuses_what_mariadb_commits_implicitly(
    txn_url: str, txn_observer: Engine, rows: str
) -> None:
    script = f"\\add {rows} id=3 n='three'\n\\flush\ncreate table {rows}_ddl (id integer primary key);\n"
    r = run_cli([txn_url, "--mode", "session", "-1"], input=script)
    assert r.code == 1
    assert "CREATE is not allowed with --single-transaction: MariaDB commits it implicitly" in r.stderr
    assert count(txn_observer, rows) == 2  # nothing committed, implicitly or otherwise
    with txn_observer.connect() as conn:
        assert not conn.execute(text(f"show tables like '{rows}_ddl'")).all()


# -- columns automap maps under another key ------------------------------------------------


def test_columns_named_metadata_and_registry_work_in_every_command(
    txn_url: str, txn_observer: Engine, table: str, shell_driver: Driver
) -> None:
    with txn_observer.begin() as conn:
        conn.execute(text(f"create table {table} (id integer primary key, metadata varchar(20), registry varchar(20))"))
        conn.execute(text(f"insert into {table} values (1, 'm', 'r')"))
    try:
        sh = session_shell(shell_driver, txn_url)
        for command in (
            f"\\change {table} 1 metadata='m2' registry='r2'",
            f"\\add {table} id=2 metadata='new' registry='reg'",
        ):
            _, err = sh.run(command)
            assert err.startswith("staged"), err
        out, _ = sh.run("\\staged")
        assert "metadata: 'm' → 'm2', registry: 'r' → 'r2'" in out and "metadata='new', registry='reg'" in out
        out, err = sh.run("\\commit")
        assert "COMMIT" in out, err
        out, _ = sh.run(f"\\get {table} 2")
        assert " 2 | new      | reg" in out
        with txn_observer.connect() as conn:
            got = conn.execute(text(f"select id, metadata, registry from {table} order by id")).all()
        assert [tuple(r) for r in got] == [(1, "m2", "r2"), (2, "new", "reg")]
        sh.run("\\rollback")  # the \\get's transaction: a DROP would wait for it
    finally:
        drop(txn_observer, table)


# -- Ctrl-C during a slow COMMIT -----------------------------------------------------------


@pytest.mark.parametrize("txn_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("at_the_prompt", [True, False])
def test_ctrl_c_during_a_slow_commit_says_what_became_of_it(
    txn_url: str, txn_observer: Engine, rows: str, shell_driver: Driver, at_the_prompt: bool
) -> None:
    """At the prompt Ctrl-C cancels the COMMIT on the server, which then rolls
    back, and the shell says so. In a script it interrupts the driver, the
    connection is dropped, and the shell says the outcome cannot be known
    (psycopg had cancelled it: the row is not there)."""
    with txn_observer.begin() as conn:
        conn.execute(
            text(
                f"create function {rows}_slow() returns trigger language plpgsql as "
                "$$ begin perform pg_sleep(10); return null; end $$"
            )
        )
        conn.execute(
            text(
                f"create constraint trigger {rows}_slow after insert on {rows} deferrable initially deferred "
                f"for each row execute function {rows}_slow()"
            )
        )
    try:
        sh = session_shell(shell_driver, txn_url)
        sh.run(f"\\add {rows} id=3 n='three'\n\\flush")
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        started = time.monotonic()
        timer.start()
        try:
            if at_the_prompt:
                with Canceller().armed():
                    out, err = sh.run("\\commit")
            else:
                with pytest.raises(KeyboardInterrupt):
                    sh.run("\\commit")
                out, err = sh.stdout.getvalue(), sh.stderr.getvalue()
        finally:
            timer.cancel()
        assert time.monotonic() - started < 5
        if at_the_prompt:
            assert "COMMIT failed: the server rolled the transaction back; 1 flushed object" in err
        else:
            assert "interrupted during COMMIT, and the connection is gone: whether the transaction " in err
            assert "(1 flushed object) committed cannot be known; check the data" in err
        assert "COMMIT" not in out
        assert sh.prompt.endswith(" session +0 ~0 -0> ")
        assert count(txn_observer, rows) == 2
    finally:
        with txn_observer.begin() as conn:
            conn.execute(text(f"drop table {rows}"))
            conn.execute(text(f"drop function {rows}_slow()"))
