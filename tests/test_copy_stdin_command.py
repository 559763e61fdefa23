"""``sqlshell -c 'copy t from stdin' < data`` loads the data, as psql does
(issue #11, item 8): the COPY reads standard input up to a line ``\\.`` or the
end of the input. It used to print ``COPY 0`` and exit 0 with nothing loaded.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import count, drop, require_pg, run_cli

pytestmark = pytest.mark.pg


@pytest.fixture
def target(pg_observer: Engine, table: str) -> Iterator[str]:
    with pg_observer.begin() as conn:
        conn.execute(text(f"create table {table} (id int, name text)"))
    yield table
    drop(pg_observer, table)


def psql(args: list[str], data: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["psql", "-X", "-d", require_pg(), *args], input=data, capture_output=True, text=True)


@pytest.mark.parametrize("data", ["1\tone\n2\t\\N\n\\.\nnot data\n", "1\tone\n2\t\\N\n"], ids=["end-marker", "eof"])
def test_copy_in_a_command_reads_standard_input(pg_observer: Engine, target: str, data: str) -> None:
    run = run_cli([require_pg(), "-c", f"copy {target} from stdin"], input=data)
    assert (run.code, run.stdout) == (0, "COPY 2\n"), run.stderr
    with pg_observer.connect() as conn:
        assert conn.execute(text(f"select id, name from {target} order by id")).all() == [(1, "one"), (2, None)]
    # psql does the same
    with pg_observer.begin() as conn:
        conn.execute(text(f"truncate {target}"))
    done = psql(["-c", f"copy {target} from stdin"], data)
    assert (done.returncode, done.stdout) == (run.code, run.stdout)
    assert count(pg_observer, target) == 2


def test_each_copy_command_reads_the_next_block(pg_observer: Engine, target: str) -> None:
    copy = f"copy {target} from stdin"
    run = run_cli(
        [require_pg(), "-c", copy, "-c", copy, "-c", f"select count(*) from {target}"], input="1\ta\n\\.\n2\tb\n3\tc\n"
    )
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[:2] == ["COPY 1", "COPY 2"]
    assert count(pg_observer, target) == 3


def test_a_bad_line_on_standard_input_is_named_and_nothing_is_loaded(pg_observer: Engine, target: str) -> None:
    run = run_cli([require_pg(), "-c", f"copy {target} from stdin"], input="1\tone\nnot-a-number\tx\n")
    assert run.code == 1
    assert "line 2" in run.stderr and "not-a-number" in run.stderr
    assert count(pg_observer, target) == 0


def test_data_lines_inside_the_command_are_used_as_they_are(pg_observer: Engine, target: str) -> None:
    run = run_cli([require_pg(), "-c", f"copy {target} from stdin;\n7\tseven\n\\.\n"], input="8\teight\n")
    assert (run.code, run.stdout) == (0, "COPY 1\n"), run.stderr
    with pg_observer.connect() as conn:
        assert conn.execute(text(f"select id from {target}")).scalars().all() == [7]
