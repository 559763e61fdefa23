"""Load: a 100,000-statement script runs to the end in engine and in
connection mode with memory that does not grow with the script's length,
and the pool never holds more connections than configured."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from support import require_pg

STATEMENTS = 100_000


def _script(path: Path, n: int) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(f"select {i} as n, 'row {i}; with a semicolon' as t;\n")
        f.write("select 'done' as finished;\n")
    return path


def _run(args: list[str], script: Path) -> subprocess.Popen[bytes]:
    """sqlshell in a child process, reporting its own peak RSS at exit."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent
    # (a big pytest process), the high-water mark of this process's own memory starts at exec.
    # A scripted run leaves through os._exit (no interpreter teardown), which
    # skips any finally: the report runs just before it, or after a normal exit.
    code = (
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
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=script.open("rb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(proc: subprocess.Popen[bytes]) -> tuple[str, int]:
    out, err = proc.communicate(timeout=600)
    text = err.decode()
    assert proc.returncode == 0, text[-2000:]
    peak = int(text.rsplit("PEAK_KB", 1)[1].split()[0])
    return out.decode(), peak


def test_long_scripts_run_in_flat_memory(tmp_path: Path) -> None:
    big = _script(tmp_path / "big.sql", STATEMENTS)
    small = _script(tmp_path / "small.sql", STATEMENTS // 10)
    db = f"sqlite:///{tmp_path}/load.sqlite3"
    peaks = {}
    for mode in ("engine", "connection"):
        # The long and the short run side by side (2 cores): same mode, same database.
        long_run = _run([db, "--mode", mode, "-q", "--format", "csv"], big)
        short_run = _run([db, "--mode", mode, "-q", "--format", "csv"], small)
        out, peaks[mode, "long"] = _finish(long_run)
        assert out.endswith("finished\r\ndone\r\n")
        assert out.count("\r\n") == 2 * (STATEMENTS + 1)
        _, peaks[mode, "short"] = _finish(short_run)
    for mode in ("engine", "connection"):
        growth_kb = peaks[mode, "long"] - peaks[mode, "short"]
        assert growth_kb < 8 * 1024, f"{mode}: {peaks}"
        assert peaks[mode, "long"] < 150 * 1024, f"{mode}: {peaks}"


def test_pool_never_holds_more_than_configured() -> None:
    url = require_pg()
    app = f"sqlshell_load_{uuid.uuid4().hex[:8]}"
    url = f"{url}?application_name={app}"
    count_sql = f"select count(*) as conns from pg_stat_activity where application_name = '{app}';\n"
    script = "".join(f"select {i};\n" for i in range(2000)) + count_sql + "\\status\n"
    proc = subprocess.run(
        [sys.executable, "-m", "sqlshell", url, "-q", "--format", "csv"],
        input=script.encode(),
        capture_output=True,
        timeout=300,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    conns = int(out.split("conns\r\n", 1)[1].split("\r\n", 1)[0])
    assert 1 <= conns <= 5
    assert "QueuePool size 5" in out
