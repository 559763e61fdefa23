"""Values survive a trip out through --format csv / json and back in, exactly:
unicode, embedded quotes and line breaks, NULL versus the empty string,
numeric precision, bytes as hex, timestamps with time zone."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine
from support import drop, require_pg, run_cli

TRICKY_TEXT = [
    "plain",
    "",
    None,
    'say "hi", then leave',
    "two\nlines\r\nand CRLF",
    "emoji 🐘 and ünïcödé",
    "טקסט",
    " lead",
]


def _pg_setup(table: str) -> str:
    url = require_pg()
    with psycopg.connect(url) as conn:
        conn.execute(
            f"create table {table} (id int primary key, t text, n numeric(30,10), f float8, "
            "b bytea, ts timestamptz, flag boolean, j jsonb)"
        )
        for i, text in enumerate(TRICKY_TEXT):
            conn.execute(
                f"insert into {table} values (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    i,
                    text,
                    "12345678901234567890.0123456789" if i % 2 else None,
                    0.1 + i if i != 3 else None,
                    bytes([0, i, 255]) if i != 2 else None,
                    "2024-02-29 23:59:59.123456+05:30" if i != 4 else None,
                    (i % 3 == 0) if i != 5 else None,
                    json.dumps({"k": text, "i": i}),
                ),
            )
    return url


def test_csv_round_trip_on_postgresql(table: str) -> None:
    url = _pg_setup(table)
    try:
        out = run_cli([url, "--format", "csv", "-q", "-c", f"select * from {table} order by id"])
        assert out.code == 0, out.stderr
        with psycopg.connect(url) as conn:
            conn.execute(f"create table {table}_back (like {table})")
            with conn.cursor().copy(f"copy {table}_back from stdin (format csv, header true)") as copy:
                copy.write(out.stdout.encode())
            diff = conn.execute(
                f"(select * from {table} except select * from {table}_back) "
                f"union all (select * from {table}_back except select * from {table})"
            ).fetchall()
            assert diff == []
            assert conn.execute(f"select count(*) from {table}_back").fetchone()[0] == len(TRICKY_TEXT)
            assert conn.execute(f"select count(*) from {table}_back where t = ''").fetchone()[0] == 1
            assert conn.execute(f"select count(*) from {table}_back where t is null").fetchone()[0] == 1
    finally:
        drop(create_engine(url.replace("postgresql://", "postgresql+psycopg://")), table, f"{table}_back")


def test_json_round_trip_on_postgresql(table: str) -> None:
    url = _pg_setup(table)
    try:
        out = run_cli([url, "--format", "json", "-q", "-c", f"select id, t, n, f, flag, j from {table} order by id"])
        rows = json.loads(out.stdout, parse_float=str)
        with psycopg.connect(url) as conn:
            expected = conn.execute(f"select id, t, n::text, f, flag, j from {table} order by id").fetchall()
        for row, (id_, t, n, f, flag, j) in zip(rows, expected, strict=True):
            assert row["id"] == id_ and row["t"] == t and row["flag"] == flag and row["j"] == j
            assert row["n"] == n  # the exact digits, as a JSON number
            assert (row["f"] is None) == (f is None) and (f is None or float(row["f"]) == f)
    finally:
        drop(create_engine(url.replace("postgresql://", "postgresql+psycopg://")), table)


def test_bytea_and_timestamptz_text_forms() -> None:
    url = require_pg()
    sql = "select '\\x00ff'::bytea as b, timestamptz '2024-01-31 10:00:00+00' as ts, 1.10::numeric as n"
    out = run_cli([url, "--format", "csv", "-q", "-c", "set timezone = 'UTC'", "-c", sql])
    assert out.stdout == "b,ts,n\r\n\\x00ff,2024-01-31 10:00:00+00,1.10\r\n"


def test_csv_round_trip_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "rt.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (id integer primary key, t text, r real, b blob)")
        for i, text in enumerate(TRICKY_TEXT):
            conn.execute("insert into t values (?, ?, ?, ?)", (i, text, 1 / 3 + i, bytes([i, 10, 13, 34])))
    out = run_cli([str(path), "--format", "csv", "-q", "-c", "select * from t order by id"])
    rows = list(csv.reader(io.StringIO(out.stdout, newline="")))
    assert rows[0] == ["id", "t", "r", "b"]
    with sqlite3.connect(path) as conn:
        original = conn.execute("select id, t, r, b from t order by id").fetchall()
    for got, (id_, text, real, blob) in zip(rows[1:], original, strict=True):
        assert int(got[0]) == id_
        assert got[1] == ("" if text is None else text)
        assert float(got[2]) == real  # shortest repr round-trips exactly
        assert got[3] == "\\x" + blob.hex()
    # NULL is an unquoted empty field, the empty string a quoted one:
    raw_lines = out.stdout.split("\r\n")
    assert raw_lines[2].startswith('1,"",') and raw_lines[3].startswith("2,,")


@pytest.mark.parametrize("fmt", ["csv", "json", "tsv", "table"])
def test_sqlite_blob_is_hex_in_every_format(tmp_path: Path, fmt: str) -> None:
    out = run_cli([str(tmp_path / "b.db"), "--format", fmt, "-q", "-c", "select x'0102ff' as b"])
    assert "\\\\x0102ff" in out.stdout if fmt == "json" else "\\x0102ff" in out.stdout
