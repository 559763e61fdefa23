#!/usr/bin/env python3
"""sqlshell's benchmark runner: W1-W5 through sqlshell, psql, pgcli, sqlite3 and a raw psycopg floor.

  python bench/run.py all                       # full size, 5 measured rounds
  python bench/run.py W1 W3 -n 3 --markdown     # rows ready for the README
  python bench/run.py all --size tiny -n 1      # a few seconds: proves every command works
  SQLSHELL="sqlshell" python bench/run.py W2    # time an installed console script instead

Workloads (inputs come from workloads.py, generated once into --data-dir):
  W1 start-up     ``-c 'select 1'`` on PostgreSQL, and on an SQLite file.
  W2 script       the 20,004-statement INSERT script on stdin, engine and connection mode,
                  and under -1 (psql's own -1 the baseline); the same INSERTs on SQLite
                  against the sqlite3 CLI.
  W3 big result   1,000,000 rows x 5 columns as csv and as the aligned table, and
                  100,000 rows aligned; output to /dev/null.
  W4 splitting    the W2 script split in-process by ``sqlshell.sqltext.split.split``.
  W5 one big stmt one ~9 MB INSERT … VALUES statement through -f.

Every target of issue #14 is printed with its row, and again in a list at the
end with its verdict (PASS / MISS; "not judged" at size tiny or when the
baseline is not installed).

Why it measures the way it does (the machine is small and noisy):
  * Whole processes, start-up included: that is what a user waits for.
  * Every command of a workload runs once per round, next to its baselines,
    and rounds alternate direction (A B C, C B A, ...), so slow drift of the
    machine hits tool and baseline alike.  One unmeasured warm-up round first
    (it also checks the results: exit status, W2's row count, W3's line count).
  * A ratio is the median of the per-round ratios, not a ratio of medians:
    only figures taken side by side are compared.
  * Wall time is time.monotonic() around fork..wait4; peak RSS is ru_maxrss of
    the child from os.wait4.  A forked child starts with the runner's pages
    counted, so no figure reads below what /bin/true reads (printed as the
    "RSS floor"); psql sits near that floor.  The runner therefore imports
    nothing heavy: database set-up and checks run in child processes.
  * psql is the baseline when installed; without it the figures are absolute
    and targets relative to psql are not judged.  pgcli, sqlite3 and the
    psycopg floor are run only where installed (pgcli: on PATH or $PGCLI).
  * pgcli is left out of W2 (its ``-f`` takes ~2 minutes for 20k statements,
    and on stdin it starts its interactive prompt) and of the 1M-row W3
    (~1 minute): the team's anchor measurements have those figures.

Exit status: 0 when every command ran and produced the expected result
(targets MISSed or not: this is a benchmark, not a timed test), 1 when a
command failed or a check did not hold, 2 for bad usage or no database.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import workloads

HERE = Path(__file__).resolve().parent
FLOOR = HERE / "floor.py"
WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench"
W4_MAX_SECONDS = 0.3
MAX_RSS_BYTES = 100 * 1000 * 1000  # the targets' "100 MB"


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Target:
    """A ratio to another command of the same group; ``limit`` None: shown, not judged."""

    baseline: str
    limit: float | None
    note: str = ""  # shown after the verdict: "stretch"


@dataclass(frozen=True)
class Cmd:
    """One command of a group.  ``check`` runs after the warm-up, given the
    warm-up's stdout (kept in a file only when ``keep_output``), and returns a
    problem or None."""

    key: str
    label: str
    argv: tuple[str, ...]
    stdin: Path | None = None
    targets: tuple[Target, ...] = ()
    max_rss_bytes: int | None = None
    keep_output: bool = False
    check: Callable[[Path | None], str | None] | None = None


@dataclass
class Group:
    """Commands measured together, round by round (ratios exist only inside a group)."""

    workload: str
    title: str
    cmds: list[Cmd]


@dataclass(frozen=True)
class Run:
    wall: float
    rss_bytes: int
    problem: str | None = None  # set when the run failed


@dataclass
class Row:
    """One printed line: a command's medians and how they compare."""

    workload: str
    tool: str
    wall: float | None = None
    rss_bytes: int | None = None
    vs_psql: float | None = None
    target: str = ""
    result: str = ""
    failed: bool = False


