"""The benchmark's input files, generated (and cached) so every tool reads the very same bytes.

* W2: a re-runnable script of single-row INSERTs, written twice: ``.sql`` for the
  shells (fed on stdin, as a user would pipe a dump) and ``.stmts`` (the same
  statements NUL-separated, pre-split) for the psycopg floor, so the floor does
  not pay for splitting - that cost is W4's.  The script carries what breaks
  naive splitters: ``''`` quotes and ``;`` inside literals, statements spread
  over several lines (one with a newline inside a literal), ``--`` comments and
  a dollar-quoted plpgsql function with ``;`` in its body.  Only SQL that psql,
  pgcli, psycopg and sqlshell all accept unchanged is used.
* W2 on SQLite: the same INSERTs as a script both sqlshell and the ``sqlite3``
  CLI run (SQLite's types, no function; ``PRAGMA synchronous = OFF`` first, so
  the figure is about the clients, not about fsync).
* W5: one ~9 MB ``INSERT … VALUES`` statement (quotes, ``''`` and ``;`` in
  literals), after a DROP and a CREATE: one statement that spans many chunks
  of the input, which the splitter used to rescan from its start on each.
* W3: one SELECT of ROWS x (int, text, numeric, timestamp, bool) built by
  ``generate_series``: the server produces it without a table, so the figure is
  about the client fetching and formatting, not about disk.

The W2 table is UNLOGGED: with a logged table every autocommitted INSERT waits
for a WAL fsync, a server cost shared by every client that would drown the
client-side differences being measured.

Files are named after their parameters and a format version, so a cached file
is reused only when it is exactly what this code would write.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 2
W2_TABLE = "w2_items"
W2_FUNCTION = "w2_label"
W5_TABLE = "w5_items"


@dataclass(frozen=True)
class Size:
    """Row counts of one benchmark size."""

    name: str
    w2_rows: int  # INSERTs in the W2 script (statements = rows + 4)
    w3_big: int  # rows of the big W3 result (csv and aligned)
    w3_small: int  # rows of the smaller W3 result (aligned, the one pgcli can do)
    pairs: int  # default measured rounds
    w5_bytes: int  # size of W5's one INSERT statement


SIZES = {
    "full": Size("full", w2_rows=20_000, w3_big=1_000_000, w3_small=100_000, pairs=5, w5_bytes=9 * 2**20),
    # Start-up dominated: proves every command works, the figures mean little.
    "tiny": Size("tiny", w2_rows=200, w3_big=2_000, w3_small=200, pairs=1, w5_bytes=64 * 2**10),
}


def w2_statement_count(rows: int) -> int:
    """Statements in the W2 script: DROP TABLE, DROP FUNCTION, CREATE TABLE, CREATE FUNCTION + rows."""
    return rows + 4


def w2_statements(rows: int, seed: int = 42) -> Iterator[str]:
    """The W2 statements, without their terminating ``;``."""
    rnd = random.Random(seed)
    yield f"DROP TABLE IF EXISTS {W2_TABLE}"
    yield f"DROP FUNCTION IF EXISTS {W2_FUNCTION}(integer)"
    yield (
        f"CREATE UNLOGGED TABLE {W2_TABLE} (\n"
        "    id      integer PRIMARY KEY,\n"
        "    name    text NOT NULL,\n"
        "    note    text,\n"
        "    amount  numeric(12,2),\n"
        "    created timestamptz,\n"
        "    flag    boolean\n"
        ")"
    )
    yield (
        f"CREATE OR REPLACE FUNCTION {W2_FUNCTION}(n integer) RETURNS text\n"
        "LANGUAGE plpgsql AS $body$\n"
        "DECLARE\n"
        "    s text;\n"
        "BEGIN\n"
        "    s := 'item; #' || n::text;   -- a ';' and a quote '' inside\n"
        "    IF n % 2 = 0 THEN\n"
        "        s := s || ' (even)';\n"
        "    END IF;\n"
        "    RETURN s;\n"
        "END;\n"
        "$body$"
    )
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    columns = "(id, name, note, amount, created, flag)"
    for i in range(1, rows + 1):
        name = f"{rnd.choice(words)}-{i}"
        amount = f"{rnd.randint(0, 10**7) / 100:.2f}"
        created = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}+00"
        flag = "true" if i % 3 else "false"
        if i % 10 == 3:
            note = "'O''Brien said ''hi'''"
        elif i % 10 == 7:
            note = "'a;b; c;;'"
        elif i % 1000 == 500:
            note = "NULL"
        else:
            note = f"'note {i}'"
        if i % 2000 == 1000 or (rows < 2000 and i == rows // 2):
            # several lines, and a newline inside a literal
            yield (
                f"INSERT INTO {W2_TABLE} {columns}\n"
                f"VALUES ({i},\n"
                f"        '{name}',\n"
                f"        'line one;\nline two',\n"
                f"        {amount}, '{created}', {flag})"
            )
        elif i % 2000 == 1500 or (rows < 2000 and i == rows - 1):
            # several lines, calling the dollar-quoted function
            yield (
                f"INSERT INTO {W2_TABLE}\n"
                f"    {columns}\n"
                f"    VALUES ({i}, {W2_FUNCTION}({i}), {note}, {amount},\n"
                f"            '{created}', {flag})"
            )
        else:
            yield f"INSERT INTO {W2_TABLE} {columns} VALUES ({i}, '{name}', {note}, {amount}, '{created}', {flag})"


def w2_sqlite_script(rows: int) -> str:
    """The W2 INSERTs for SQLite (and the sqlite3 CLI): its types, no function."""
    lines = [
        "PRAGMA synchronous = OFF;\n",
        f"DROP TABLE IF EXISTS {W2_TABLE};\n",
        f"CREATE TABLE {W2_TABLE} (\n    id integer PRIMARY KEY,\n    name text NOT NULL,\n    note text,\n"
        "    amount numeric,\n    created text,\n    flag boolean\n);\n",
    ]
    for stmt in w2_statements(rows):
        if stmt.startswith("INSERT"):
            lines.append(stmt.replace(f"{W2_FUNCTION}(", "'label' || (") + ";\n")
    return "".join(lines)


def w5_script(nbytes: int, seed: int = 5) -> tuple[str, int]:
    """(the W5 script, its row count): DROP, CREATE, and one INSERT of about ``nbytes``."""
    rnd = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    parts = [
        f"DROP TABLE IF EXISTS {W5_TABLE};\n",
        f"CREATE UNLOGGED TABLE {W5_TABLE} (id integer PRIMARY KEY, name text NOT NULL, note text, "
        "amount numeric(12,2), created timestamptz, flag boolean);\n",
        f"INSERT INTO {W5_TABLE} (id, name, note, amount, created, flag) VALUES\n",
    ]
    size, i = 0, 0
    while size < nbytes:
        i += 1
        if i % 10 == 3:
            note = "'O''Brien said ''hi'''"
        elif i % 10 == 7:
            note = "'a;b; c;;'"
        else:
            note = f"'note {i}'"
        created = f"'2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00+00'"
        row = f"({i}, '{rnd.choice(words)}-{i}', {note}, {rnd.randint(0, 10**7) / 100:.2f}, {created}, {i % 3 > 0})"
        parts.append(row + ",\n")
        size += len(row) + 2
    parts[-1] = parts[-1][:-2] + ";\n"
    return "".join(parts), i


def w3_query(rows: int) -> str:
    """The W3 SELECT: ``rows`` x (int, text, numeric, timestamp, bool)."""
    return (
        "SELECT g AS id, 'row-' || g AS label, (g * 1.25)::numeric(12,2) AS amount, "
        "timestamp '2024-01-01' + g * interval '1 second' AS ts, (g % 3 = 0) AS flag "
        f"FROM generate_series(1, {int(rows)}) AS g"
    )


@dataclass(frozen=True)
class Files:
    """Paths of the generated inputs of one size."""

    w2_sql: Path
    w2_stmts: Path
    w2_statements: int
    w3_big: Path
    w3_small: Path
    sqlite: Path
    w2_sqlite: Path  # the W2 INSERTs as an SQLite script
    w5_sql: Path
    w5_rows: int


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary name, so an interrupted run never leaves a truncated cache file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def prepare(data_dir: Path, size: Size) -> Files:
    """Generate whatever input of ``size`` is missing from ``data_dir``; return every path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    v = f"v{FORMAT_VERSION}"
    w2_sql = data_dir / f"w2_{size.w2_rows}.{v}.sql"
    w2_stmts = data_dir / f"w2_{size.w2_rows}.{v}.stmts"
    if not (w2_sql.exists() and w2_stmts.exists()):
        stmts = list(w2_statements(size.w2_rows))
        lines = []
        for n, stmt in enumerate(stmts):
            if n == 2:  # a comment line between statements at any size, as in gen_inserts.py's big files
                lines.append("-- the table is ready; this line is not a statement\n")
            elif n % 5000 == 4999:
                lines.append(f"-- progress marker {n}; not a statement\n")
            lines.append(stmt + ";\n")
        _write_atomic(w2_sql, "".join(lines))
        _write_atomic(w2_stmts, "\0".join(stmts))
    w3 = {}
    for rows in (size.w3_big, size.w3_small):
        w3[rows] = data_dir / f"w3_{rows}.{v}.sql"
        if not w3[rows].exists():
            _write_atomic(w3[rows], w3_query(rows) + ";\n")
    sqlite = data_dir / "w1.sqlite3"
    if not sqlite.exists():
        sqlite.touch()  # an empty file is a valid, empty SQLite database
    w2_sqlite = data_dir / f"w2_{size.w2_rows}.{v}.sqlite.sql"
    if not w2_sqlite.exists():
        _write_atomic(w2_sqlite, w2_sqlite_script(size.w2_rows))
    w5_sql = data_dir / f"w5_{size.w5_bytes}.{v}.sql"
    w5_rows_file = data_dir / f"w5_{size.w5_bytes}.{v}.rows"
    if not (w5_sql.exists() and w5_rows_file.exists()):
        text, rows = w5_script(size.w5_bytes)
        _write_atomic(w5_sql, text)
        _write_atomic(w5_rows_file, str(rows))
    return Files(
        w2_sql=w2_sql,
        w2_stmts=w2_stmts,
        w2_statements=w2_statement_count(size.w2_rows),
        w3_big=w3[size.w3_big],
        w3_small=w3[size.w3_small],
        sqlite=sqlite,
        w2_sqlite=w2_sqlite,
        w5_sql=w5_sql,
        w5_rows=int(w5_rows_file.read_text()),
    )
