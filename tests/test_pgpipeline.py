"""``-1`` on PostgreSQL sends runs of plain statements as one pipeline
(``sqlshell.executors.pgpipeline``). What the user sees must not change: every
script here runs twice, pipelined and with ``SQLSHELL_PG_PIPELINE=off``, and
stdout, stderr, the exit status and the table's rows (read through a second
connection) must be the same; a spy on the pipeline's sender proves the
pipelined run really pipelined."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import Run, drop, run_cli

from sqlshell.executors import pgpipeline


@pytest.fixture
def t(pg_observer: Engine, table: str) -> Iterator[str]:
    yield table
    drop(pg_observer, table)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per run sent as a pipeline: True when it was kept (all plain successes)."""
    runs: list[bool] = []
    real = pgpipeline._send

    def spy(*args: object, **kwargs: object) -> list[str] | None:
        tags = real(*args, **kwargs)  # type: ignore[arg-type]
        runs.append(tags is not None)
        return tags

    monkeypatch.setattr(pgpipeline, "_send", spy)
    return runs


def rows(pg_observer: Engine, t: str) -> list[tuple[object, ...]]:
    with pg_observer.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"select * from {t} order by 1"))]


def both(
    monkeypatch: pytest.MonkeyPatch, pg_observer: Engine, t: str, args: list[str], script: str
) -> tuple[Run, list[tuple[object, ...]], Run, list[tuple[object, ...]]]:
    """The script pipelined, then without the pipeline (each on a fresh table)."""
    setup = f"drop table if exists {t}; create table {t} (id int primary key, note text);"
    with pg_observer.begin() as conn:
        conn.execute(text(setup))
    piped = run_cli(args, input=script)
    piped_rows = rows(pg_observer, t)
    with pg_observer.begin() as conn:
        conn.execute(text(setup))
    monkeypatch.setenv("SQLSHELL_PG_PIPELINE", "off")
    plain = run_cli(args, input=script)
    monkeypatch.delenv("SQLSHELL_PG_PIPELINE")
    return piped, piped_rows, plain, rows(pg_observer, t)


def inserts(t: str, ids: range) -> str:
    return "".join(f"insert into {t} values ({i}, 'n{i}');\n" for i in ids)


def test_runs_are_pipelined_and_show_what_they_showed(
    pg_url: str, t: str, pg_observer: Engine, sent: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = (
        inserts(t, range(1, 8))
        + f"insert into {t} values (8, 'a;b; c;;');\n"  # a ';' inside a literal: still one statement
        + f"update {t}\n   set note = note || '!'\n where id < 3;\n"
        + f"select count(*) from {t};\n"  # rows to show: the run before it goes first
        + inserts(t, range(9, 15))
        + f"comment on table {t} is 'x';\n"
        + f"delete from {t} where id = 14;\n"
    )
    piped, piped_rows, plain, plain_rows = both(monkeypatch, pg_observer, t, [pg_url, "-1"], script)
    assert sent[:2] == [True, True]
    assert (piped.stdout, piped.stderr, piped.code) == (plain.stdout, plain.stderr, plain.code)
    assert piped.code == 0, piped.stderr
    assert "INSERT 0 1\n" * 8 + "UPDATE 2\n" in piped.stdout
    assert piped_rows == plain_rows and len(piped_rows) == 13


@pytest.mark.parametrize(
    "options",
    [[], ["-v", "ON_ERROR_STOP=1"], ["--on-error", "continue"]],
    ids=["default", "ON_ERROR_STOP", "continue"],
)
def test_a_failure_in_the_middle_is_told_as_without_the_pipeline(
    pg_url: str, t: str, pg_observer: Engine, sent: list[bool], monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    script = inserts(t, range(1, 6)) + f"insert into {t} values (3, 'again');\n" + inserts(t, range(6, 10))
    piped, piped_rows, plain, plain_rows = both(monkeypatch, pg_observer, t, [pg_url, "-1", *options], script)
    assert False in sent  # the run with the failure was undone and ran again statement by statement
    assert (piped.stdout, piped.stderr, piped.code) == (plain.stdout, plain.stderr, plain.code)
    assert piped.code == 1
    assert "<stdin>:6:" in piped.stderr and "duplicate key" in piped.stderr
    assert piped_rows == plain_rows == []  # the whole script was rolled back


def test_a_notice_in_a_run_keeps_its_place_and_line(
    pg_url: str, t: str, pg_observer: Engine, sent: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = inserts(t, range(1, 4)) + f"drop table if exists {t}_none;\n" + inserts(t, range(4, 7))
    piped, piped_rows, plain, plain_rows = both(monkeypatch, pg_observer, t, [pg_url, "-1"], script)
    assert sent == [False]
    assert (piped.stdout, piped.stderr, piped.code) == (plain.stdout, plain.stderr, plain.code)
    assert "<stdin>:4: NOTICE:" in piped.stderr
    assert piped_rows == plain_rows and len(piped_rows) == 6


def test_statements_outside_the_single_transaction_are_never_pipelined(
    pg_url: str, t: str, pg_observer: Engine, sent: list[bool]
) -> None:
    with pg_observer.begin() as conn:
        conn.execute(text(f"create table {t} (id int primary key, note text)"))
    script = inserts(t, range(1, 4)) + f"insert into {t} values (2, 'dup');\n" + inserts(t, range(4, 6))
    r = run_cli([pg_url, "--on-error", "continue"], input=script)
    assert sent == []
    assert r.code == 1
    assert [row[0] for row in rows(pg_observer, t)] == [1, 2, 3, 4, 5]  # autocommitted, each on its own


def test_meta_commands_variables_and_conditionals_keep_their_order(
    pg_url: str, t: str, pg_observer: Engine, sent: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = (
        inserts(t, range(1, 4))
        + "\\echo after three\n"
        + "\\set n 40\n"
        + f"insert into {t} values (:n, 'from a variable');\n"
        + inserts(t, range(4, 6))
        + "\\if false\n"
        + inserts(t, range(100, 103))
        + "\\endif\n"
        + inserts(t, range(6, 9))
        + f"select id from {t} where id > 5 order by id;\n"
        + inserts(t, range(9, 11))
    )
    piped, piped_rows, plain, plain_rows = both(monkeypatch, pg_observer, t, [pg_url, "-1"], script)
    assert sent and all(sent)
    assert (piped.stdout, piped.stderr, piped.code) == (plain.stdout, plain.stderr, plain.code)
    assert piped.code == 0, piped.stderr
    assert piped.stdout.startswith("INSERT 0 1\n" * 3 + "after three\n" + "INSERT 0 1\n" * 3)
    assert [r[0] for r in piped_rows] == [*range(1, 11), 40] and piped_rows == plain_rows