@dataclass
class Context:
    """Everything the group builders need, found once."""

    size: workloads.Size
    files: workloads.Files
    pg_url: str  # as given: what sqlshell gets
    libpq_url: str  # without a "+driver": what psql, pgcli and psycopg get
    sqlshell: tuple[str, ...] | None
    psql: str | None
    pgcli: str | None
    sqlite3: str | None
    floor: bool
    env: dict[str, str]
    data_dir: Path
    timeout: float
    needs_pg: bool = False  # W1-W3 chosen: the database must be reachable


# --------------------------------------------------------------------------- measuring


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def run_once(
    argv: Sequence[str], env: dict[str, str], stdin: Path | None, stdout: Path | None, stderr: Path, timeout: float
) -> Run:
    """Fork, exec ``argv`` with the given stdin/stdout (default /dev/null), wait.

    fork rather than posix_spawn: a vfork-style spawn hands the child the
    runner's *peak* RSS at exec time, fork only the pages it copies.  The wait
    is a blocking wait4 (no polling that would add to the wall time), cut off
    by SIGALRM after ``timeout`` seconds.
    """
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child: only async-signal-safe-ish work, then exec
        try:
            fd = os.open(stdin or os.devnull, os.O_RDONLY)
            os.dup2(fd, 0)
            fd = os.open(stdout or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            fd = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 2)
            os.execve(argv[0], list(argv), env)
        finally:
            os._exit(127)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        _, status, usage = os.wait4(pid, 0)
        timed_out = False
    except _Timeout:
        os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        timed_out = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    wall = time.monotonic() - t0
    rss = usage.ru_maxrss * 1024  # KiB on Linux
    if timed_out:
        return Run(wall, rss, f"killed after {timeout:.0f} s")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        return Run(wall, rss, f"exit status {code}: {_last_line(stderr)}")
    return Run(wall, rss)


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:200] if lines else "(no stderr)"


def measure(group: Group, ctx: Context, rounds: int) -> dict[str, list[Run]]:
    """One warm-up round (checked, not kept), then ``rounds`` measured rounds,
    alternating direction.  A command that fails its warm-up is dropped."""
    runs: dict[str, list[Run]] = {c.key: [] for c in group.cmds}
    live = list(group.cmds)
    stderr = ctx.data_dir / "stderr.txt"
    for r in range(rounds + 1):
        order = live if r % 2 == 0 else live[::-1]
        for cmd in list(order):
            warm = r == 0
            out = ctx.data_dir / "warmup.out" if warm and cmd.keep_output else None
            run = run_once(cmd.argv, ctx.env, cmd.stdin, out, stderr, ctx.timeout)
            if warm:
                problem = run.problem
                if problem is None and cmd.check is not None:
                    problem = cmd.check(out)
                if out is not None:
                    out.unlink(missing_ok=True)
                if problem is not None:
                    runs[cmd.key].append(Run(run.wall, run.rss_bytes, problem))
                    live.remove(cmd)
                    print(f"# {group.workload} {cmd.label}: {problem}", file=sys.stderr)
            else:
                runs[cmd.key].append(run)
    return runs


def ratio(runs: dict[str, list[Run]], key: str, baseline: str) -> float | None:
    """Median over the rounds where both ran fine of wall(key) / wall(baseline)."""
    pairs = [
        a.wall / b.wall
        for a, b in zip(runs.get(key, []), runs.get(baseline, []), strict=False)
        if a.problem is None and b.problem is None
    ]
    return statistics.median(pairs) if pairs else None


