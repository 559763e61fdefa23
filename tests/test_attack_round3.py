"""Attack round 3 on transaction truth (after the executors refactor): each
test is an input for which the shell said something the server contradicted.
Real databases, the effects read through a second connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from support import ShellDriver, drop, sqlalchemy_url


@pytest.fixture
def pg_t(pg_observer: Engine, table: str) -> Iterator[tuple[str, Engine]]:
    with pg_observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key)"))
    yield table, pg_observer
    drop(pg_observer, table)


def rows(engine: Engine, table: str) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(f"select a from {table} order by a"))]


def connection_mode(shell_driver, url: str, **settings: object) -> ShellDriver:
    sh: ShellDriver = shell_driver(url, **settings)
    sh.run("\\mode connection")
    return sh


# -- savepoints of the same name --------------------------------------------------------


@pytest.mark.parametrize("typed", [False, True], ids=["one-by-one", "compound"])
def test_a_second_savepoint_of_the_same_name_keeps_the_first_where_the_server_does(
    txn_url: str, txn_table: str, txn_observer: Engine, shell_driver, typed: bool
) -> None:
    """PostgreSQL and SQLite keep both savepoints called ``a`` (RELEASE a releases
    the newer); MariaDB replaces the older. The shell said "savepoints none" and
    refused ``ROLLBACK TO a``, which PostgreSQL and SQLite accept."""
    mariadb = txn_url.startswith("mysql")
    sh = connection_mode(shell_driver, txn_url)
    sh.run("\\begin")
    if typed and txn_url.startswith("postgresql"):
        sh.run(
            f"savepoint a\\; insert into {txn_table} values (1)\\; savepoint a\\; "
            f"insert into {txn_table} values (2)\\; release a;"
        )
    else:
        sh.run(
            f"savepoint a;\ninsert into {txn_table} values (1);\nsavepoint a;\n"
            f"insert into {txn_table} values (2);\nrelease a;"
        )
    assert sh.shell.txn().savepoints == (() if mariadb else ("a",))
    _, err = sh.run("rollback to a;")
    if mariadb:
        assert "there is no savepoint" in err
    else:
        assert "ERROR" not in err and "no savepoint" not in err, err
    sh.run("\\commit")
    assert rows(txn_observer, txn_table) == ([1, 2] if mariadb else [])


# -- PostgreSQL compound lines that hold savepoint commands -------------------------------


def test_a_failure_after_a_savepoint_in_the_same_line_keeps_the_savepoint(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver
) -> None:
    """``insert\\; savepoint c\\; <fails>``: PostgreSQL holds c in the failed
    transaction, so ROLLBACK TO c recovers it; the shell said "there is no savepoint"."""
    t, observer = pg_t
    sh = connection_mode(shell_driver, pg_url)
    sh.run("\\begin")
    _, err = sh.run(f"insert into {t} values (1)\\; savepoint c\\; insert into {t} values (1);")
    assert "duplicate key" in err and sh.prompt.endswith("!> ")
    assert sh.shell.txn().savepoints == ("c",)
    _, err = sh.run("rollback to c;")
    assert "ERROR" not in err and "no savepoint" not in err, err
    assert sh.prompt.endswith("*> ")
    sh.run("\\commit")
    assert rows(observer, t) == [1]


def test_on_error_rollback_leaves_a_savepoint_set_in_the_line_alone(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver
) -> None:
    """``insert\\; savepoint c`` with on-error-rollback: the implicit savepoint was
    released after the line, and c (inside it) with it; the shell listed c and the
    ROLLBACK TO c that followed failed the whole transaction."""
    t, observer = pg_t
    sh = connection_mode(shell_driver, pg_url, on_error_rollback=True)
    sh.run("\\begin")
    sh.run(f"insert into {t} values (5)\\; savepoint c;")
    assert sh.shell.txn().savepoints == ("c",)
    sh.run(f"insert into {t} values (6);")
    _, err = sh.run("rollback to c;")
    assert "ERROR" not in err, err
    assert sh.prompt.endswith("*> ")
    sh.run("\\commit")
    assert rows(observer, t) == [5]


def test_on_error_rollback_and_a_release_in_the_line_is_no_error(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver
) -> None:
    """``insert\\; release a`` with on-error-rollback: the line succeeded on the
    server, but the shell's RELEASE of its implicit savepoint (released with a)
    failed, was shown as the line's ERROR, and failed the transaction."""
    t, observer = pg_t
    sh = connection_mode(shell_driver, pg_url, on_error_rollback=True)
    sh.run("\\begin\nsavepoint a;")
    out, err = sh.run(f"insert into {t} values (1)\\; release a;")
    assert "ERROR" not in err, err
    assert "RELEASE" in out and sh.prompt.endswith("*> ")
    assert sh.shell.txn().savepoints == ()
    sh.run(f"insert into {t} values (2);")
    sh.run("\\commit")
    assert rows(observer, t) == [1, 2]


