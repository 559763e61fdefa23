"""The splitter follows the server's standard_conforming_strings, as psql does
(issue #11, item 8).

With it off on the role, the database or in the URL's ``options``, a backslash
escapes inside '…', so ``select 'a\\'; drop table victim; --'`` is one
statement (one literal); split as if it were on, the DROP would run. The value
comes from the server's parameter status (psycopg's ``info.parameter_status``)
and is read again before each statement, so a change the text does not show
(``set_config``, ``\\c`` as another role) is followed too.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from support import require_pg, run_cli, sqlalchemy_url

pytestmark = pytest.mark.pg


@pytest.fixture
def admin() -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(require_pg()), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def victim(admin: Engine) -> Iterator[str]:
    name = f"victim_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"create table {name} (x int)"))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f"drop table if exists {name}"))


@pytest.fixture
def role(admin: Engine, victim: str) -> Iterator[str]:
    """A login role whose sessions start with standard_conforming_strings off; it owns the victim."""
    name = f"scs_off_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"create role {name} login"))
        conn.execute(text(f"alter role {name} set standard_conforming_strings = off"))
        conn.execute(text(f"alter table {victim} owner to {name}"))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f"drop table if exists {victim}"))
        conn.execute(text(f"drop role {name}"))


def exists(engine: Engine, table: str) -> bool:
    return inspect(engine).has_table(table)


def dangerous(victim: str) -> str:
    return f"select 'a\\'; drop table {victim}; --';\nselect 'done';\n"


def as_role(url: str, role: str) -> str:
    return url.replace("postgres@", f"{role}@", 1)


def psql(url: str, script: str, tmp_path: Path) -> str:
    path = tmp_path / "script.sql"
    path.write_text(script)
    done = subprocess.run(["psql", "-X", "-d", url, "-f", str(path)], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.parametrize("mode", ["engine", "connection", "session"])
def test_role_with_standard_strings_off(admin: Engine, victim: str, role: str, mode: str, tmp_path: Path) -> None:
    url = as_role(require_pg(), role)
    script = dangerous(victim)
    run = run_cli([url, "--mode", mode, "--on-error", "continue"], input=script)
    assert run.code == (1 if mode == "session" else 0), run.stderr  # session mode: its transaction is rolled back
    assert exists(admin, victim)
    assert "a'; drop table" in run.stdout
    assert run.stdout == psql(url, script, tmp_path)  # psql splits it the same way


def test_url_options_standard_strings_off(admin: Engine, victim: str, tmp_path: Path) -> None:
    url = require_pg() + "?options=-c%20standard_conforming_strings%3Doff"
    script = dangerous(victim)
    for args, stdin in (([url, "--on-error", "continue"], script), ([url, "-c", script.split("\n")[0]], None)):
        run = run_cli(args, input=stdin)
        assert run.code == 0, run.stderr
        assert exists(admin, victim)
        assert "a'; drop table" in run.stdout
    assert run_cli([url, "--on-error", "continue"], input=script).stdout == psql(url, script, tmp_path)


@pytest.mark.parametrize("mode", ["engine", "connection"])
def test_a_change_the_text_does_not_show_is_followed(admin: Engine, victim: str, mode: str) -> None:
    """set_config() changes the parameter on the server; no SET in the text says so."""
    script = (
        "select set_config('standard_conforming_strings', 'off', false) as scs;\n"
        + dangerous(victim)
        + "select set_config('standard_conforming_strings', 'on', false) as scs;\n"
        + "select 'x\\' as backslash;\n"
    )
    run = run_cli([require_pg(), "--mode", mode, "--on-error", "continue", "--format", "csv"], input=script)
    assert run.code == 0, run.stderr
    assert exists(admin, victim)
    assert run.stdout.split("\r\n")[2:-1] == [
        "?column?",
        "a'; drop table " + victim + "; --",
        "?column?",
        "done",
        "scs",
        "on",
        "backslash",
        "x\\",
    ]


def test_connecting_as_a_role_with_it_off_is_followed(admin: Engine, victim: str, role: str) -> None:
    host = require_pg().split("@", 1)[1].split("/", 1)[0]
    db = require_pg().rsplit("/", 1)[1]
    script = f"select 'x\\';\n\\c postgresql://{role}@{host}/{db}\n" + dangerous(victim)
    run = run_cli([require_pg(), "--on-error", "continue", "--format", "csv", "-q"], input=script)
    assert run.code == 0, run.stderr
    assert exists(admin, victim)
    assert run.stdout.split("\r\n")[:-1] == [
        "?column?",
        "x\\",
        "?column?",
        "a'; drop table " + victim + "; --",
        "?column?",
        "done",
    ]


def test_the_prompt_waits_for_the_literal_to_end(admin: Engine, victim: str) -> None:
    """Interactively too: with the server's setting off, Enter after ``'a\\';``
    continues the literal (as psql's prompt does) instead of running a statement."""
    from support.repl_harness import Repl

    repl = Repl(require_pg() + "?options=-c%20standard_conforming_strings%3Doff")
    # (the real command connects before its first prompt; the harness does not)
    repl.send("select 1 as one;\r")
    repl.send(f"select 'a\\'; drop table {victim}; --\r")  # the literal is still open
    repl.send("' as v;\r\\q\r")
    assert repl.finish() == 0, repl.stderr.getvalue()
    assert exists(admin, victim)
    assert f" a'; drop table {victim}; --+" in repl.stdout.getvalue(), repl.stderr.getvalue()