def summarize(group: Group, runs: dict[str, list[Run]], judged: bool, have_psql: bool) -> list[Row]:
    rows = []
    for cmd in group.cmds:
        row = Row(group.workload, cmd.label)
        mine = runs[cmd.key]
        failures = [r.problem for r in mine if r.problem]
        ok = [r for r in mine if r.problem is None]
        if failures or not ok:
            row.failed = True
            row.result = f"FAILED: {failures[0] if failures else 'no run'}"
            rows.append(row)
            continue
        row.wall = statistics.median(r.wall for r in ok)
        row.rss_bytes = int(statistics.median(r.rss_bytes for r in ok))
        if cmd.key == "psql":
            row.vs_psql = 1.0
        elif have_psql:
            row.vs_psql = ratio(runs, cmd.key, "psql")
        wanted, got = [], []
        for t in cmd.targets:
            base = next((c for c in group.cmds if c.key == t.baseline), None)
            name = base.key if base else t.baseline
            note = f" ({t.note})" if t.note else ""
            if t.limit is not None:
                wanted.append(f"<= {t.limit:g}x {name}{note}")
            value = ratio(runs, cmd.key, t.baseline) if base else None
            if value is None:
                why = "not installed" if base is None else "failed"
                got.append(f"{name} {why}: not judged" if t.limit is not None else f"{name} {why}")
            elif t.limit is None:
                got.append(f"{value:.2f}x {name}")
            else:
                got.append(f"{value:.2f}x {name}{_verdict(value <= t.limit, judged)}{note}")
        if cmd.max_rss_bytes is not None:
            wanted.append(f"RSS <= {cmd.max_rss_bytes / 1e6:g} MB")
            got.append(f"RSS {row.rss_bytes / 1e6:.0f} MB{_verdict(row.rss_bytes <= cmd.max_rss_bytes, judged)}")
        row.target, row.result = ", ".join(wanted), "; ".join(got)
        rows.append(row)
    return rows


def _verdict(passed: bool, judged: bool) -> str:
    if not judged:
        return ""
    return " PASS" if passed else " MISS"


# --------------------------------------------------------------------------- workloads


def _count_lines_at_least(rows: int) -> Callable[[Path | None], str | None]:
    """W3 check: the output has at least one line per row (header/footer come on top)."""

    def check(path: Path | None) -> str | None:
        if path is None:
            return None
        lines = 0
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
        return None if lines >= rows else f"printed {lines} lines, expected at least {rows}"

    return check


def scalar(ctx: Context, sql: str) -> str:
    """One value from the database, through psql when there is one (fast), else the floor."""
    if ctx.psql:
        argv = [ctx.psql, "-X", "-At", "-d", ctx.libpq_url, "-c", sql]
    else:
        argv = [sys.executable, str(FLOOR), "scalar", ctx.libpq_url, sql]
    done = subprocess.run(argv, env=ctx.env, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or ["failed"])[-1])
    return done.stdout.strip()


def _w2_check(ctx: Context) -> Callable[[Path | None], str | None]:
    """W2 check: the script really ran, every row is there."""
    want = ctx.size.w2_rows

    def check(_: Path | None) -> str | None:
        try:
            got = scalar(ctx, f"select count(*) from {workloads.W2_TABLE}")
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            return f"row count check failed: {exc}"
        return None if got == str(want) else f"{workloads.W2_TABLE} has {got} rows, expected {want}"

    return check


def _count_check(
    ctx: Context, table: str, want: int, sqlite_file: Path | None = None
) -> Callable[[Path | None], str | None]:
    """W5 / W2-SQLite check: the table holds every row."""

    def check(_: Path | None) -> str | None:
        try:
            if sqlite_file is None:
                got = scalar(ctx, f"select count(*) from {table}")
            else:
                argv = [sys.executable, "-c", _SQLITE_COUNT, str(sqlite_file), table]
                done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
                got = done.stdout.strip() or done.stderr.strip()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            return f"row count check failed: {exc}"
        return None if got == str(want) else f"{table} has {got} rows, expected {want}"

    return check


# A child counts the rows: the runner itself imports nothing it does not need.
_SQLITE_COUNT = (
    "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
    "print(db.execute(f'select count(*) from {sys.argv[2]}').fetchone()[0])"
)