def test_session_mode_refuses_a_savepoint_command_inside_a_compound_line(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver
) -> None:
    """Session mode on PostgreSQL: ``insert\\; savepoint c`` set c on the server, but
    the session (whose savepoints are its nested transactions) did not know it and
    answered ``ROLLBACK TO c`` with "there is no savepoint". Refused before it runs."""
    t, observer = pg_t
    sh: ShellDriver = shell_driver(pg_url)
    sh.run("\\mode session\n\\begin")
    _, err = sh.run(f"insert into {t} values (1)\\; savepoint c;")
    assert "\\savepoint" in err, err
    assert sh.shell.txn().savepoints == ()
    sh.run("\\commit")
    assert rows(observer, t) == []  # nothing of the refused line ran


# -- a failed line that holds a COMMIT: the COMMIT did not commit ---------------------------


def test_a_commit_that_fails_in_a_compound_line_is_not_called_committed(pg_url: str, table: str, shell_driver) -> None:
    """A deferred unique key fails at the line's COMMIT: PostgreSQL rolls the
    transaction back; the shell said "a COMMIT inside this line committed"."""
    observer = create_engine(sqlalchemy_url(pg_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int unique deferrable initially deferred)"))
    try:
        for mode in ("connection", "session"):
            sh: ShellDriver = shell_driver(pg_url)
            sh.run(f"\\mode {mode}\n\\begin\ninsert into {table} values (1);")
            _, err = sh.run(f"insert into {table} values (1)\\; commit;")
            assert "duplicate key" in err
            assert "committed the transaction" not in err and " committed;" not in err, (mode, err)
            assert "the COMMIT failed" in err and "rolled the transaction back" in err, (mode, err)
            assert not sh.prompt.endswith("*> ") and not sh.prompt.endswith("!> ")
            assert rows(observer, table) == []
    finally:
        drop(observer, table)
        observer.dispose()


def test_a_commit_after_the_failed_piece_never_ran(tmp_path, table: str, shell_driver) -> None:
    """SQLite, piece by piece: ``insert or rollback … \\; commit`` — the INSERT's
    conflict rolled the transaction back and the COMMIT never ran; the shell
    said "a COMMIT inside this line committed the transaction"."""
    url = f"sqlite:///{tmp_path}/t.sqlite3"
    observer = create_engine(url)
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int unique)"))
    sh = connection_mode(shell_driver, url)
    sh.run(f"\\begin\ninsert into {table} values (1);")
    _, err = sh.run(f"insert or rollback into {table} values (1)\\; commit;")
    assert "UNIQUE" in err
    assert "COMMIT inside this line committed" not in err, err
    assert "rolled the transaction back" in err, err
    assert rows(observer, table) == []
    observer.dispose()


# -- the connection goes before COMMIT was sent ---------------------------------------------


def test_session_commit_whose_flush_lost_the_connection_was_not_committed(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver
) -> None:
    """\\commit with staged objects after pg_terminate_backend: the flush before
    COMMIT failed, so COMMIT was never sent; the shell said "whether the
    transaction committed cannot be known"."""
    t, observer = pg_t
    sh: ShellDriver = shell_driver(pg_url)
    sh.run(f"\\mode session\n\\add {t} a=1\n\\begin")
    pid = sh.run("select pg_backend_pid();")[0].split("\n")[2].strip()
    with observer.connect() as conn:
        conn.execute(text(f"select pg_terminate_backend({pid})"))
    _, err = sh.run("\\commit")
    assert "cannot be known" not in err, err
    assert "was not committed" in err, err
    assert rows(observer, t) == []
    assert sh.shell.txn().state == "idle"


