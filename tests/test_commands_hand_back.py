"""Meta-commands return what to show and what to run (``Outcome``); they never
write to the output nor call the pipeline (issue #13). The pipeline does both,
so a command called on its own has no effect on the screen or the database
beyond its own state, and what it hands back is what the pipeline then runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from support import ShellDriver, count, drop


def test_include_hands_back_its_statements_and_the_pipeline_runs_them(
    shell_driver: Callable[..., ShellDriver], db_url: str, observer: Engine, table: str, tmp_path: Path
) -> None:
    script = tmp_path / "s.sql"
    script.write_text(f"create table {table} (a int);\ninsert into {table} values (1);\n")
    driver = shell_driver(db_url)
    shell = driver.shell
    try:
        outcome = shell.registry.run(shell, f"\\i {script}")
        assert outcome.script is not None and outcome.script.source == str(script)
        assert driver.stdout.getvalue() == "" and driver.stderr.getvalue() == ""
        with observer.connect() as conn:  # nothing ran: the table does not exist yet
            assert not observer.dialect.has_table(conn, table)
        with outcome.script.scope:  # the open file, closed by its scope (the pipeline's job)
            pass
        _, err = driver.run(f"\\i {script}\n")
        assert err == "" and count(observer, table) == 1
    finally:
        drop(observer, table)


def test_echo_and_warn_hand_back_their_text(shell_driver: Callable[..., ShellDriver], db_url: str) -> None:
    driver = shell_driver(db_url)
    shell = driver.shell
    echoed = shell.registry.run(shell, "\\echo hello  world")
    warned = shell.registry.run(shell, "\\warn careful")
    qechoed = shell.registry.run(shell, "\\qecho -n to results")
    assert (echoed.stdout, warned.stderr, list(qechoed.raw)) == ("hello world\n", "careful\n", ["to results"])
    assert driver.stdout.getvalue() == "" and driver.stderr.getvalue() == ""  # nothing written by the commands
    assert driver.run("\\echo hello  world\n\\warn careful\n") == ("hello world\n", "careful\n")


def test_describe_hands_back_its_listing(
    shell_driver: Callable[..., ShellDriver], db_url: str, observer: Engine, table: str
) -> None:
    driver = shell_driver(db_url)
    shell = driver.shell
    try:
        driver.run(f"create table {table} (a int primary key);\n")
        outcome = shell.registry.run(shell, f"\\d {table}")
        text = "".join(outcome.raw)
        assert f'Table "{table}"' in text and "column" in text
        before = driver.stdout.getvalue()
        assert driver.run(f"\\d {table}\n")[0] == text and driver.stdout.getvalue() == before + text
    finally:
        drop(observer, table)