def build_groups(names: Sequence[str], ctx: Context) -> list[Group]:
    """The process workloads (W1-W3) of ``names``, each as one or two groups."""
    f, size, url, pq = ctx.files, ctx.size, ctx.pg_url, ctx.libpq_url
    sq, psql = ctx.sqlshell, ctx.psql
    py_floor = (sys.executable, str(FLOOR))
    groups = []

    def keep(*cmds: object) -> list[Cmd]:
        """The commands whose tool is installed (``tool and Cmd(...)`` is falsy otherwise)."""
        return [c for c in cmds if isinstance(c, Cmd)]

    if "W1" in names:
        groups.append(
            Group(
                "W1",
                "start-up",
                keep(
                    psql and Cmd("psql", "psql -c (PG)", (psql, "-X", "-d", pq, "-c", "select 1")),
                    sq
                    and Cmd(
                        "sqlshell",
                        "sqlshell -c (PG)",
                        (*sq, url, "-c", "select 1"),
                        targets=(Target("pgcli", 1.0), Target("floor", 2.0)),
                    ),
                    ctx.pgcli and Cmd("pgcli", "pgcli -c (PG)", (ctx.pgcli, pq, "-c", "select 1")),
                    ctx.floor and Cmd("floor", "python+psycopg floor (PG)", (*py_floor, "connect", pq)),
                    ctx.sqlite3 and Cmd("sqlite3", "sqlite3 CLI (SQLite)", (ctx.sqlite3, str(f.sqlite), "select 1")),
                    sq
                    and Cmd(
                        "sqlshell-sqlite",
                        "sqlshell -c (SQLite)",
                        (*sq, f"sqlite:///{f.sqlite}", "-c", "select 1"),
                        targets=(Target("sqlite3", None),),
                    ),
                ),
            )
        )
    if "W2" in names:
        check = _w2_check(ctx)
        stmts = f"{f.w2_statements:,} stmts stdin"
        groups.append(
            Group(
                "W2",
                stmts,
                keep(
                    psql
                    and Cmd(
                        "psql",
                        "psql < file",
                        (psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pq),
                        f.w2_sql,
                        check=check,
                    ),
                    sq
                    and Cmd(
                        "sqlshell",
                        "sqlshell < file (engine)",
                        (*sq, url),
                        f.w2_sql,
                        targets=(Target("psql", 2.0), Target("floor", None)),
                        check=check,
                    ),
                    sq
                    and Cmd(
                        "sqlshell-conn",
                        "sqlshell --mode connection",
                        (*sq, url, "--mode", "connection"),
                        f.w2_sql,
                        targets=(Target("psql", 1.6), Target("floor", None)),
                        check=check,
                    ),
                    psql
                    and Cmd(
                        "psql-1",
                        "psql -1 -f file",
                        (psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", pq, "-f", str(f.w2_sql)),
                        check=check,
                    ),
                    sq
                    and Cmd(
                        "sqlshell-1",
                        "sqlshell -1 -f file",
                        (*sq, url, "-1", "-f", str(f.w2_sql)),
                        targets=(Target("psql-1", 1.0),),
                        check=check,
                    ),
                    ctx.floor
                    and Cmd(
                        "floor",
                        "psycopg loop, pre-split (floor)",
                        (*py_floor, "script", pq, str(f.w2_stmts)),
                        check=check,
                    ),
                ),
            )
        )
        lite = ctx.data_dir / "w2.sqlite3"
        lite_check = _count_check(ctx, workloads.W2_TABLE, size.w2_rows, lite)
        groups.append(
            Group(
                "W2",
                f"{size.w2_rows:,} INSERTs SQLite",
                keep(
                    ctx.sqlite3
                    and Cmd("sqlite3", "sqlite3 CLI < file", (ctx.sqlite3, str(lite)), f.w2_sqlite, check=lite_check),
                    sq
                    and Cmd(
                        "sqlshell-sqlite",
                        "sqlshell < file (SQLite)",
                        (*sq, f"sqlite:///{lite}"),
                        f.w2_sqlite,
                        targets=(Target("sqlite3", 2.5),),
                        check=lite_check,
                    ),
                ),
            )
        )
    if "W5" in names:
        w5_check = _count_check(ctx, workloads.W5_TABLE, f.w5_rows)
        mib = f.w5_sql.stat().st_size / 2**20
        groups.append(
            Group(
                "W5",
                f"1 stmt of {mib:.1f} MiB",
                keep(
                    psql
                    and Cmd(
                        "psql",
                        "psql -f file",
                        (psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pq, "-f", str(f.w5_sql)),
                        check=w5_check,
                    ),
                    sq
                    and Cmd(
                        "sqlshell",
                        "sqlshell -f file",
                        (*sq, url, "-f", str(f.w5_sql)),
                        targets=(Target("psql", 2.0),),
                        check=w5_check,
                    ),
                ),
            )
        )
    if "W3" in names:
        big, small = size.w3_big, size.w3_small
        big_check, small_check = _count_lines_at_least(big), _count_lines_at_least(small)
        kw = {"keep_output": True}
        groups.append(
            Group(
                "W3",
                f"{big:,} rows",
                keep(
                    psql
                    and Cmd(
                        "psql",
                        f"psql aligned {big:,}",
                        (psql, "-X", "-d", pq, "-f", str(f.w3_big)),
                        check=big_check,
                        **kw,
                    ),
                    psql
                    and Cmd(
                        "psql-csv",
                        f"psql --csv {big:,}",
                        (psql, "-X", "--csv", "-d", pq, "-f", str(f.w3_big)),
                        check=big_check,
                        **kw,
                    ),
                    sq
                    and Cmd(
                        "sqlshell-csv",
                        f"sqlshell --format csv {big:,}",
                        (*sq, url, "--format", "csv", "-f", str(f.w3_big)),
                        targets=(Target("psql", 1.0), Target("psql", 0.5, "stretch"), Target("psql-csv", None)),
                        max_rss_bytes=MAX_RSS_BYTES,
                        check=big_check,
                        **kw,
                    ),
                    sq
                    and Cmd(
                        "sqlshell",
                        f"sqlshell aligned {big:,}",
                        (*sq, url, "-f", str(f.w3_big)),
                        targets=(Target("psql", 2.0),),
                        max_rss_bytes=MAX_RSS_BYTES,
                        check=big_check,
                        **kw,
                    ),
                    ctx.floor
                    and Cmd(
                        "floor",
                        f"psycopg stream+csv {big:,} (floor)",
                        (*py_floor, "csv", pq, str(f.w3_big)),
                        check=big_check,
                        **kw,
                    ),
                ),
            )
        )
        groups.append(
            Group(
                "W3",
                f"{small:,} rows",
                keep(
                    psql
                    and Cmd(
                        "psql",
                        f"psql aligned {small:,}",
                        (psql, "-X", "-d", pq, "-f", str(f.w3_small)),
                        check=small_check,
                        **kw,
                    ),
                    sq
                    and Cmd(
                        "sqlshell",
                        f"sqlshell aligned {small:,}",
                        (*sq, url, "-f", str(f.w3_small)),
                        targets=(Target("psql", 3.0), Target("pgcli", None)),
                        check=small_check,
                        **kw,
                    ),
                    ctx.pgcli
                    and Cmd(
                        "pgcli",
                        f"pgcli aligned {small:,}",
                        (ctx.pgcli, "--row-limit", "0", pq, "-f", str(f.w3_small)),
                        check=small_check,
                        **kw,
                    ),
                ),
            )
        )
    return groups


def run_w4(ctx: Context, rounds: int, judged: bool) -> Row:
    """W4 in-process: only the splitter's own time, the file already in memory."""
    row = Row(f"W4 {ctx.files.w2_statements:,} stmts split", "sqlshell.sqltext.split (in-process)")
    try:
        from sqlshell.sqltext.split import Kind, split
    except ImportError as exc:
        row.failed, row.result = True, f"FAILED: cannot import sqlshell.sqltext.split with {sys.executable}: {exc}"
        return row
    text = ctx.files.w2_sql.read_text(encoding="utf-8")
    times, count = [], 0
    for r in range(rounds + 1):
        t0 = time.perf_counter()
        stmts = split(text)
        dt = time.perf_counter() - t0
        count = sum(1 for s in stmts if s.kind is Kind.SQL)
        if r:
            times.append(dt)
        del stmts
    if count != ctx.files.w2_statements:
        row.failed, row.result = True, f"FAILED: {count} statements, expected {ctx.files.w2_statements}"
        return row
    row.wall = statistics.median(times)
    row.target = f"<= {W4_MAX_SECONDS:g} s"
    row.result = f"{row.wall:.3f} s{_verdict(row.wall <= W4_MAX_SECONDS, judged)}"
    return row


# --------------------------------------------------------------------------- output


HEADERS = ("workload", "tool", "median wall s", "median peak RSS MiB", "ratio to psql", "target", "result")
WIDTHS = (22, 36, 13, 19, 13, 28, 0)


def cells(row: Row) -> list[str]:
    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    rss = None if row.rss_bytes is None else row.rss_bytes / 2**20
    return [
        row.workload,
        row.tool,
        num(row.wall, ".3f"),
        num(rss, ".1f"),
        num(row.vs_psql, ".2f"),
        row.target,
        row.result,
    ]


def print_row(values: Sequence[str], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(v.replace("|", "\\|") or " " for v in values) + " |")
    else:
        print("  ".join(v.ljust(w) if w else v for v, w in zip(values, WIDTHS, strict=True)).rstrip())
    sys.stdout.flush()


def print_header(ctx: Context, rounds: int, markdown: bool) -> None:
    versions = [f"Python {sys.version.split()[0]}"]
    if ctx.sqlshell:
        versions.insert(0, _first_line([*ctx.sqlshell, "--version"], ctx.env) or "sqlshell (version unknown)")
    if ctx.psql:
        versions.append(_first_line([ctx.psql, "--version"], ctx.env))
    if ctx.pgcli:
        versions.append("pgcli " + _first_line([ctx.pgcli, "--version"], ctx.env).removeprefix("Version: "))
    if ctx.needs_pg:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired, IndexError):
            versions.append(f"server PostgreSQL {scalar(ctx, 'show server_version').split()[0]}")
    floor_mib = _rss_floor(ctx) / 2**20
    s = ctx.size
    lines = [
        f"sqlshell benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, size {s.name} "
        f"(W2 {s.w2_rows:,} INSERTs, W3 {s.w3_big:,} / {s.w3_small:,} rows), "
        f"1 warm-up + {rounds} measured round{'s' if rounds != 1 else ''}",
        ", ".join(v for v in versions if v),
        f"database {_scrub(ctx.libpq_url)}; "
        f"RSS floor {floor_mib:.1f} MiB (what /bin/true reads when measured the same way)",
    ]
    if not ctx.psql:
        lines.append("psql is not installed: absolute figures only, targets relative to psql are not judged")
    if s.name != "full":
        lines.append(f"size {s.name}: start-up dominates, so targets are shown but not judged (use --size full)")
    for line in lines:
        print(line if not markdown else line + "  ")
    print()
    print_row(HEADERS, markdown)
    if markdown:
        print("|" + "---|" * len(HEADERS))


