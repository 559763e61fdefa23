"""Start-up and exit of a scripted run (issue #14, W1).

``sqlshell URL -c 'select 1'`` imports only what a script uses (measured with
``python -X importtime``: no prompt_toolkit, pygments, tabulate, ORM or TOML
parser without a config file), and leaves through ``os._exit`` once
everything is closed, without the interpreter's teardown. Leaving that way
must lose nothing: every result reaches stdout or the ``\\o`` file, every
message reaches stderr, and the exit code is the one the run earned.
These run the real command (``python -m sqlshell``), not the in-process CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import require_pg

pytestmark = pytest.mark.pg

NOT_FOR_SCRIPTS = ("prompt_toolkit", "pygments", "tabulate", "sqlalchemy.orm", "sqlalchemy.ext", "tomllib")


def sqlshell(tmp_path: Path, *args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}  # no config file
    env.pop("SQLSHELL_URL", None)
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "sqlshell", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_select_1_imports_only_what_a_script_uses(tmp_path: Path) -> None:
    done = sqlshell(tmp_path, require_pg(), "-c", "select 1", importtime=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == " ?column? \n----------\n        1\n(1 row)\n\n"
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "sqlalchemy" in imported and "psycopg" in imported  # the measurement saw the run
    loaded = sorted(m for m in imported if m.startswith(NOT_FOR_SCRIPTS))
    assert loaded == [], f"a -c run imported {loaded}"


def test_leaving_fast_keeps_the_exit_code_and_every_message(tmp_path: Path) -> None:
    failed = sqlshell(tmp_path, require_pg(), "-c", "select 1", "-c", "select 1/0")
    assert failed.returncode == 1
    assert failed.stdout.startswith(" ?column? ")
    assert "division by zero" in failed.stderr
    rolled_back = sqlshell(tmp_path, require_pg(), "--mode", "connection", "-c", "begin", "-c", "select 1")
    assert rolled_back.returncode == 1
    assert "end of input: rolled back" in rolled_back.stderr


def test_leaving_fast_delivers_all_output(tmp_path: Path) -> None:
    rows = 200_000
    query = f"select g, repeat('x', 20) from generate_series(1, {rows}) g"
    piped = sqlshell(tmp_path, require_pg(), "--format", "csv", "-c", query)
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.splitlines()
    assert len(lines) == rows + 1 and lines[-1] == f"{rows},{'x' * 20}"
    out = tmp_path / "out.txt"
    to_file = sqlshell(tmp_path, require_pg(), "-c", f"\\o {out}", "-c", query)
    assert to_file.returncode == 0, to_file.stderr
    assert out.read_text().endswith(f"({rows} rows)\n\n")
