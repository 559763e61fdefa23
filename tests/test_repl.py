"""The interactive REPL, driven through prompt_toolkit's pipe input: keys go in
as a terminal would send them, results come out of the shell's output."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.repl_harness import Repl


@pytest.fixture
def repl(db_url: str) -> Iterator[Repl]:
    r = Repl(db_url)
    yield r
    if r._thread.is_alive():  # a failed test left it running
        r.close()


def test_statement_runs_when_terminated(repl: Repl) -> None:
    repl.send("select\r41 + 1\r as answer;\r\\q\r")
    assert repl.finish() == 0
    assert " answer \n--------\n     42\n(1 row)\n" in repl.stdout.getvalue()


def test_enter_in_an_unfinished_statement_continues_it(repl: Repl) -> None:
    repl.send("select 'a;\r")  # open quote: Enter is a newline, not a run
    repl.send("b' as v;\r\\q\r")
    assert repl.finish() == 0
    # One statement whose value spans two lines (psql's "+" continuation mark).
    assert repl.stdout.getvalue() == " v  \n----\n a;+\n b\n(1 row)\n\n"


def test_ctrl_c_clears_the_line_and_ctrl_d_exits(repl: Repl) -> None:
    repl.send("select 'never run' as x")
    repl.send("\x03")  # Ctrl-C
    repl.send("select 2 as y;\r")
    repl.send("\x04")  # Ctrl-D on an empty line
    assert repl.finish() == 0
    out = repl.stdout.getvalue()
    assert "never run" not in out and " y \n---\n 2\n" in out


def test_prompt_shows_mode_and_transaction_indicator(repl: Repl) -> None:
    repl.send("\\mode connection\r")
    repl.send("begin;\r")
    repl.send("commit;\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    modes = [p.split(" ", 1)[1] for p in repl.prompt_texts]
    assert modes[:4] == ["engine> ", "connection> ", "connection*> ", "connection> "]


def test_failed_transaction_shows_bang(pg_url: str) -> None:
    repl = Repl(pg_url)
    repl.send("\\begin\rselect * from no_such_table_r;\r\\rollback\r\\q\r")
    assert repl.finish() == 0
    modes = [p.split(" ", 1)[1] for p in repl.prompt_texts]
    assert modes[:4] == ["engine> ", "connection*> ", "connection!> ", "connection> "]


def test_quitting_with_an_open_transaction_asks(repl: Repl) -> None:
    repl.send("\\begin\r\\q\r")
    repl.send("s\r")  # stay
    repl.send("\\q\r")
    repl.send("r\r")  # roll back and quit
    assert repl.finish() == 0
    err = repl.stderr.getvalue()
    assert "still here; the work stays open" in err and "ROLLBACK" in err


def test_unknown_meta_command_keeps_the_shell_going(repl: Repl) -> None:
    repl.send("\\frobnicate\rselect 5 as z;\r\\q\r")
    assert repl.finish() == 0
    assert "unknown meta-command \\frobnicate" in repl.stderr.getvalue()
    assert " z \n---\n 5\n" in repl.stdout.getvalue()


def test_quitting_with_staged_objects_asks(db_url: str, table: str) -> None:
    from support import run_cli

    run_cli([db_url, "-c", f"create table {table} (id integer primary key, name text)"])
    repl = Repl(db_url)
    repl.send(f"\\mode session\r\\add {table} id=1 name='x'\r\\q\r")
    repl.send("c\r")  # commit (flushing first) and quit
    assert repl.finish() == 0
    assert "COMMIT" in repl.stderr.getvalue()  # the answer to the question, so it was asked
    out = run_cli([db_url, "--format", "csv", "-q", "-c", f"select name from {table}", "-c", f"drop table {table}"])
    assert out.stdout.startswith("name\r\nx\r\n")