def _rss_floor(ctx: Context) -> int:
    """Peak RSS of a program that does nothing, measured like the tools: a
    forked child's ru_maxrss starts with the runner pages it inherited, so no
    figure can read lower than this."""
    true = shutil.which("true") or "/bin/true"
    return run_once([true], ctx.env, None, None, ctx.data_dir / "stderr.txt", 10).rss_bytes


def prepare_in_child(data_dir: Path, size: workloads.Size) -> workloads.Files:
    """Generate missing inputs in a forked child: building the 20k-statement
    script grows a process by tens of MB that Python does not give back, and
    every later child would start with (and report) those pages."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            workloads.prepare(data_dir, size)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: generating the inputs in {data_dir} failed")
    return workloads.prepare(data_dir, size)  # everything exists now: only paths


def _first_line(argv: Sequence[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout.strip().splitlines() or [""])[0]


def _scrub(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


# --------------------------------------------------------------------------- main


def _sqlshell_command() -> tuple[str, ...] | None:
    """$SQLSHELL (split like a shell word list), else this interpreter's ``-m sqlshell``."""
    if "SQLSHELL" in os.environ:
        argv = shlex.split(os.environ["SQLSHELL"])
        exe = shutil.which(argv[0]) if argv else None
        return (exe, *argv[1:]) if exe else None
    spec = importlib.util.find_spec("sqlshell")
    if spec is None:
        return None
    _byte_compile(spec.submodule_search_locations or [])
    return (sys.executable, "-m", "sqlshell")


