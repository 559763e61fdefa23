"""Big results stream: the shell's peak memory for 200,000 rows is no larger
(within a margin) than for 20,000, in the aligned table and in CSV."""

from __future__ import annotations

import subprocess
import sys

import pytest

# A scripted run leaves through os._exit (no interpreter teardown), which skips
# any finally: the report runs just before it, or after a normal exit.
_CHILD = (
    "import os, sys, runpy; sys.argv = ['sqlshell', *sys.argv[1:]]\n"
    "def report():\n"
    "    hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
    "    print('PEAK_KB', hwm, file=sys.stderr, flush=True)\n"
    "leave = os._exit\n"
    "def report_and_leave(code):\n"
    "    report()\n"
    "    leave(code)\n"
    "os._exit = report_and_leave\n"
    "try:\n    runpy.run_module('sqlshell', run_name='__main__')\n"
    "finally:\n"
    "    report()\n"
)


def _query(db_url: str, rows: int) -> str:
    if db_url.startswith("postgresql"):
        return (
            f"select g as id, 'item ' || g as name, (g * 1.5)::numeric(12,2) as amount, "
            f"timestamp '2024-01-01' + g * interval '1 second' as created, g % 2 = 0 as flag "
            f"from generate_series(1, {rows}) g"
        )
    return (
        f"with recursive s(g) as (select 1 union all select g + 1 from s where g < {rows}) "
        "select g as id, 'item ' || g as name, g * 1.5 as amount, datetime(1700000000 + g, 'unixepoch') as created, "
        "g % 2 = 0 as flag from s"
    )


def _peak_kb(db_url: str, rows: int, fmt: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, db_url, "--format", fmt, "-c", _query(db_url, rows)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=300,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 0, err[-2000:]
    return int(err.rsplit("PEAK_KB", 1)[1].split()[0])


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_peak_memory_does_not_grow_with_the_row_count(db_url: str, fmt: str) -> None:
    small = _peak_kb(db_url, 20_000, fmt)
    big = _peak_kb(db_url, 200_000, fmt)
    assert big - small < 6 * 1024, f"20k rows: {small} kB, 200k rows: {big} kB"
