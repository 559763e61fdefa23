"""One owner per decision (issue #13): each setting has one copy, in Settings,
and one function (``openwork.settle``) decides what happens to open work.

The settings tests change a value one way only (a meta-command, or the
Settings object itself) and look for the effect where a second copy used to
be read: the output's quiet flag, the executors' on-error-rollback, the
database's echo listeners. The open-work tests run the policy on real shells
and check the database through a second connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import count, drop, run_cli

from sqlshell.errors import OpenWork
from sqlshell.openwork import Action, Occasion, Work, decide, settle
from sqlshell.settings import Settings


@pytest.fixture
def items(observer: Engine, table: str) -> Iterator[str]:
    with observer.begin() as conn:
        conn.execute(text(f"create table {table} (id int primary key)"))
    yield table
    drop(observer, table)


# -- one copy of each setting -----------------------------------------------------------------------


def test_set_quiet_is_what_the_output_reads(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\set QUIET on")
    assert sh.shell.output.quiet
    _, err = sh.run("\\mode connection")
    assert err == ""  # the mode switch's note is dropped
    sh.shell.settings.quiet = False  # the one value: nothing else to keep in step
    _, err = sh.run("\\mode engine")
    assert "engine mode" in err


def test_output_without_a_shell_is_not_quiet() -> None:
    import io

    from sqlshell.output.streams import Output

    err = io.StringIO()
    out = Output(io.StringIO(), err)
    out.note("said")
    settings = Settings(quiet=True)
    out.prefs = settings
    out.note("not said")
    assert err.getvalue() == "said\n"


@pytest.mark.parametrize("mode", ["connection", "session"])
def test_on_error_rollback_is_read_by_the_open_holder(
    db_url: str, items: str, observer: Engine, shell_driver, mode: str
) -> None:
    if mode == "session" and db_url.startswith("sqlite"):
        pytest.skip("the session's implicit savepoints on SQLite are tested in test_attack_txn")
    sh = shell_driver(db_url)
    sh.run(f"\\mode {mode}\n\\begin\ninsert into {items} values (1);")
    sh.shell.settings.on_error_rollback = True  # after the holder exists, and no command: the one value
    _, err = sh.run("insert into no_such_table_q values (1);")
    assert "implicit savepoint" in err
    assert sh.shell.txn().state == "open"
    sh.run("\\on-error-rollback off")  # the command changes the same value
    assert sh.shell.transactional is not None and not sh.shell.transactional.on_error_rollback
    sh.run(f"insert into {items} values (2);\n\\commit")
    assert count(observer, items) == 2
    _, err = sh.run(f"\\begin\ninsert into {items} values (3);\ninsert into no_such_table_q values (1);")
    assert "implicit savepoint" not in err  # off: no savepoint around the statement
    if db_url.startswith("postgresql"):
        assert sh.shell.txn().state == "failed"  # so the error fails PostgreSQL's transaction
    sh.run("\\rollback")
    assert count(observer, items) == 2


def test_psql_variable_on_error_rollback_sets_the_same_value(db_url: str, items: str, observer: Engine) -> None:
    """-v ON_ERROR_ROLLBACK=on (psql's spelling) is --on-error-rollback: the
    failing statement only undoes itself, and -1 commits the rest."""
    script = (
        f"insert into {items} values (1);\ninsert into nosuch_{items} values (2);\ninsert into {items} values (3);\n"
    )
    r = run_cli([db_url, "-1", "--on-error", "continue", "-v", "ON_ERROR_ROLLBACK=on"], input=script)
    assert r.code == 1 and "nosuch_" in r.stderr
    assert count(observer, items) == 2
    r = run_cli([db_url, "-q"], input="\\set ON_ERROR_ROLLBACK sometimes\n")
    assert "ON_ERROR_ROLLBACK must be on or off" in r.stderr


def test_set_on_error_rollback_interactive_is_off_in_a_script(db_url: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run("\\set ON_ERROR_ROLLBACK interactive")
    assert not sh.shell.settings.on_error_rollback
    sh.shell.settings.interactive = True
    _, err = sh.run("\\set ON_ERROR_ROLLBACK interactive")
    assert sh.shell.settings.on_error_rollback and "on-error-rollback is on" in err


def test_echo_follows_the_setting_across_connect(tmp_path: Path, shell_driver) -> None:
    sh = shell_driver(f"sqlite:///{tmp_path}/a.db")
    _, err = sh.run("\\echo on\nselect 1 as a;")
    assert "select 1 as a;" in err and sh.shell.db.echoing
    first = sh.shell.db
    sh.run(f"\\connect sqlite:///{tmp_path}/b.db")
    assert sh.shell.db is not first and not first.echoing  # the old engine's listeners are gone
    _, err = sh.run("select 2 as b;")
    assert "select 2 as b;" in err  # the new database follows settings.echo
    _, err = sh.run("\\echo off\nselect 3 as c;")
    assert "select 3 as c;" not in err and not sh.shell.db.echoing


def test_echo_option_and_echo_off_change_one_value(sqlite_url: str) -> None:
    r = run_cli(["--echo", sqlite_url], input="select 4 as d;\n\\echo off\nselect 5 as e;\n")
    assert r.code == 0, r.stderr
    assert "select 4 as d;" in r.stderr and "select 5 as e;" not in r.stderr


# -- one function for open work ------------------------------------------------------------------------


def test_the_policy_table(db_url: str, items: str, shell_driver) -> None:
    """decide() on real holders: nothing open (engine mode), and an open transaction."""
    sh = shell_driver(db_url)
    nothing = Work(sh.shell.transactional)
    sh.run(f"\\begin\ninsert into {items} values (1);")
    open_ = Work(sh.shell.transactional)
    plain, single = Settings(), Settings(single_transaction=True)
    going_on = Settings(single_transaction=True, on_error_stop=False, on_error_rollback=True)
    table = [
        (Occasion.END_OF_INPUT, nothing, plain, 0, (Action.DISCARD,)),
        (Occasion.END_OF_INPUT, open_, plain, 0, (Action.DISCARD,)),
        (Occasion.END_OF_INPUT, open_, single, 0, (Action.COMMIT_SCRIPT, Action.DISCARD)),
        (Occasion.END_OF_INPUT, open_, single, 1, (Action.ROLL_BACK_SCRIPT, Action.DISCARD)),
        (Occasion.END_OF_INPUT, open_, going_on, 1, (Action.COMMIT_SCRIPT, Action.DISCARD)),
        (Occasion.QUIT, nothing, plain, 0, (Action.GO_ON,)),
        (Occasion.QUIT, open_, plain, 0, (Action.ASK,)),
        (Occasion.MODE_SWITCH, nothing, single, 0, (Action.GO_ON,)),
        (Occasion.MODE_SWITCH, open_, plain, 0, (Action.REFUSE,)),
        (Occasion.MODE_SWITCH, open_, single, 0, (Action.REFUSE_SINGLE,)),
        (Occasion.RECONNECT, open_, plain, 0, (Action.REFUSE,)),
        (Occasion.ABORT, open_, plain, 0, (Action.DISCARD,)),
    ]
    for occasion, work, settings, failures, expected in table:
        assert decide(occasion, work, settings, failures) == expected, (occasion, settings, failures)
    sh.run("\\rollback")


def test_mode_switch_and_connect_refuse_through_settle(db_url: str, items: str, shell_driver, tmp_path: Path) -> None:
    sh = shell_driver(db_url)
    sh.run(f"\\begin\ninsert into {items} values (1);")
    _, err = sh.run("\\mode engine")
    assert "cannot leave connection mode: transaction open" in err and "\\commit or \\rollback first" in err
    _, err = sh.run(f"\\connect sqlite:///{tmp_path}/other.db")
    assert "cannot connect elsewhere: transaction open" in err
    with pytest.raises(OpenWork):
        settle(sh.shell, Occasion.MODE_SWITCH, doing="leave connection mode")
    sh.shell.settings.single_transaction = True
    _, err = sh.run("\\mode engine")
    assert "cannot leave connection mode with --single-transaction" in err
    sh.shell.settings.single_transaction = False
    sh.run("\\rollback")
    assert settle(sh.shell, Occasion.MODE_SWITCH, doing="leave connection mode")


def test_abort_rolls_back_and_says_so(db_url: str, items: str, observer: Engine, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run(f"\\begin\ninsert into {items} values (1);")
    before = sh.stderr.tell()
    assert not settle(sh.shell, Occasion.ABORT, cause="output closed; ")  # False: work was lost
    told = sh.stderr.getvalue()[before:]
    assert told.startswith("sqlshell: output closed; rolled back: transaction open"), told
    assert sh.shell.txn().state == "idle" and count(observer, items) == 0


def test_quit_asks_until_answered(db_url: str, items: str, observer: Engine, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run(f"\\begin\ninsert into {items} values (1);")
    answers = iter(["", "r"])  # Enter alone means stay; then roll back
    questions: list[str] = []

    def ask(question: str) -> str:
        questions.append(question)
        return next(answers)

    assert not settle(sh.shell, Occasion.QUIT, ask=ask)  # stayed
    assert sh.shell.txn().state == "open"
    assert settle(sh.shell, Occasion.QUIT, ask=ask)
    assert questions[0].endswith("[c]ommit, [r]ollback, or [s]tay? ")
    assert "ROLLBACK" in sh.stderr.getvalue() and count(observer, items) == 0
    sh.run(f"\\begin\ninsert into {items} values (2);")
    assert settle(sh.shell, Occasion.QUIT, ask=lambda q: "c")
    assert count(observer, items) == 1


def test_end_of_input_policy_from_the_command_line(sqlite_url: str, table: str) -> None:
    create = f"create table {table} (id int primary key);\n"
    r = run_cli([sqlite_url], input=create + f"begin;\ninsert into {table} values (1);\n")
    assert r.code == 1 and "end of input: rolled back: transaction open" in r.stderr
    r = run_cli([sqlite_url, "-1"], input=f"insert into {table} values (1);\n")
    assert r.code == 0, r.stderr
    r = run_cli([sqlite_url, "-1"], input=f"insert into {table} values (2);\ninsert into {table} values (1);\n")
    assert r.code == 1 and "--single-transaction: a statement failed, so the whole script was rolled back" in r.stderr
    r = run_cli([sqlite_url, "-q", "-A", "-t"], input=f"select count(*) from {table};\n")
    assert r.stdout.strip() == "1"