def _byte_compile(package_dirs: Sequence[str]) -> None:
    """Byte-compile the sqlshell under test, as ``pip install`` does for a user:
    a checkout that was never run, or runs under PYTHONDONTWRITEBYTECODE,
    would otherwise compile its ~80 modules from source at every start
    (~50 ms of W1's ~240), which no installed sqlshell pays."""
    if package_dirs:
        cmd = [sys.executable, "-m", "compileall", "-q", *package_dirs]
        subprocess.run(cmd, capture_output=True, timeout=300, check=False)


def _child_env(data_dir: Path) -> dict[str, str]:
    """The children's environment: their config, history and logs go under
    the data dir, not $HOME, and no $SQLSHELL_URL or PG* variable steers them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "SQLSHELL_URL"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(data_dir / "xdg" / var.lower())
    return env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="bench/run.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("workloads", nargs="*", metavar="W1|…|W5|all", help="what to run (default: all)")
    ap.add_argument("--size", choices=sorted(workloads.SIZES), default="full")
    ap.add_argument("-n", type=int, metavar="PAIRS", help="measured rounds (default 5 for full, 1 for tiny)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("SQLSHELL_BENCH_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL URL; its database is created when missing (default $SQLSHELL_BENCH_PG_URL, else %(default)s)",
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / f"sqlshell-bench-{os.getuid()}",
        help="where generated inputs are cached (default %(default)s)",
    )
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before one run is killed (default 120)")
    args = ap.parse_args(argv)
    chosen = {w.upper() for w in args.workloads} or {"ALL"}
    if "ALL" in chosen:
        chosen = set(WORKLOADS)
    if unknown := chosen - set(WORKLOADS):
        ap.error(f"unknown workload {', '.join(sorted(unknown))}: one of {', '.join(WORKLOADS)} or all")
    args.names = [w for w in WORKLOADS if w in chosen]
    if args.n is not None and args.n < 1:
        ap.error("-n must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    size = workloads.SIZES[args.size]
    rounds = args.n or size.pairs
    data_dir: Path = args.data_dir
    files = prepare_in_child(data_dir, size)
    ctx = Context(
        size=size,
        files=files,
        pg_url=args.pg_url,
        libpq_url=re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", args.pg_url),
        sqlshell=_sqlshell_command(),
        psql=shutil.which("psql"),
        pgcli=shutil.which(os.environ.get("PGCLI", "pgcli")),
        sqlite3=shutil.which("sqlite3"),
        floor=importlib.util.find_spec("psycopg") is not None,
        env=_child_env(data_dir),
        data_dir=data_dir,
        timeout=args.timeout,
        needs_pg=any(w in args.names for w in ("W1", "W2", "W3", "W5")),
    )
    missing = [
        name
        for name, have in (
            ("sqlshell", ctx.sqlshell),
            ("psql", ctx.psql),
            ("pgcli", ctx.pgcli),
            ("sqlite3", ctx.sqlite3),
            ("psycopg (floor)", ctx.floor),
        )
        if not have
    ]
    if missing:
        print(f"# not installed, skipped: {', '.join(missing)}", file=sys.stderr)
    if ctx.needs_pg:
        if not ctx.floor and not ctx.psql:
            print("bench: neither psycopg nor psql is available to reach PostgreSQL", file=sys.stderr)
            return 2
        if ctx.floor:
            done = subprocess.run(
                [sys.executable, str(FLOOR), "setup", ctx.libpq_url],
                env=ctx.env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            if done.returncode != 0:
                print(f"bench: PostgreSQL at {_scrub(ctx.libpq_url)}: {done.stderr.strip()}", file=sys.stderr)
                return 2

    judged = size.name == "full"
    print_header(ctx, rounds, args.markdown)
    failed = False
    printed: list[Row] = []
    for group in build_groups(args.names, ctx):
        print(f"# {group.workload} {group.title}: {len(group.cmds)} commands x {rounds + 1} rounds", file=sys.stderr)
        runs = measure(group, ctx, rounds)
        for row in summarize(group, runs, judged, ctx.psql is not None):
            failed |= row.failed
            row.workload = f"{group.workload} {group.title}"
            print_row(cells(row), args.markdown)
            printed.append(row)
    if "W4" in args.names:
        row = run_w4(ctx, rounds, judged)
        failed |= row.failed
        print_row(cells(row), args.markdown)
        printed.append(row)
    print_targets(printed, judged, args.markdown)
    if ctx.needs_pg and ("W2" in args.names or "W5" in args.names):
        try:  # leave the database as we found it
            scalar(ctx, f"DROP TABLE IF EXISTS {workloads.W2_TABLE}")
            scalar(ctx, f"DROP FUNCTION IF EXISTS {workloads.W2_FUNCTION}(integer)")
            scalar(ctx, f"DROP TABLE IF EXISTS {workloads.W5_TABLE}")
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"# clean-up failed: {exc}", file=sys.stderr)
    return 1 if failed else 0


def print_targets(rows: Sequence[Row], judged: bool, markdown: bool) -> None:
    """Issue #14's targets, one line each, with what was measured and the verdict."""
    print()
    print("Targets (issue #14)" + ("" if judged else ": not judged at this size, shown only") + (":" if judged else ""))
    for row in rows:
        if not row.target:
            continue
        line = f"{row.workload} / {row.tool}: target {row.target}; measured {row.result or '-'}"
        print(f"- {line}" if markdown else f"  {line}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
