"""A REPL that guides, driven at the real prompt (tests/support/repl_harness.py):
the continuation prompt, meta-commands on continuation lines, help/quit/exit,
"did you mean", \\? and \\? COMMAND, the quit question for a failed
transaction, \\e, \\i's count of skipped statements, the \\if prompt."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.history import InMemoryHistory
from support.repl_harness import Repl

from sqlshell.interactive.assist import HELP


@pytest.fixture
def repl(db_url: str) -> Iterator[Repl]:
    r = Repl(db_url)
    yield r
    if r._thread.is_alive():
        r.close()


def _continuation(repl: Repl, line: int) -> str:
    """The continuation prompt the session draws before ``line`` (0-based) of the buffer."""
    return repl.session.prompt_continuation(16, line, 0)


def test_continuation_prompt_says_what_is_open(repl: Repl) -> None:
    repl.type_until("select 'it\r", "select 'it\n")
    assert _continuation(repl, 1) == "             '> "
    repl.type_until("s', (1,\r", "select 'it\ns', (1,\n")
    assert _continuation(repl, 2) == "             (> "
    repl.type_until("2), $$ body\r", "select 'it\ns', (1,\n2), $$ body\n")
    assert _continuation(repl, 3) == "            $$> "
    repl.type_until('$$, "col\r', "select 'it\ns', (1,\n2), $$ body\n$$, \"col\n")
    assert _continuation(repl, 4) == '             "> '
    repl.type_until('" /* note\r', "select 'it\ns', (1,\n2), $$ body\n$$, \"col\n\" /* note\n")
    assert _continuation(repl, 5) == "            /*> "
    repl.type_until("*/\r", "select 'it\ns', (1,\n2), $$ body\n$$, \"col\n\" /* note\n*/\n")
    assert _continuation(repl, 6) == "             -> "
    repl.send("\x03")  # Ctrl-C: nothing ran
    repl.type_until("copy t from stdin;\r1\r", "copy t from stdin;\n1\n")
    assert _continuation(repl, 1) == _continuation(repl, 2) == "          data> "
    repl.line("\x03")  # its new prompt waited for, so the next wait is for the statement's
    repl.line("select 1 as a;\r")
    assert _continuation(repl, 1) == "             -> "  # a fresh statement
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert repl.stdout.getvalue() == " a \n---\n 1\n(1 row)\n\n"


def test_a_meta_command_on_a_continuation_line_runs_at_once(repl: Repl) -> None:
    repl.type_until("select 1 as a,\r", "select 1 as a,\n")
    before = repl.prompts
    repl.line("\\x\r")  # runs now; the statement waits at the next prompt
    assert repl.prompts == before + 1
    assert repl.stdout.getvalue().startswith("Expanded display is on.\n")  # psql's answer, on stdout
    repl.until(lambda: repl.buffer == "select 1 as a,\n", lambda: f"buffer is {repl.buffer!r}")
    repl.line("2 as b;\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert repl.stdout.getvalue().startswith("Expanded display is on.\n-[ RECORD 1 ]\na | 1\nb | 2\n")


def test_a_backslash_inside_a_quote_on_a_continuation_line_is_text(repl: Repl) -> None:
    repl.type_until("select 'a\r\\x\r", "select 'a\n\\x\n")
    repl.line("' as v;\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "display is" not in repl.stderr.getvalue() + repl.stdout.getvalue()
    assert " a +\n \\x+\n" in repl.stdout.getvalue()


def test_help_quit_and_exit_as_psql_11(repl: Repl) -> None:
    repl.line("help\r")
    assert repl.stdout.getvalue() == HELP
    repl.type_until("select\rquit\r", "select\nquit\n")  # inside a statement: a hint, the line stays
    repl.until(lambda: "Use \\q to quit." in repl.stderr.getvalue(), "no quit hint")
    repl.type_until("help\r", "select\nquit\nhelp\n")
    repl.until(lambda: "Use \\? for help or press Ctrl-C" in repl.stderr.getvalue(), "no help hint")
    repl.line("\x03")  # Ctrl-C clears the input (waited for: its new prompt must not be taken for the next)
    repl.type_until(" quit\r", " quit\n")  # indented: not the word (an unfinished statement)
    repl.send("\x03")
    repl.send("EXIT;\r")
    assert repl.finish() == 0


def test_did_you_mean(repl: Repl) -> None:
    repl.line("\\comit\r")
    repl.line("\\H\r")
    repl.line("\\? comit\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    err = repl.stderr.getvalue()
    assert "unknown meta-command \\comit (did you mean \\commit?)" in err
    assert "(in sqlshell: \\format html)" in err
    assert "no meta-command \\comit (did you mean \\commit?)" in err


def test_help_is_grouped_and_fits_80_columns(repl: Repl) -> None:
    repl.line("\\?\r")
    listing = repl.stdout.getvalue()
    repl.line("\\? mode\r")
    one = repl.stdout.getvalue()[len(listing) :]
    repl.send("\\q\r")
    assert repl.finish() == 0
    lines = listing.splitlines()
    assert max(len(line) for line in lines) <= 80
    for group in ("General", "Transactions", "Scripts"):
        assert group in lines  # a heading of its own, once
    assert "  \\if EXPR" in listing and "group" not in lines[0]
    commands = repl.shell.registry.commands
    assert all(c.usage in listing for c in commands)
    assert one.startswith("\\mode [engine|connection|session]\n  show or switch how statements run")


def test_quit_question_offers_no_commit_for_a_failed_transaction(pg_url: str) -> None:
    repl = Repl(pg_url)
    repl.line("\\begin\r")
    repl.line("select * from no_such_table_guiding;\r")
    repl.send("\\q\r")
    repl.send("c\r")  # not offered: asked again
    repl.send("r\r")
    assert repl.finish() == 0
    err = repl.stderr.getvalue()
    assert "it can only be rolled back" in err and "ROLLBACK" in err and "COMMIT" not in err


def test_quit_question_still_offers_commit_for_a_good_transaction(pg_url: str, table: str) -> None:
    repl = Repl(pg_url)
    repl.line(f"\\begin\rcreate table {table} (a int);\r")
    repl.send("\\q\rr\r")
    assert repl.finish() == 0
    assert "ROLLBACK" in repl.stderr.getvalue()


def test_e_echoes_what_it_runs_and_adds_it_to_history(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", shlex.join(["sh", "-c", 'echo "select 42 as edited;" > "$1"', "sh"]))
    history = InMemoryHistory()
    repl = Repl(sqlite_url, history=history)
    repl.line("select 1 as y;\r")
    repl.line("\\e\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "select 42 as edited;\n edited \n--------\n     42\n" in repl.stdout.getvalue()
    assert "select 42 as edited;" in history.get_strings()


def test_i_says_how_many_statements_it_skipped(repl: Repl, tmp_path: Path) -> None:
    script = tmp_path / "bad.sql"
    script.write_text("select 1 as one;\nselect nope;\nselect 2;\n\\echo x\nselect 3;\n")
    repl.line(f"\\i {script}\r")
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert f"{script}: 3 more statements were not run after the error" in repl.stderr.getvalue()


def test_prompt_shows_a_skipped_if_branch(repl: Repl) -> None:
    for line in ("\\if false\r", "select 1 as never;\r", "\\else\r", "\\if yes\r", "\\endif\r", "\\endif\r"):
        repl.line(line)
    repl.send("\\q\r")
    assert repl.finish() == 0
    marks = ["[skipping]" in p for p in repl.prompt_texts[:7]]
    assert marks == [False, True, True, False, False, False, False]
    assert "never" not in repl.stdout.getvalue()


def test_a_destructive_statement_in_a_skipped_branch_is_not_asked_about(repl: Repl, table: str) -> None:
    repl.line("\\if false\r")
    repl.line(f"drop table {table};\r")  # would wait for y/N if it were going to run
    repl.line("\\endif\r")  # (had a question been asked, this line would be its answer)
    repl.send("\\q\r")
    assert repl.finish() == 0
    assert "not run" not in repl.stderr.getvalue()
    assert "[skipping]" not in repl.prompt_texts[-1]


def test_watch_at_the_prompt(repl: Repl) -> None:
    repl.line("select 3 as w \\watch i=0 c=2\r")
    repl.line("\\watch c=1 0\r")  # alone: the previous query again
    repl.send("\\q\r")
    assert repl.finish() == 0
    out = repl.stdout.getvalue()
    assert out.count("(every 0s)\n\n w \n---\n 3\n(1 row)\n") == 3


class Terminal:
    """The real sqlshell on a pseudo-terminal: Ctrl-C is a real SIGINT from the
    terminal, as a person sends it."""

    def __init__(self, url: str) -> None:
        import os
        import pty
        import sys

        from support import sqlalchemy_url

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}  # no wait for a cursor-position answer
            os.execvpe(sys.executable, [sys.executable, "-m", "sqlshell", sqlalchemy_url(url), "-X"], env)
        self.seen = b""

    def until(self, pattern: bytes, timeout: float = 40) -> None:
        import os
        import re
        import select
        import time

        deadline = time.monotonic() + timeout
        while not re.search(pattern, re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", self.seen)):
            assert time.monotonic() < deadline, f"waited for {pattern!r}; the screen: {self.seen[-400:]!r}"
            if select.select([self.fd], [], [], 0.1)[0]:
                self.seen += os.read(self.fd, 65536)

    def type(self, keys: bytes) -> None:
        import os

        os.write(self.fd, keys)

    def quit(self) -> int:
        import os

        self.type(b"\\q\r")
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_ctrl_c_stops_watch_in_a_real_terminal(db_url: str) -> None:
    import time

    term = Terminal(db_url)
    term.until(rb"engine>")
    term.type(b"select 1 as a \\watch 0.1\r")
    term.until(rb"(?s)every 0\.1s.*every 0\.1s")  # it repeats
    term.type(b"\x03")
    term.until(rb"\^C")
    time.sleep(0.3)
    term.type(b"\\echo after-watch\r")
    term.until(rb"\nafter-watch")  # the shell is back at the prompt and alive
    assert term.quit() == 0


def test_ctrl_c_in_a_shell_command_belongs_to_the_command(sqlite_url: str) -> None:
    term = Terminal(sqlite_url)
    term.until(rb"engine>")
    term.type(b"\\! trap 'echo child-saw-ctrl-c' INT; echo child-started; sleep 1; sleep 1; echo child-done\r")
    term.until(rb"\nchild-started")
    term.type(b"\x03")
    term.until(rb"child-saw-ctrl-c")
    term.until(rb"\nchild-done")  # the command went on; sqlshell did not kill it
    term.type(b"\\echo still-here\r")
    term.until(rb"\nstill-here")
    assert term.quit() == 0
