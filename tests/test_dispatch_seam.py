"""Dispatch through its public interface: a ``Statement`` from the splitter in,
one ``Outcome`` per result out, routed by the statement's kind (a meta-command
to the registry; SQL to the current mode's executor; typed transaction control
to the transaction commands). Real databases, as the executors need them; no
rendering and no pipeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import ShellDriver, drop

from sqlshell.dispatch import dispatch_all
from sqlshell.errors import UserError
from sqlshell.executors.contract import Mode
from sqlshell.results import Outcome
from sqlshell.sqltext.split import Kind, Statement, split


def _one(sql: str) -> Statement:
    (stmt,) = split(sql)
    return stmt


def outcomes(sh: ShellDriver, sql: str) -> list[Outcome]:
    """Every outcome of one statement, each consumed before the next is made."""
    got: list[Outcome] = []
    for made in dispatch_all(_one(sql), sh.shell):
        with made as outcome:
            if outcome.columns is not None:
                outcome.batches = [list(b) for b in outcome.batches]  # read while the result is open
            got.append(outcome)
    return got


def tags(got: list[Outcome]) -> list[Any]:
    return [o.tag() if callable(o.tag) else o.tag for o in got]


def test_a_meta_command_goes_to_the_registry_and_no_sql_is_sent(
    db_url: str, shell_driver: Callable[..., ShellDriver]
) -> None:
    sh = shell_driver(db_url)
    stmt = _one("\\mode connection")
    assert stmt.kind is Kind.META
    (outcome,) = outcomes(sh, "\\mode connection")
    assert sh.shell.mode is Mode.CONNECTION and outcome.columns is None


def test_sql_goes_to_the_current_modes_executor(
    db_url: str, shell_driver: Callable[..., ShellDriver], table: str, observer: Engine
) -> None:
    sh = shell_driver(db_url)
    try:
        assert tags(outcomes(sh, f"create table {table} (a int);")) == ["CREATE TABLE"]
        (rows,) = outcomes(sh, "select 1 as one;")
        assert [c.name for c in rows.columns or []] == ["one"] and list(rows.batches) == [[(1,)]]
        sh.shell.set_mode(Mode.CONNECTION)
        outcomes(sh, "begin;")
        assert tags(outcomes(sh, f"insert into {table} values (1);")) == ["INSERT 0 1"]
        with observer.connect() as conn:  # the held connection's transaction: not visible yet
            assert conn.execute(text(f"select count(*) from {table}")).scalar_one() == 0
        outcomes(sh, "commit;")
        with observer.connect() as conn:
            assert conn.execute(text(f"select count(*) from {table}")).scalar_one() == 1
    finally:
        sh.shell.discard_open_work()
        drop(observer, table)


def test_typed_begin_in_engine_mode_moves_to_a_held_connection(
    db_url: str, shell_driver: Callable[..., ShellDriver]
) -> None:
    """Engine mode returns its connection after each statement: a transaction
    typed there needs a held one, so BEGIN goes to the transaction commands."""
    sh = shell_driver(db_url)
    (outcome,) = outcomes(sh, "BEGIN;")
    assert outcome.tag == "BEGIN"
    assert sh.shell.mode is Mode.CONNECTION and sh.shell.txn().state == "open"
    outcomes(sh, "rollback;")
    assert sh.shell.txn().state == "idle"


def test_a_compound_line_yields_one_outcome_per_piece_in_order(
    db_url: str, shell_driver: Callable[..., ShellDriver]
) -> None:
    sh = shell_driver(db_url)
    got = outcomes(sh, "select 1 as a\\; select 2 as b\\; select 3 as c;")
    assert [o.columns[0].name for o in got if o.columns] == ["a", "b", "c"]
    assert [list(o.batches) for o in got] == [[[(1,)]], [[(2,)]], [[(3,)]]]


def test_single_transaction_refuses_a_commit_piece_before_anything_runs(
    db_url: str, shell_driver: Callable[..., ShellDriver], table: str, observer: Engine
) -> None:
    sh = shell_driver(db_url, single_transaction=True)
    try:
        outcomes(sh, f"create table {table} (a int);")  # autocommitted: before the transaction
        sh.shell.set_mode(Mode.CONNECTION)
        outcomes(sh, "begin;")
        with pytest.raises(UserError, match="single-transaction"):
            outcomes(sh, f"insert into {table} values (1)\\; commit;")
        assert sh.shell.txn().state == "open"
        (seen,) = outcomes(sh, f"select count(*) from {table};")  # inside the transaction: the INSERT never ran
        assert list(seen.batches) == [[(0,)]]
    finally:
        sh.shell.discard_open_work()
        drop(observer, table)
