"""\\txn, \\pool, \\locks, \\objects and \\trace: what they show is checked
against an independent connection (the server's own pg_locks, pids, row
counts), on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import count, drop, run_cli


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql" if url.startswith("postgresql") else "mariadb"


def key_type(url: str) -> str:
    return {"sqlite": "integer", "postgresql": "serial", "mariadb": "int auto_increment"}[backend(url)]


@pytest.fixture
def films(txn_url: str, txn_observer: Engine, table: str) -> str:
    """The README's films table (with a key, so session mode can map it); no datalog table."""
    name = f"films_{table}"
    with txn_observer.begin() as conn:
        conn.execute(
            text(f"create table {name} (id {key_type(txn_url)} primary key, title varchar(40), length varchar(20))")
        )
    yield name
    drop(txn_observer, name)


def table_rows(out: str) -> list[list[str]]:
    """The data rows of the aligned tables in ``out``, cells stripped."""
    return [[c.strip() for c in line.split("|")] for line in out.splitlines() if "|" in line and "---" not in line]


def scalar(out: str) -> int:
    """The one number a one-column, one-row result shows."""
    match = re.search(r"^\s*(\d+)\s*$", out, re.M)
    assert match, out
    return int(match.group(1))


# -- \txn --------------------------------------------------------------------------------