def test_txn_marks_what_a_rollback_to_an_older_savepoint_of_the_name_undid(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver
) -> None:
    """``savepoint a; insert 1; savepoint a; insert 2; release a; rollback to a``:
    PostgreSQL undid both inserts (back to the first a); \\txn marked only insert 2."""
    t, observer = pg_t
    sh = connection_mode(shell_driver, pg_url)
    sh.run(f"\\begin\nsavepoint a;\ninsert into {t} values (1);\nsavepoint a;\ninsert into {t} values (2);")
    sh.run("release a;\nrollback to a;")
    out, _ = sh.run("\\txn")
    undone = [line for line in out.splitlines() if "insert into" in line and "undone by ROLLBACK TO a" in line]
    assert len(undone) == 2, out
    sh.run("\\commit")
    assert rows(observer, t) == []


# -- a deadlock on MariaDB under a session savepoint ------------------------------------------


def deadlock_victim(sh: ShellDriver, observer: Engine, t: str, statement: str) -> str:
    """Run ``statement`` in the shell so that it becomes the victim of an InnoDB
    deadlock with a second transaction (made the heavier one, so InnoDB picks
    the shell's); returns what the shell wrote to stderr."""
    import threading
    import time

    other = observer.connect()
    txn = other.begin()
    other.execute(text(f"insert into {t} select seq + 100, 0 from seq_1_to_2000"))  # the heavier transaction
    other.execute(text(f"update {t} set b = 2 where a = 2"))
    done: dict[str, tuple[str, str]] = {}
    runner = threading.Thread(target=lambda: done.setdefault("run", sh.run(statement)))
    runner.start()
    try:
        deadline = time.monotonic() + 20
        # The server runs the shell's statement: it waits for the row lock, or is
        # about to. (innodb_trx's LOCK WAIT is a cache InnoDB refreshes when it
        # likes: under load it missed a wait for 20 s.) Either order makes the
        # deadlock, and InnoDB rolls back the lighter transaction: the shell's.
        waiting = text("select count(*) from information_schema.processlist where info like :query")
        while True:  # until the shell's statement is on the server (a fresh look each time)
            with observer.connect() as watch:
                if watch.execute(waiting, {"query": f"update {t} set b = 1%"}).scalar_one():
                    break
            if time.monotonic() > deadline:  # say what the server saw instead
                with observer.connect() as watch:
                    seen = list(
                        watch.execute(text("select id, command, state, info from information_schema.processlist"))
                    )
                raise AssertionError(f"the shell's statement never waited for the lock: {done} {seen}")
            time.sleep(0.02)
        other.execute(text(f"update {t} set b = 2 where a = 1"))  # the cycle: InnoDB rolls the shell's back
        txn.commit()
    finally:
        runner.join(30)
        other.close()
    return done["run"][1]


