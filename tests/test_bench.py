"""The benchmark runner works: ``bench/run.py all --size tiny -n 1`` exits 0 with a
row for every workload, and lists issue #14's targets.

Not a timed test: nothing here looks at a figure.  The runner itself checks
that each command did its job (exit status, W2's row count, W3's output
lines), so exit status 0 means every workload really ran through sqlshell.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.mark.pg
def test_tiny_run_has_a_row_for_every_workload(pg_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SQLSHELL", "SQLSHELL_BENCH_PG_URL")}
    done = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "all",
            "--size",
            "tiny",
            "-n",
            "1",
            "--pg-url",
            pg_url,
            "--data-dir",
            str(tmp_path / "data"),
            "--timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workloads = ("W1", "W2", "W3", "W4", "W5")
    rows = [line for line in done.stdout.splitlines() if line[:2] in workloads]
    for workload in workloads:
        mine = [row for row in rows if row.startswith(workload) and "sqlshell" in row]
        assert mine, f"no sqlshell row for {workload}:\n{done.stdout}"
    assert "FAILED" not in done.stdout
    targets = done.stdout.split("Targets (issue #14)", 1)[1]
    for wanted in ("<= 2x psql", "<= 1.6x psql", "<= 1x psql-1", "<= 2.5x sqlite3", "<= 2x floor", "<= 0.3 s"):
        assert wanted in targets, f"{wanted!r} not listed:\n{targets}"