def test_txn_outside_a_transaction_is_one_line(txn_url: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    out, _ = sh.run("\\txn")
    assert out == "no transaction is open (engine mode: each statement commits by itself)\n"
    sh.run("\\mode connection")
    out, _ = sh.run("\\txn")
    assert out == "no transaction is open\n"


def test_txn_tells_the_story_with_real_counts(txn_url: str, films: str, txn_observer: Engine, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\mode connection")
    sh.run("\\begin serializable" if backend(txn_url) != "sqlite" else "\\begin")
    sh.run(f"insert into {films} (title, length) values ('Comedy', '82 minutes');")
    sh.run("\\savepoint a")
    sh.run(f"insert into {films} (title, length) values ('Drama', '90 minutes'), ('Noir', '95 minutes');")
    sh.run(f"update {films} set length = '85 minutes';")
    sh.run("rollback to savepoint a;")
    sh.run(f"select * from {films};")
    out, _ = sh.run("\\txn")
    rows = {r[3]: r for r in table_rows(out)}
    first = next(r for s, r in rows.items() if "'Comedy'" in s)
    assert first[3].startswith(f"insert into {films} (title, length) values")
    assert first[4:6] == ["INSERT 0 1", "1"] and first[6] == ""
    second = next(r for s, r in rows.items() if "'Drama'" in s)
    assert second[5] == "2" and second[6] == "undone by ROLLBACK TO a"
    update = rows[f"update {films} set length = '85 minutes'"]
    assert update[5] == "3" and update[6] == "undone by ROLLBACK TO a"  # 3 rows existed when it ran
    assert rows["SAVEPOINT a"][0] == "──" and rows["ROLLBACK TO a"][0] == "◀─"
    assert rows[f"select * from {films}"][5] == "1"
    expected = "SERIALIZABLE" if backend(txn_url) == "sqlite" else "SERIALIZABLE (begun as SERIALIZABLE)"
    assert f"isolation in force: {expected}" in out
    assert re.search(r"^transaction open, open \d+\.\ds \(since \d\d:\d\d:\d\d\.\d{3}\)$", out, re.M)
    sh.run("\\commit")
    assert count(txn_observer, films) == 1  # the story's counts were the real ones: 1 survived
    out, _ = sh.run("\\txn")
    assert out == "no transaction is open\n"


def test_txn_isolation_is_the_servers(txn_url: str, films: str, shell_driver) -> None:
    if backend(txn_url) == "sqlite":
        pytest.skip("SQLite has one level")
    sh = shell_driver(txn_url)
    sh.run("\\mode connection\n\\begin read committed")
    sh.run(f"select * from {films};")
    out, _ = sh.run("\\txn")
    assert "isolation in force: READ COMMITTED (begun as READ COMMITTED)" in out


def test_txn_in_session_mode_shows_flushes_and_failed_statements(txn_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\mode session")
    sh.run(f"\\add {films} title='Comedy' length='82 minutes'")
    sh.run("\\flush")
    sh.run(f"insert into datalog_{films} values ('added a comedy');")
    out, _ = sh.run("\\txn")
    rows = table_rows(out)
    kinds = [(r[0], r[3], r[4]) for r in rows[1:]]
    assert kinds[0] == ("~", "flush: 1 new, 0 changed, 0 deleted", "")
    assert kinds[1][0] == "1" and kinds[1][2] == "ERROR" and f"datalog_{films}" in kinds[1][1]
    sh.run("\\rollback")


def test_txn_in_session_mode_marks_what_a_rollback_to_undid(txn_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\mode session\n\\begin")
    sh.run(f"\\add {films} title='Comedy'")
    sh.run("\\savepoint s")  # begin_nested() flushes first
    sh.run(f"\\add {films} title='Drama'")
    sh.run("\\flush")
    sh.run("\\rollback s")
    out, _ = sh.run("\\txn")
    rows = [(r[0], r[3], r[6]) for r in table_rows(out)[1:]]
    assert rows == [
        ("1", "\\begin", ""),
        ("~", "flush: 1 new, 0 changed, 0 deleted", ""),
        ("──", "SAVEPOINT s", ""),
        ("~", "flush: 1 new, 0 changed, 0 deleted", "undone by ROLLBACK TO s"),
        ("◀─", "ROLLBACK TO s", ""),
    ]
    sh.run("\\rollback")


def test_story_costs_nothing_outside_a_transaction(txn_url: str, films: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run(f"insert into {films} (title) values ('a');")
    sh.run("\\mode connection")
    sh.run(f"insert into {films} (title) values ('b');")
    assert sh.shell.story.entries == [] and sh.shell.story.key is None


# -- \pool -------------------------------------------------------------------------------


def test_pool_shows_the_backends_real_id(txn_url: str, txn_observer: Engine, shell_driver) -> None:
    sh = shell_driver(txn_url)
    sh.run("\\mode connection")
    out, _ = sh.run("\\pool")
    assert re.search(r"^QueuePool: size 5, overflow 0 \(at most 10\), checked in 0, checked out 1$", out, re.M)
    rows = table_rows(out)[1:]
    assert len(rows) == 1 and rows[0][1] == "held by connection mode"
    kind = backend(txn_url)
    if kind == "sqlite":
        assert rows[0][0] == "-"
        return
    ask = "select pg_backend_pid();" if kind == "postgresql" else "select connection_id();"
    own, _ = sh.run(ask)
    pid = scalar(own)
    assert rows[0][0] == str(pid)
    seen = (
        "select count(*) from pg_stat_activity where pid = :pid and application_name = 'sqlshell'"
        if kind == "postgresql"
        else "select count(*) from information_schema.processlist where id = :pid"
    )
    with txn_observer.connect() as conn:
        assert conn.execute(text(seen), {"pid": pid}).scalar() == 1
    sh.run("\\mode engine")
    out, _ = sh.run("\\pool")
    if kind == "mariadb":  # leaving connection mode closes it: pymysql cannot reset a session
        assert str(pid) not in [row[0] for row in table_rows(out)[1:]]
        return
    assert table_rows(out)[1][:2] == [str(pid), "checked in"]  # reset (DISCARD ALL), then pooled


def test_pool_says_who_holds_the_session_connection(db_url: str, shell_driver, table: str) -> None:
    sh = shell_driver(db_url)
    sh.run(f"create table {table} (id integer primary key);")
    try:
        sh.run("\\mode session")
        sh.run(f"insert into {table} values (1);")
        out, _ = sh.run("\\pool")
        assert "held by the session" in out
        sh.run("\\rollback")
    finally:
        sh.run("\\mode engine")
        sh.run(f"drop table {table};")


# -- \locks ------------------------------------------------------------------------------


def _ask(engine: Engine, sql: str) -> int:
    """A fresh connection each time: no snapshot of an earlier question."""
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _wait_until(check, timeout: float = 10.0, why=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out {why()}"
        time.sleep(0.25)  # InnoDB refreshes its INFORMATION_SCHEMA cache only after 0.1 s without a read


def test_locks_on_postgresql_are_pg_locks(pg_url: str, shell_driver, table: str) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    observer = create_engine(sqlalchemy_url(pg_url))
    sh = shell_driver(pg_url)
    sh.run(f"create table {table} (id int primary key, v text); insert into {table} values (1, 'a');")
    blocked: list[Exception] = []
    worker = threading.Thread()
    try:
        sh.run("\\mode connection\n\\begin")
        sh.run(f"update {table} set v = 'b' where id = 1;")
        pid = scalar(sh.run("select pg_backend_pid();")[0])

        def other() -> None:
            with observer.connect() as conn:
                conn.execute(text("set lock_timeout = '20s'"))
                try:
                    conn.execute(text(f"update {table} set v = 'c' where id = 1"))
                    conn.commit()
                except Exception as exc:  # the test says below that it must not fail
                    blocked.append(exc)

        worker = threading.Thread(target=other)
        worker.start()
        blocked_by_us = f"select count(*) from pg_stat_activity where {pid} = any(pg_blocking_pids(pid))"
        _wait_until(lambda: _ask(observer, blocked_by_us) > 0)
        with observer.connect() as conn:
            other_pid = conn.execute(
                text("select pid from pg_stat_activity where :pid = any(pg_blocking_pids(pid))"), {"pid": pid}
            ).scalar_one()
            out, _ = sh.run("\\locks")
            expected = {
                (t, o, m, "granted" if g else "WAITING")
                for t, o, m, g in conn.execute(
                    text(
                        "select locktype, coalesce(relation::regclass::text, transactionid::text, virtualxid, ''),"
                        " mode, granted from pg_locks where pid = :pid"
                    ),
                    {"pid": pid},
                )
            }
        assert f"backend pid {pid}" in out
        section = out.split("locks (pg_locks):", 1)[1].split("other backends:", 1)[0]
        shown = {tuple(r) for r in table_rows(section)[1:]}
        assert shown == expected
        assert ("relation", table, "RowExclusiveLock", "granted") in shown
        others = table_rows(out.split("other backends:", 1)[1])[1:]
        assert others[0][:2] == [str(other_pid), "waits for this connection"]
        assert others[0][3] == f"{table} ShareLock" or others[0][3].startswith(table) or others[0][3] == ""
        assert f"update {table} set v = 'c'" in others[0][4]
    finally:
        sh.run("\\rollback")
        if worker.ident is not None:
            worker.join(30)
        observer.dispose()
        sh.run("\\mode engine")
        sh.run(f"drop table {table};")
    assert not blocked


def test_locks_on_mariadb_are_innodbs(mysql_url: str, shell_driver, table: str) -> None:
    from sqlalchemy import create_engine

    observer = create_engine(mysql_url)
    sh = shell_driver(mysql_url)
    sh.run(f"create table {table} (id int primary key, v text) engine=innodb;")
    sh.run(f"insert into {table} values (1, 'a');")
    worker = threading.Thread()
    try:
        sh.run("\\mode connection\n\\begin")
        sh.run(f"update {table} set v = 'b' where id = 1;")
        conn_id = scalar(sh.run("select connection_id();")[0])

        def other() -> None:
            with observer.connect() as conn:
                conn.execute(text("set innodb_lock_wait_timeout = 20"))
                conn.execute(text(f"update {table} set v = 'c' where id = 1"))
                conn.commit()

        worker = threading.Thread(target=other)
        worker.start()
        _wait_until(
            lambda: _ask(observer, "select count(*) from information_schema.innodb_lock_waits") > 0,
            why=lambda: repr(_rows(observer, "select id, command, state, info from information_schema.processlist")),
        )
        with observer.connect() as conn:
            trx_id, rows_locked = conn.execute(
                text("select trx_id, trx_rows_locked from information_schema.innodb_trx where trx_mysql_thread_id=:i"),
                {"i": conn_id},
            ).one()
            waiter = conn.execute(
                text(
                    "select r.trx_mysql_thread_id from information_schema.innodb_lock_waits w "
                    "join information_schema.innodb_trx r on r.trx_id = w.requesting_trx_id"
                )
            ).scalar_one()
            out, _ = sh.run("\\locks")
        assert f"connection id {conn_id}" in out
        trx = table_rows(out.split("InnoDB transaction (INNODB_TRX):", 1)[1])[1]
        assert trx[0] == str(trx_id) and trx[1] == "RUNNING" and trx[5] == str(rows_locked)
        waits = table_rows(out.split("lock waits (INNODB_LOCK_WAITS):", 1)[1])[1]
        assert waits[:2] == [str(waiter), "waits for this connection"] and table in waits[2]
        assert "metadata_lock_info plugin is not installed" in out
    finally:
        sh.run("\\rollback")
        if worker.ident is not None:
            worker.join(30)
        observer.dispose()
        sh.run("\\mode engine")
        sh.run(f"drop table {table};")


def test_locks_on_sqlite_probe_the_file(sqlite_url: str, shell_driver) -> None:
    sh = shell_driver(sqlite_url)
    sh.run("create table t (x int);\n\\mode connection")
    out, _ = sh.run("\\locks")
    assert "this connection holds no lock" in out and "the file has no writer" in out
    sh.run("\\begin\ninsert into t values (1);")
    out, _ = sh.run("\\locks")
    assert "this connection is in a transaction" in out and "a writer holds the file" in out
    import sqlite3

    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("begin immediate")  # what \locks said, seen by another connection
    other.close()
    sh.run("\\rollback")


def test_locks_in_engine_mode_hold_nothing(pg_url: str, shell_driver) -> None:
    out, _ = shell_driver(pg_url).run("\\locks")
    assert out.startswith("no connection is held")


# -- \objects ------------------------------------------------------------------------------


def test_objects_shows_every_state(txn_url: str, films: str, txn_observer: Engine, shell_driver) -> None:
    with txn_observer.begin() as conn:
        conn.execute(text(f"insert into {films} (title, length) values ('Drama', '90 minutes'), ('Noir', '95')"))
        ids = [r[0] for r in conn.execute(text(f"select id from {films} order by id"))]
    sh = shell_driver(txn_url)
    out, err = sh.run("\\objects")
    assert "works in session mode" in err
    sh.run("\\mode session")
    assert sh.run("\\objects")[0] == "the session holds no objects\n"
    sh.run(f"\\add {films} title='Comedy' length='82 minutes'")
    sh.run(f"\\get {films} {ids[0]}")
    sh.run(f"\\change {films} {ids[0]} length='85 minutes'")
    sh.run(f"\\remove {films} {ids[1]}")
    out, _ = sh.run("\\objects")
    assert "3 objects in the session" in out
    rows = {r[0]: r for r in table_rows(out)[1:]}
    assert rows["pending (INSERT at the next flush)"][1:5] == [films, "", "title='Comedy', length='82 minutes'", "no"]
    dirty = rows["persistent dirty (UPDATE at the next flush)"]
    assert dirty[2:5] == [f"id={ids[0]}", "length: '90 minutes' → '85 minutes'", "no"]
    assert rows["persistent, marked for deletion (DELETE at the next flush)"][2] == f"id={ids[1]}"
    sh.run("\\flush")
    out, _ = sh.run("\\objects")
    rows = {r[0]: r for r in table_rows(out)[1:]}
    assert rows["deleted (flushed DELETE, gone at COMMIT)"][2] == f"id={ids[1]}"
    flushed = [r for r in table_rows(out)[1:] if r[0] == "persistent clean (flushed, not yet committed)"]
    assert len(flushed) == 2 and f"id={ids[0]}" in [r[2] for r in flushed]
    sh.run("\\commit")
    with txn_observer.connect() as conn:
        new_id = conn.execute(text(f"select id from {films} where title = 'Comedy'")).scalar_one()
    out, _ = sh.run("\\objects")
    rows = table_rows(out)[1:]
    assert sorted(r[2] for r in rows) == sorted([f"id={ids[0]}", f"id={new_id}"])
    assert all(r[0] == "persistent clean" and r[4] == "all: the next access reloads them" for r in rows)
    assert all(r[3] == "" for r in rows)  # looking did not load the expired values


# -- \trace --------------------------------------------------------------------------------

SCRIPTS = {
    "engine": "\\trace on\n{insert}\n{fail}\n",
    "connection": "\\mode connection\n\\trace on\n\\begin\n{insert}\n{fail}\n\\rollback\n",
    "session": (
        "\\mode session\n\\trace on\n\\add {films} title='Comedy' length='82 minutes'\n\\flush\n{fail}\n\\rollback\n"
    ),
}


def trace_lines(err: str) -> list[str]:
    return [line.removeprefix("trace: ") for line in err.splitlines() if line.startswith("trace: ")]


@pytest.mark.parametrize("mode", ["engine", "connection", "session"])
def test_trace_shows_how_the_modes_differ(
    mode: str, txn_url: str, films: str, txn_observer: Engine, tmp_path: Path
) -> None:
    script = tmp_path / "films.sql"
    insert = f"insert into {films} (title, length) values ('Comedy', '82 minutes');"
    fail = "insert into datalog values ('added a comedy');"
    script.write_text(SCRIPTS[mode].format(insert=insert, fail=fail, films=films))
    result = run_cli([txn_url, "-f", str(script), "--on-error", "continue"])
    assert result.code == 1
    lines = trace_lines(result.stderr)
    kind = backend(txn_url)
    checkouts = [line for line in lines if line.startswith("pool checkout")]
    begins = [line for line in lines if line.startswith("BEGIN on")]
    if mode == "engine":
        # each statement borrows a connection and gives it back; nothing is ever BEGUN
        assert len(checkouts) == 2 and sum(line.startswith("pool checkin") for line in lines) == 2
        assert begins == []
        assert lines[0].startswith("statement: insert into films_") and "engine mode" in lines[0]
        assert lines[1].startswith("pool checkout")
        assert count(txn_observer, films) == 1  # the first insert was committed as it ran
    elif mode == "connection":
        # one held connection (checked out before the trace began), one BEGIN, one ROLLBACK
        assert checkouts == []
        assert len(begins) == 1 and ("SERIALIZABLE" if kind == "sqlite" else "isolation") in begins[0]
        assert sum(line.startswith("ROLLBACK on") for line in lines) == 1
        assert lines.index(begins[0]) < next(i for i, line in enumerate(lines) if line.startswith("ROLLBACK on"))
        assert count(txn_observer, films) == 0
    else:
        # the session begins by itself at the flush, and shows the unit of work's INSERT
        flush = next(i for i, line in enumerate(lines) if line.startswith("session flush: 1 new"))
        began = next(i for i, line in enumerate(lines) if line.startswith("session begins its transaction"))
        sent = next(i for i, line in enumerate(lines) if line.startswith(f"SQL sent: INSERT INTO {films}"))
        assert flush < began < sent
        assert len(begins) == 1
        assert any(line.startswith("session rolled back") for line in lines)
        assert count(txn_observer, films) == 0
    assert any(line.startswith("statement: insert into datalog") for line in lines)


def test_trace_off_removes_every_listener(sqlite_url: str, shell_driver) -> None:
    sh = shell_driver(sqlite_url)
    sh.run("\\trace on")
    _, err = sh.run("select 1;")
    assert "trace: pool checkout" in err
    sh.run("\\trace off")
    _, err = sh.run("select 1;")
    assert "trace:" not in err
    assert sh.shell.trace is None


# -- the lock-wait hint --------------------------------------------------------------------


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_a_statement_waiting_on_a_lock_says_who_holds_it(server: str, request, shell_driver, table: str) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url

    from sqlshell.interactive import lockwatch
    from sqlshell.interactive.toolbar import toolbar_text

    url = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")
    blocker = create_engine(sqlalchemy_url(url))
    sh = shell_driver(url)
    sh.run(f"create table {table} (id int primary key, v text);")
    sh.run(f"insert into {table} values (1, 'a');")
    # MariaDB: the watcher reads INNODB_LOCK_WAITS, a cache InnoDB refreshes when it likes (slow under load)
    timeout = "set lock_timeout = '3s';" if server == "postgresql" else "set innodb_lock_wait_timeout = 6;"
    try:
        sh.run(f"\\mode connection\n{timeout}")
        with blocker.connect() as conn:
            ask = "select pg_backend_pid()" if server == "postgresql" else "select connection_id()"
            ident = conn.execute(text(ask)).scalar_one()
            conn.execute(text(f"update {table} set v = 'held' where id = 1"))
            with lockwatch.watching(sh.shell, after=0.5, every=0.5):
                _, err = sh.run(f"update {table} set v = 'mine' where id = 1;")
            conn.rollback()
        who = "pid" if server == "postgresql" else "connection"
        assert re.search(rf"^waiting \ds for a lock held by {who} {ident} \(", err, re.M), err
        assert "lock wait timeout" in err.lower() or "canceling statement due to lock timeout" in err
        bar = toolbar_text("connection", sh.shell.txn(), lock_wait=lockwatch.last.label())
        assert f"last statement waited for {who} {ident}" in bar
    finally:
        blocker.dispose()
        sh.run("\\mode engine")
        sh.run(f"drop table {table};")


def test_the_repl_tells_a_lock_wait_and_the_toolbar_keeps_it(
    pg_url: str, table: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sqlalchemy import create_engine
    from support import sqlalchemy_url
    from support.repl_harness import Repl

    from sqlshell.interactive import lockwatch

    monkeypatch.setattr(lockwatch, "AFTER", 0.3)
    monkeypatch.setattr(lockwatch, "EVERY", 0.3)
    blocker = create_engine(sqlalchemy_url(pg_url))
    with blocker.begin() as conn:
        conn.execute(text(f"create table {table} (id int primary key, v text)"))
        conn.execute(text(f"insert into {table} values (1, 'a')"))
    repl = Repl(pg_url)
    try:
        with blocker.connect() as conn:
            pid = conn.execute(text("select pg_backend_pid()")).scalar_one()
            conn.execute(text(f"update {table} set v = 'held' where id = 1"))
            repl.send(f"update {table} set v = 'mine' where id = 1;\r")
            repl.until(lambda: "waiting" in repl.stderr.getvalue(), "the wait was not told")
            conn.rollback()  # the statement goes on
        before = repl.prompts
        repl.until(lambda: repl._drawn_for > before or "UPDATE 1" in repl.stdout.getvalue(), "no UPDATE")
        assert re.search(
            rf"waiting \ds for a lock held by pid {pid} \(idle in transaction: update {table}", repl.stderr.getvalue()
        )
        repl.line("select 1;\r")  # a prompt drawn after the wait: the toolbar keeps it until the next statement
        repl.send("\x04")
        repl.finish()
        assert any(f"last statement waited for pid {pid}" in bar for bar in repl.toolbars)
        # A script never watches: the same wait says nothing but its own error.
        with blocker.connect() as conn:
            conn.execute(text(f"update {table} set v = 'held' where id = 1"))
            result = run_cli(
                [pg_url, "-c", "set lock_timeout = '1s'", "-c", f"update {table} set v = 'x' where id = 1"]
            )
            conn.rollback()
        assert result.code == 1 and "lock timeout" in result.stderr and "waiting" not in result.stderr
    finally:
        repl.close()
        drop(blocker, table)
        blocker.dispose()
