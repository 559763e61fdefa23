"""Session mode through the real CLI, on SQLite and PostgreSQL: objects are
staged in an ORM Session, \\flush shows the SQL of the unit of work, and
another connection sees nothing until \\commit.

A scenario is one CLI run. Its standard input is a ``ProbedInput``: lines of
script, and checks that run when the shell asks for more input (so every
statement before them has run), which is how a test looks at the database
from another connection in the middle of a script."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import Run, ShellDriver, count, drop

from sqlshell.cli import cli

Item = str | Callable[[], None]


class ProbedInput(io.RawIOBase):
    """Standard input that hands the shell one line per read, and runs the
    callables between the lines."""

    def __init__(self, items: Iterable[Item]) -> None:
        self.items = list(items)
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.pending and self.items:
            item = self.items.pop(0)
            if callable(item):
                item()
            else:
                self.pending = (item + "\n").encode()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def session(url: str, items: Iterable[Item], *options: str) -> Run:
    """One run of ``sqlshell URL --mode session`` over the scripted input."""
    result = CliRunner().invoke(cli, [url, "--mode", "session", *options], input=ProbedInput(items))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    run = Run(result.stdout_bytes.decode(), result.stderr_bytes.decode(), result.exit_code)
    assert "Traceback" not in run.stdout + run.stderr
    return run


def is_pg(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def films(db_url: str, observer: Engine, table: str) -> Iterator[str]:
    """films (serial key, an interval on PostgreSQL), and casting: a composite
    key made of two foreign keys (the table shape automap maps no class for)."""
    name = f"films_{table}"
    serial, length = ("serial", "interval") if is_pg(db_url) else ("integer", "text")
    with observer.begin() as conn:
        conn.execute(
            text(
                f"create table {name} (id {serial} primary key, title varchar(40) not null, "
                f"length {length}, made date default '2020-01-01')"
            )
        )
        conn.execute(
            text(
                f"create table casting_{table} (film_id integer references {name}(id), actor_id integer "
                f"references {name}(id), primary key (film_id, actor_id))"
            )
        )
        conn.execute(text(f"create table nokey_{table} (note text)"))
    yield name
    drop(observer, f"casting_{table}", f"nokey_{table}", f"extra_{table}", name)


def titles(engine: Engine, films: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"select title from {films} order by id")).scalars())


def test_add_is_staged_then_flushed_then_committed(db_url: str, films: str, observer: Engine) -> None:
    seen: dict[str, int] = {}

    def probe(label: str) -> Callable[[], None]:
        return lambda: seen.__setitem__(label, count(observer, films))

    run = session(
        db_url,
        [
            f"\\add {films} title='Comedy' length='82 minutes'",
            "\\staged",
            "\\status",
            probe("staged"),
            f"select count(*) from {films};",
            "\\flush",
            probe("flushed"),
            "\\commit",
            probe("committed"),
        ],
    )
    assert run.code == 0, run.stderr
    assert seen == {"staged": 0, "flushed": 0, "committed": 1}
    length = "'01:22:00'" if is_pg(db_url) else "'82 minutes'"
    staged, rest = run.stdout.split(" staged ", 1)
    assert f"new    | {films} |     | title='Comedy', length={length}" in staged
    assert "1 new, 0 changed, 0 deleted" in rest
    assert f"staged objects of {films} are not flushed, so this statement does not see them" in run.stderr
    assert f"INSERT INTO {films} (title, length) VALUES" in run.stdout
    # The serial key and the server default came back with the flush.
    assert f"inserted | {films} | id=1 | id=1, title='Comedy', length={length}, made='2020-01-01'" in run.stdout
    assert "committed 1 object with the transaction" in run.stderr
    assert titles(observer, films) == ["Comedy"]


def test_get_uses_the_identity_map_and_composite_keys(
    db_url: str, films: str, table: str, observer: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"insert into {films} (title) values ('Comedy'), ('Drama')"))
        conn.execute(text(f"insert into casting_{table} values (1, 2)"))
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    run = session(
        db_url,
        ["\\echo on", f"\\get {films} 1", f"\\get {films} 1", f"\\get casting_{table} 1 2", "\\echo off"],
    )
    assert run.code == 0, run.stderr
    logged = [record.getMessage() for record in caplog.records]
    selects = [sql for sql in logged if sql.startswith("SELECT") and films in sql]
    assert len(selects) == 1, selects
    assert run.stderr.count("loaded from the database (1 SELECT)") == 2
    assert "from the identity map: no SQL sent" in run.stderr
    assert "Comedy" in run.stdout
    assert " film_id | actor_id " in run.stdout


def test_change_shows_old_and_new_and_rollback_restores(db_url: str, films: str, observer: Engine) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"insert into {films} (title) values ('Comedy'), ('Drama')"))
    seen: list[list[str]] = []
    run = session(
        db_url,
        [
            f"\\change {films} 1 title='It''s a comedy'",
            f"\\remove {films} 2",
            "\\staged",
            "\\flush",
            lambda: seen.append(titles(observer, films)),
            "\\rollback",
            f"\\get {films} 1",
        ],
    )
    assert run.code == 0, run.stderr
    assert f"changed | {films} | id=1 | title: 'Comedy' → 'It''s a comedy'" in run.stdout
    assert f"deleted | {films} | id=2 |" in run.stdout
    assert f"UPDATE {films} SET title=" in run.stdout and f"DELETE FROM {films} WHERE" in run.stdout
    assert seen == [["Comedy", "Drama"]]
    assert "discarded 2 objects (0 staged, 2 flushed)" in run.stderr
    assert run.stdout.rstrip().endswith("1 | Comedy | <null> | 2020-01-01")
    assert titles(observer, films) == ["Comedy", "Drama"]


def test_mistakes_are_one_clear_line_each(db_url: str, films: str, table: str) -> None:
    run = session(
        db_url,
        [
            f"\\add {films} titel='x'",
            f"\\add {films} made='2024-02-30'",
            f"\\add {films} title=Comedy",
            f"\\add {films} title=null",
            f"\\add {films} title='{'x' * 41}'",
            f"\\add nosuch_{table} a=1",
            f"\\add nokey_{table} note='x'",
            f"\\get casting_{table} 1",
            f"\\get {films} 99",
            f"\\add {films} made='2024-01-31'",
            "\\staged",
        ],
        "--on-error",
        "continue",
    )
    assert run.code == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("<stdin>:")]
    assert errors == [
        f"<stdin>:1: {films} has no column 'titel' (columns: id, title, length, made)",
        errors[1],
        "<stdin>:3: cannot read the value 'Comedy' (values are SQL literals: 'text' ('' for a quote), "
        "42, 4.2, null, true, false, '2024-01-31')",
        f"<stdin>:4: {films}.title (VARCHAR(40)) is NOT NULL: it cannot be null",
        f"<stdin>:5: '{'x' * 41}' does not fit {films}.title (VARCHAR(40)): 41 characters, at most 40 fit",
        errors[5],
        f"<stdin>:7: table nokey_{table} has no primary key, so the ORM cannot map it "
        "(use plain SQL for it, or give it a primary key)",
        f"<stdin>:8: the primary key of casting_{table} is (film_id, actor_id): give 2 value(s) "
        "(usage: \\get TABLE KEY …)",
        f"<stdin>:9: {films} has no row with id=99",
        f"<stdin>:10: {films} needs a value for title (NOT NULL, no default) (add title=…)",
    ]
    assert errors[1].startswith(f"<stdin>:2: '2024-02-30' does not fit {films}.made (DATE): ")
    assert errors[1].endswith("day is out of range for month" if "sqlite" in db_url else 'out of range: "2024-02-30"')
    assert errors[5].startswith(f"<stdin>:6: there is no table 'nosuch_{table}' (tables: ")
    assert "nothing is staged" in run.stderr


def test_leaving_or_ending_with_staged_work_is_refused(db_url: str, films: str, observer: Engine) -> None:
    run = session(
        db_url,
        [f"\\add {films} title='Comedy'", "\\flush", f"\\add {films} title='Drama'", "\\mode engine", "\\staged"],
        "--on-error",
        "continue",
    )
    assert run.code == 1
    assert (
        "cannot leave session mode: 1 new, 0 changed, 0 deleted objects staged; 1 flushed but not committed"
        in run.stderr
    )
    assert "title='Drama'" in run.stdout  # still staged after the refusal
    assert (
        "end of input: rolled back: 1 new, 0 changed, 0 deleted objects staged; 1 flushed but not committed"
        in run.stderr
    )
    assert count(observer, films) == 0


def test_failed_flush_needs_rollback_and_savepoints_keep_earlier_work(db_url: str, films: str) -> None:
    run = session(
        db_url,
        [
            f"\\add {films} title='Comedy'",
            "\\savepoint before_dup",
            f"\\add {films} id=1 title='Duplicate'",
            "\\flush",
            "select 1;",
            "\\rollback before_dup",
            f"\\add {films} title='Drama'",
            "\\commit",
            f"select title from {films} order by id;",
        ],
        "--on-error",
        "continue",
    )
    assert "begin_nested() flushed the staged objects:" in run.stderr
    assert "the flush failed, so SQLAlchemy rolled back to savepoint before_dup: the work since is lost" in run.stderr
    assert "a flush failed, so the session refuses all work until it is rolled back" in run.stderr
    assert "committed 2 objects with the transaction" in run.stderr
    assert " Comedy\n Drama\n(2 rows)" in run.stdout


def test_autoflush_and_ddl_in_the_session(db_url: str, films: str, table: str, observer: Engine) -> None:
    extra = f"extra_{table}"
    run = session(
        db_url,
        [
            "\\autoflush on",
            f"\\add {films} title='Comedy'",
            f"select title from {films};",
            f"create table {extra} (id integer primary key, note text);",
            f"\\add {extra} id=7 note='made in this transaction'",
            "\\commit",
            "\\refresh",
        ],
    )
    assert run.code == 0, run.stderr
    assert "autoflush:" in run.stderr and " Comedy\n(1 row)" in run.stdout
    assert count(observer, extra) == 1
    unmapped = next(line for line in run.stderr.splitlines() if line.startswith("without a primary key"))
    assert f"nokey_{table}" in unmapped


def test_prompt_counts_staged_objects_and_typed_sql_ends_the_transaction(
    db_url: str, films: str, observer: Engine, shell_driver: Callable[..., ShellDriver]
) -> None:
    with observer.begin() as conn:
        conn.execute(text(f"insert into {films} (title) values ('Comedy')"))
    sh = shell_driver(db_url)
    sh.run("\\mode session")
    assert sh.prompt.endswith(" session +0 ~0 -0> ")
    _, err = sh.run(f"\\add {films} title='A'\n\\add {films} title='B'\n\\change {films} 1 title='Drama'")
    # \change read film 1: the transaction that read it is open on the server, and shown so
    assert sh.prompt.endswith(" session +2 ~1 -0*> ")
    assert "the session's transaction is open on the server" in err and "until \\commit or \\rollback" in err
    _, err = sh.run("BEGIN;")
    assert "the session had begun its transaction to read" in err  # \change loaded film 1
    out, err = sh.run("\\flush")
    assert sh.prompt.endswith(" session +0 ~0 -0*> "), out + err
    assert sh.prompt.endswith(" session +0 ~0 -0*> ")
    out, _ = sh.run("COMMIT;")
    assert "COMMIT" in out and sh.prompt.endswith(" session +0 ~0 -0> ")
    assert titles(observer, films) == ["Drama", "A", "B"]


def test_single_transaction_in_session_mode_commits(db_url: str, table: str) -> None:
    from support import run_cli

    run_cli([db_url, "-c", f"create table {table} (id integer primary key, name text)"])
    r = run_cli(
        [db_url, "--mode", "session", "-1"], input=f"\\add {table} id=1 name='a'\n\\add {table} id=2 name='b'\n"
    )
    assert r.code == 0, r.stderr
    out = run_cli([db_url, "--format", "csv", "-q", "-c", f"select count(*) from {table}", "-c", f"drop table {table}"])
    assert out.stdout.startswith("count(*)\r\n2\r\n") or out.stdout.startswith("count\r\n2\r\n")
