"""The interactive experience, driven through the real REPL: completion,
editing, history, the toolbar, the pager, expanded auto and the destructive
statement question. Keys go in through prompt_toolkit's pipe input; what is
checked is what a person would see (buffer, toolbar, output) or what lands
in the database and the history file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from support import count, drop, run_cli
from support.repl_harness import Repl, TtyStringIO

from sqlshell.interactive.catalog import catalog_for
from sqlshell.interactive.history import history_path
from sqlshell.settings import Settings


@pytest.fixture
def films(observer: Engine, table: str) -> Iterator[str]:
    """A table with a title and a year, under a name no other test uses."""
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (id integer primary key, title varchar(40), year integer)"))
        conn.execute(text(f"insert into {table} values (1, 'Alien', 1979)"))
    yield table
    drop(observer, table, f"{table}_extra")


@pytest.fixture
def repls() -> Iterator[list[Repl]]:
    made: list[Repl] = []
    yield made
    for r in made:
        r.close()


def start(repls: list[Repl], url: str, **kwargs: object) -> Repl:
    r = Repl(url, **kwargs)  # type: ignore[arg-type]
    repls.append(r)
    return r


# -- completion -------------------------------------------------------------------


def test_tab_completes_a_keyword(repls: list[Repl], db_url: str) -> None:
    repl = start(repls, db_url)
    repl.type_until("sel\t", "SELECT")
    repl.line(" 1 as n;\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert " n \n---\n 1\n(1 row)\n" in repl.stdout.getvalue()


def test_tab_after_from_offers_films(repls: list[Repl], sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("create table films (title text, year integer)"))
        conn.execute(text("create table people (name text)"))
    engine.dispose()
    repl = start(repls, sqlite_url)
    repl.type_until("select * from f\t", "select * from films")
    repl.line(";\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "title | year" in repl.stdout.getvalue()


def test_table_and_column_names_on_both_databases(repls: list[Repl], db_url: str, films: str) -> None:
    repl = start(repls, db_url)
    prefix = films[:6]  # t_ and four hex digits: only this test's table
    repl.type_until(f"select * from {prefix}\t", f"select * from {films}")
    repl.type_until(" f where f.ye\t", f"select * from {films} f where f.year")
    repl.line(" = 1979;\r")
    repl.type_until(f"update {films} set yea\t", f"update {films} set year")
    repl.send("\x03")  # Ctrl-C: not run
    repl.type_until(f"update {films} set ti\t", f"update {films} set ti")
    assert repl.offered() == ["title", "TIME", "TIMESTAMP", "TIMESTAMPTZ"]
    repl.type_until("\t", f"update {films} set title")  # Tab again takes the first
    repl.type_until("\r", f"update {films} set title")  # Enter in the menu takes it (no newline)
    repl.send("\x03")
    repl.type_until(f"select * from {films} where \t", f"select * from {films} where ")
    assert repl.offered()[:3] == ["id", "title", "year"]  # columns first, then functions and keywords
    repl.send("\x03\\q\r")
    assert repl.finish() == 0
    assert "Alien" in repl.stdout.getvalue()


def test_meta_command_names_and_arguments(repls: list[Repl], db_url: str, films: str) -> None:
    repl = start(repls, db_url)
    repl.type_until("\\mo\t", "\\mode")
    repl.type_until(" con\t", "\\mode connection")
    repl.line("\r")
    assert repl.shell.mode.value == "connection"
    repl.type_until(f"\\d {films[:6]}\t", f"\\d {films}")
    repl.line("\r")
    repl.type_until(f"\\add {films} ti\t", f"\\add {films} title=")
    repl.send("\x03")
    repl.type_until("\\format gi\t", "\\format github")
    repl.send("\x03")
    repl.type_until("\\x au\t", "\\x auto")
    repl.send("\x03\\q\r")
    assert repl.finish() == 0
    assert "title" in repl.stdout.getvalue()  # \d described the table


def test_completion_follows_connect(repls: list[Repl], tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    engine = create_engine(f"sqlite:///{other}")
    with engine.begin() as conn:
        conn.execute(text("create table only_there (x integer)"))
    engine.dispose()
    repl = start(repls, f"sqlite:///{tmp_path}/first.sqlite3")
    repl.type_until("select * from only\t", "select * from only")  # not on the first database
    repl.line("\x03")  # its new prompt waited for, so the next wait is for \connect's
    repl.line(f"\\connect {other}\r")
    repl.type_until("select * from only\t", "select * from only_there")
    repl.send("\x03\\q\r")
    assert repl.finish() == 0


def test_names_are_read_again_after_ddl(repls: list[Repl], db_url: str, films: str) -> None:
    repl = start(repls, db_url)
    assert catalog_for(repl.shell.db).wait(10)
    repl.line(f"create table {films}_extra (x integer);\r")
    assert catalog_for(repl.shell.db).wait(10)
    repl.type_until(f"select x from {films}_e\t", f"select x from {films}_extra")
    repl.line(";\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "(0 rows)" in repl.stdout.getvalue()


def test_in_memory_sqlite_reads_names_on_its_one_connection(repls: list[Repl]) -> None:
    repl = start(repls, "sqlite://")
    repl.line("\\begin\r")
    repl.line("create table scratch (x integer);\r")
    repl.type_until("select * from scr\t", "select * from scratch")  # seen inside the open transaction
    repl.line(";\r")
    assert repl.toolbar.startswith(" connection │ * open ")  # reading the names ended nothing
    repl.line("\\rollback\r")
    repl.type_until("select * from scr\t", "select * from scr")  # gone with the rollback
    repl.send("\x03\\q\r")
    assert repl.finish() == 0
    assert "(0 rows)" in repl.stdout.getvalue()


# -- editing and history ------------------------------------------------------------


@pytest.mark.parametrize("keys", ["emacs", "vi"])
def test_ctrl_r_finds_an_earlier_statement(repls: list[Repl], sqlite_url: str, keys: str) -> None:
    repl = start(repls, sqlite_url, settings=Settings(interactive=True, key_bindings=keys))
    repl.line("select 7 as seven;\r")
    repl.line("select 8 as eight;\r")
    repl.send("\x12sev")  # Ctrl-R, then part of what to find
    repl.until(lambda: repl.session.app.layout.current_buffer.text == "sev", "no search")
    repl.type_until("\r", "select 7 as seven;")  # Enter takes the match into the buffer
    repl.line("\r")  # and Enter runs it
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert repl.stdout.getvalue().count(" seven \n") == 2


def test_vi_key_bindings(repls: list[Repl], sqlite_url: str) -> None:
    repl = start(repls, sqlite_url, settings=Settings(interactive=True, key_bindings="vi"))
    repl.send("xselect 3 as c;")
    repl.type_until("\x1b0x", "select 3 as c;")  # Esc, 0 (line start), x (delete a character)
    repl.line("\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert " c \n---\n 3\n" in repl.stdout.getvalue()


def test_history_file_is_private_and_has_no_password(repls: list[Repl], sqlite_url: str) -> None:
    repl = start(repls, sqlite_url, file_history=True)
    repl.line("\\connect postgresql://u:secret@127.0.0.1:1/x\r")
    repl.line("select 'ok' as fine;\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    path = history_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_text()
    assert "\\connect postgresql://u:***@127.0.0.1:1/x" in saved and "select 'ok' as fine;" in saved
    assert "secret" not in saved
    assert "secret" not in repl.stderr.getvalue()


def test_history_keeps_the_newest_entries(repls: list[Repl], sqlite_url: str) -> None:
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"\n# old\n+select {i};\n" for i in range(1, 31)))
    repl = start(repls, sqlite_url, file_history=True, settings=Settings(interactive=True, history_size=10))
    repl.type_until("\x1b[A", "select 30;")  # Up: the newest entry
    repl.line("\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    entries = [line for line in path.read_text().splitlines() if line.startswith("+")]
    assert entries == [f"+select {i};" for i in range(21, 31)] + ["+\\q"]  # a repeat of the newest is not stored again


# -- toolbar ------------------------------------------------------------------------


def test_toolbar_follows_the_transaction(repls: list[Repl], db_url: str) -> None:
    repl = start(repls, db_url)
    assert repl.toolbar.startswith(" engine │ idle │ ") and "^R search" in repl.toolbar
    repl.line("\\begin\r")
    assert repl.toolbar.startswith(" connection │ * open ")
    repl.line("\\savepoint a\r")
    assert "│ savepoints 1 │" in repl.toolbar
    repl.line("\\rollback\r")
    assert repl.toolbar.startswith(" connection │ idle │ ")
    repl.send("\\q\r")
    assert repl.finish() == 0


def test_toolbar_counts_staged_objects_in_session_mode(repls: list[Repl], db_url: str, films: str) -> None:
    repl = start(repls, db_url)
    repl.line("\\mode session\r")
    assert repl.toolbar.startswith(" session │ idle │ staged +0 ~0 -0 │ ")
    repl.line(f"\\add {films} id=2 title='Brazil' year=1985\r")
    assert "│ staged +1 ~0 -0 │" in repl.toolbar, repl.stderr.getvalue()
    repl.line("\\rollback\r")
    repl.send("\\q\r")
    assert repl.finish() == 0


def test_toolbar_shows_a_failed_transaction(repls: list[Repl], pg_url: str) -> None:
    repl = start(repls, pg_url)
    repl.line("\\begin\r")
    repl.line("select * from no_such_table_tb;\r")
    assert repl.toolbar.startswith(" connection │ ! failed ")
    repl.line("\\rollback\r")
    repl.send("\\q\r")
    assert repl.finish() == 0


# -- destructive statements ------------------------------------------------------------


def test_declining_a_delete_without_where_keeps_the_transaction(
    repls: list[Repl], db_url: str, films: str, observer: Engine
) -> None:
    repl = start(repls, db_url)
    repl.line("\\begin\r")
    repl.line(f"insert into {films} values (2, 'Brazil', 1985);\r")
    repl.send(f"delete from {films};\r")
    repl.line("n\r")
    assert "not run" in repl.stderr.getvalue()
    assert repl.toolbar.startswith(" connection │ * open ")
    repl.line("\\commit\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert count(observer, films) == 2


def test_confirmed_drop_runs_and_where_is_not_asked(
    repls: list[Repl], db_url: str, films: str, observer: Engine
) -> None:
    repl = start(repls, db_url)
    repl.line(f"delete from {films} where id = (select max(id) from {films});\r")  # a WHERE: no question
    repl.line(f"select count(*) as n from {films};\r")
    repl.send(f"drop table {films};\r")
    repl.line("y\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    out = repl.stdout.getvalue()
    assert "DELETE 1" in out and " n \n---\n 0\n" in out and "DROP TABLE" in out
    with observer.connect() as conn, pytest.raises(Exception):  # noqa: B017 - either driver's error
        conn.execute(text(f"select * from {films}"))


def test_the_question_can_be_switched_off_and_scripts_never_ask(
    repls: list[Repl], db_url: str, films: str, observer: Engine
) -> None:
    repl = start(repls, db_url, settings=Settings(interactive=True, destructive_warning=False))
    repl.line(f"update {films} set year = 1980;\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "UPDATE 1" in repl.stdout.getvalue()
    assert run_cli(["-c", f"delete from {films}", db_url]).code == 0
    assert count(observer, films) == 0


# -- results at a terminal -----------------------------------------------------------

LONG = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 30) select i from n;\r"


def test_long_and_wide_results_go_through_the_pager(
    repls: list[Repl], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("PAGER", f"cat >> {paged}")
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("COLUMNS", "40")
    repl = start(repls, sqlite_url, stdout=TtyStringIO())
    repl.line("select 1 as small;\r")
    assert not paged.exists() and " small \n" in repl.stdout.getvalue()
    repl.line(LONG)
    assert "(30 rows)" in paged.read_text() and "(30 rows)" not in repl.stdout.getvalue()
    repl.line(f"select '{'w' * 50}' as wide;\r")
    assert "w" * 50 in paged.read_text()
    repl.line("\\pager off\r")
    repl.line(LONG)
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "(30 rows)" in repl.stdout.getvalue()


def test_expanded_auto_switches_on_wide_rows(
    repls: list[Repl], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    repl = start(repls, sqlite_url)
    repl.line("\\x auto\r")
    repl.line("select 1 as a, 2 as b;\r")
    repl.line(f"select '{'v' * 40}' as a, 2 as b;\r")
    repl.line("\\x\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    out = repl.stdout.getvalue()
    assert " a | b \n---+---\n 1 | 2\n" in out
    assert "-[ RECORD 1 ]---" in out and f"\na | {'v' * 40}\nb | 2\n" in out
    # psql's answers, on stdout before the results they change; nothing on stderr
    assert out.startswith("Expanded display is used automatically.\n a | b \n")
    assert out.endswith("Expanded display is off.\n")
    assert "display is" not in repl.stderr.getvalue()


def test_at_the_prompt_o_and_on_error_stop_are_noted_on_stderr(
    repls: list[Repl], sqlite_url: str, tmp_path: Path
) -> None:
    """psql's \\o and \\set say nothing; at the prompt sqlshell notes the change on
    stderr, while \\pset's answer stays on stdout (not the \\o file), as psql's."""
    target = tmp_path / "out.txt"
    repl = start(repls, sqlite_url)
    repl.line(f"\\o {target}\r")
    repl.line("\\pset null -\r")
    repl.line("select null as n;\r")
    repl.line("\\o\r")
    repl.line("\\set ON_ERROR_STOP off\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert repl.stdout.getvalue() == 'Null display is "-".\n'
    assert target.read_text() == " n \n---\n -\n(1 row)\n\n"
    err = repl.stderr.getvalue()
    assert f"results go to {target}\n" in err and "results go to standard output\non-error is continue\n" in err


def test_scripts_do_not_load_the_interactive_modules(sqlite_url: str) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sqlshell.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['-c', 'select 1', {sqlite_url!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('prompt_toolkit', 'pygments')]\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- the pure parts, directly ---------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "want", "tables"),
    [
        ("sel", "", "keyword", ()),
        ("select * from f", "", "table", ()),
        ("select a, b", " from films join people p on p.id = 1", "column", ("films", "people")),
        ("select * from films f where f.", "", "column", ("films",)),
        ("insert into films (ti", "", "column", ("films",)),
        ("select * from films, pe", "", "table", ()),
        ("select * from films wh", "", "keyword", ()),
        ("select 'from ", "", "none", ()),
        ("select 1 -- from ", "", "none", ()),
        ("select $$ from ", "", "none", ()),
        ("select 1; delete from ", "", "table", ()),
    ],
)
def test_completion_context(before: str, after: str, want: str, tables: tuple[str, ...]) -> None:
    from sqlshell.interactive.sqlcontext import analyze

    ctx = analyze(before, after)
    assert (ctx.want, ctx.tables) == (want, tables)


@pytest.mark.parametrize(
    ("sql", "asks"),
    [
        ("drop table films", True),
        ("/* note */ TRUNCATE films", True),
        ("delete from films", True),
        ("update films set year = (select max(y) from t where t.id = 1)", True),
        ("update films set title = 'where'", True),
        ("delete from films -- where id = 1", True),
        ("delete from films where id = 1", False),
        ("update films set year = 1 where id in (select id from t)", False),
        ("select * from films", False),
        ("create table dropped (x int)", False),
    ],
)
def test_destructive_statements(sql: str, asks: bool) -> None:
    from sqlshell.sqltext.destructive import destructive_reason

    assert (destructive_reason(sql) is not None) is asks


def test_toolbar_text_is_a_function_of_the_snapshot() -> None:
    from sqlshell.executors.contract import TxnSnapshot, TxnStatus
    from sqlshell.interactive.toolbar import toolbar_text

    assert toolbar_text("engine", TxnSnapshot(TxnStatus.IDLE), hints="") == " engine │ idle"
    open_ = TxnSnapshot(TxnStatus.OPEN, savepoints=("a", "b"), age=12.4)
    assert toolbar_text("connection", open_, hints="") == " connection │ * open 12s │ savepoints 2"
    failed = TxnSnapshot(TxnStatus.FAILED, age=3.0)
    assert toolbar_text("connection", failed, hints="") == " connection │ ! failed 3s"
    staged = TxnSnapshot(TxnStatus.IDLE, staged=(1, 2, 0))
    assert toolbar_text("session", staged, hints="") == " session │ idle │ staged +1 ~2 -0"


def test_history_masks_every_url_password() -> None:
    from sqlshell.interactive.history import mask_urls

    assert mask_urls("\\c postgresql://u:pw@h/db") == "\\c postgresql://u:***@h/db"
    assert mask_urls("\\c postgresql://u@h/db") == "\\c postgresql://u@h/db"
    assert mask_urls("\\c 'host=h password=pw'") == "\\c 'host=h password=***'"


def test_delete_after_a_common_table_expression_is_destructive() -> None:
    from sqlshell.sqltext.destructive import destructive_reason

    assert destructive_reason("with x as (select 1) delete from t") is not None
    assert destructive_reason("with x as (select 1) update t set a = 1 where a in (select * from x)") is None
    assert destructive_reason("with x as (delete from t returning *) select * from x") is not None
    assert destructive_reason("with x as (delete from t where a = 1 returning *) select * from x") is None
    assert destructive_reason("with x as (select 1) update t set a = (select 1 where true)") is not None
    assert (
        destructive_reason("with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) table r")
        is None
    )