def test_session_deadlock_under_a_savepoint_is_told_as_rolled_back(mysql_url: str, table: str, shell_driver) -> None:
    """MariaDB, session mode, \\savepoint then a deadlock: InnoDB rolled the whole
    transaction back. The shell showed "SAVEPOINT sa_savepoint_1 does not exist"
    instead of the deadlock, and said whether the work committed "cannot be known"."""
    observer = create_engine(sqlalchemy_url(mysql_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key, b int)"))
        conn.execute(text(f"insert into {table} values (1, 0), (2, 0)"))
    try:
        sh: ShellDriver = shell_driver(mysql_url)
        sh.run(f"\\mode session\n\\begin\n\\savepoint s1\nupdate {table} set b = 1 where a = 1;")
        err = deadlock_victim(sh, observer, table, f"update {table} set b = 1 where a = 2;")
        assert "1213" in err and "Deadlock" in err, err
        assert "does not exist" not in err and "cannot be known" not in err, err
        assert "rolled the whole transaction back: deadlock" in err, err
        assert sh.shell.txn().state == "idle" and sh.shell.txn().savepoints == ()
        with observer.connect() as conn:
            assert conn.execute(text(f"select b from {table} where a = 1")).scalar_one() == 2
    finally:
        drop(observer, table)
        observer.dispose()


@pytest.mark.parametrize("mode", ["session"])  # connection mode was right; its run of this was flaky
def test_on_error_rollback_deadlock_is_told_as_rolled_back(mysql_url: str, table: str, shell_driver, mode: str) -> None:
    """MariaDB with on-error-rollback: InnoDB's deadlock rolled back the whole
    transaction and its savepoints, the implicit one too; the shell must not
    answer with its own ROLLBACK TO that savepoint failing."""
    observer = create_engine(sqlalchemy_url(mysql_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int primary key, b int)"))
        conn.execute(text(f"insert into {table} values (1, 0), (2, 0)"))
    try:
        sh: ShellDriver = shell_driver(mysql_url, on_error_rollback=True)
        sh.run(f"\\mode {mode}\n\\begin\nupdate {table} set b = 1 where a = 1;")
        err = deadlock_victim(sh, observer, table, f"update {table} set b = 1 where a = 2;")
        assert "1213" in err and "does not exist" not in err and "cannot be known" not in err, err
        assert "still open" not in err, err
        assert "rolled the whole transaction back: deadlock" in err or "rolled the transaction back: deadlock" in err
        assert sh.shell.txn().state == "idle"
        with observer.connect() as conn:
            assert conn.execute(text(f"select b from {table} where a = 1")).scalar_one() == 2
    finally:
        drop(observer, table)
        observer.dispose()


# -- the server closed the connection while the transaction sat idle -------------------------


@pytest.mark.parametrize("mode", ["connection", "session"])
def test_rollback_after_the_server_closed_the_connection_is_no_error(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver, mode: str
) -> None:
    """pg_terminate_backend while the transaction is idle, then \\rollback: the
    server rolled back when the connection went, which is what was asked for.
    Connection mode printed the FATAL as the rollback's error (a script failed
    on it); session mode said it rolled back."""
    t, observer = pg_t
    sh: ShellDriver = shell_driver(pg_url)
    sh.run(f"\\mode {mode}\n\\begin\ninsert into {t} values (1);")
    pid = sh.run("select pg_backend_pid();")[0].split("\n")[2].strip()
    with observer.connect() as conn:
        conn.execute(text(f"select pg_terminate_backend({pid})"))
    out, err = sh.run("\\rollback")
    assert "ROLLBACK" in out, err
    assert "FATAL" not in err and "ERROR" not in err, err
    assert "the server rolled back when it went" in err
    assert sh.pipeline.failures == 0 and sh.shell.txn().state == "idle"
    assert rows(observer, t) == []
    sh.run(f"insert into {t} values (2);" + ("\n\\commit" if mode == "session" else ""))
    assert rows(observer, t) == [2]  # a new connection works


@pytest.mark.parametrize("mode", ["engine", "connection"])
def test_a_transaction_begun_in_a_compound_line_keeps_its_savepoints(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver, mode: str
) -> None:
    """``begin\\; insert\\; savepoint a\\; insert``: the shell took on the
    transaction but not its savepoint ("there is no savepoint" to ROLLBACK TO a,
    which PostgreSQL holds), and counted 0 statements in it."""
    t, observer = pg_t
    sh: ShellDriver = shell_driver(pg_url)
    sh.run(f"\\mode {mode}")
    sh.run(f"begin\\; insert into {t} values (1)\\; savepoint a\\; insert into {t} values (2);")
    snap = sh.shell.txn()
    assert snap.savepoints == ("a",) and snap.statements == 2, snap
    _, err = sh.run("rollback to a;")
    assert "no savepoint" not in err and "ERROR" not in err, err
    sh.run("commit;")
    assert rows(observer, t) == [1]


# -- a BEGIN the server refused -----------------------------------------------------------------


def test_a_begin_the_server_refused_leaves_the_shell_in_autocommit(tmp_path, shell_driver) -> None:
    """SQLite: ``BEGIN IMMEDIATE`` while another connection writes fails
    (database is locked); the held connection stayed out of AUTOCOMMIT, so the
    next INSERT opened a transaction nobody had begun and the shell crashed
    with a traceback ("cannot start a transaction within a transaction")."""
    import sqlite3

    path = tmp_path / "locked.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("create table t (a int)")
    writer.execute("begin immediate")
    sh = connection_mode(shell_driver, f"sqlite:///{path}?timeout=0.1")
    _, err = sh.run("begin immediate;")
    assert "database is locked" in err
    assert sh.shell.txn().state == "idle"
    writer.execute("commit")
    _, err = sh.run("insert into t values (1);")
    assert "ERROR" not in err and "Traceback" not in err, err
    assert sh.shell.txn().state == "idle"  # autocommit: the row is committed
    assert writer.execute("select a from t").fetchall() == [(1,)]
    writer.close()


# -- Ctrl-C where the driver cannot cancel on the server (MariaDB) ------------------------------


def test_ctrl_c_that_lost_the_connection_shows_the_transaction_lost(mysql_url: str, table: str, shell_driver) -> None:
    """Ctrl-C during ``select sleep(…)`` in a MariaDB transaction: PyMySQL cannot
    cancel, the interrupt breaks the connection and the server rolls back. The
    REPL said "interrupted" and then the prompt kept ``*`` and \\status said
    "transaction open" until the next statement found the loss."""
    import os
    import signal
    import threading
    import time

    from sqlshell.cancel import Canceller

    observer = create_engine(sqlalchemy_url(mysql_url))
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (a int)"))
    try:
        sh = connection_mode(shell_driver, mysql_url)
        sh.run(f"\\begin\ninsert into {table} values (1);")
        thread_id = int(sh.shell.held.conn.connection.driver_connection.thread_id())

        def interrupt_when_sleeping() -> None:
            deadline = time.monotonic() + 15
            with observer.connect() as watch:
                while time.monotonic() < deadline:
                    query = text("select info from information_schema.processlist where id = :id")
                    if "sleep" in str(watch.execute(query, {"id": thread_id}).scalar_one_or_none() or ""):
                        break
                    time.sleep(0.02)
            os.kill(os.getpid(), signal.SIGINT)

        interrupter = threading.Thread(target=interrupt_when_sleeping)
        interrupter.start()
        try:
            with pytest.raises(KeyboardInterrupt), Canceller().armed():
                sh.run("select sleep(20);")
        finally:
            interrupter.join()
        assert sh.prompt.endswith("connection!> "), sh.prompt
        assert sh.shell.txn().lost
        out, _ = sh.run("\\status")
        assert "open" not in out.split("transaction", 1)[1].split("\n", 1)[0], out
        _, err = sh.run("\\rollback")
        assert "ERROR" not in err
        with observer.connect() as conn:
            assert conn.execute(text(f"select count(*) from {table}")).scalar_one() == 0
    finally:
        drop(observer, table)
        observer.dispose()


@pytest.mark.parametrize("mode", ["connection", "session"])
def test_commit_after_the_idle_in_transaction_timeout_says_rolled_back(
    pg_t: tuple[str, Engine], pg_url: str, shell_driver, mode: str
) -> None:
    """PostgreSQL closed the connection for idling in the transaction (SQLSTATE
    25P03) before \\commit was typed: the transaction was rolled back and COMMIT
    never reached a server. The shell said whether it committed "cannot be known"."""
    import time

    t, observer = pg_t
    sh: ShellDriver = shell_driver(pg_url)
    sh.run(f"\\mode {mode}\nset idle_in_transaction_session_timeout = '200ms';\n\\begin")
    pid = sh.run("select pg_backend_pid();")[0].split("\n")[2].strip()
    sh.run(f"insert into {t} values (1);")
    deadline = time.monotonic() + 15
    while True:  # until the server has closed it (a new transaction each time: a fresh pg_stat_activity)
        with observer.connect() as conn:
            if not conn.execute(text(f"select count(*) from pg_stat_activity where pid = {pid}")).scalar_one():
                break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _, err = sh.run("\\commit")
    assert "idle-in-transaction timeout" in err
    assert "cannot be known" not in err, err
    assert "nothing was committed" in err, err
    assert sh.shell.txn().state == "idle"
    assert rows(observer, t) == []


def test_the_idle_timeout_is_recognised_without_its_sqlstate() -> None:
    """When COMMIT meets the socket the server already closed, libpq reports the
    server's FATAL text with no SQLSTATE ("consuming input failed: terminating
    connection due to idle-in-transaction timeout"): CI saw that path say
    "cannot be known". Real psycopg error objects, as the driver raises them."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from sqlshell.executors.ended import closed_while_idle

    text_only = psycopg.OperationalError(
        "consuming input failed: terminating connection due to idle-in-transaction timeout\n"
        "server closed the connection unexpectedly"
    )
    assert closed_while_idle(OperationalError("COMMIT", None, text_only))
    assert closed_while_idle(text_only)
    assert not closed_while_idle(psycopg.OperationalError("consuming input failed: server closed the connection"))
