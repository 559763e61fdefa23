"""The raw psycopg floor: what a Python program built on psycopg 3 costs at least.

Each mode does a workload's job with nothing but psycopg and the standard
library, so "sqlshell / floor" is the price of everything sqlshell adds
(SQLAlchemy, click, its splitter and renderer), and "floor / psql" the price
of Python itself.  Imports happen inside the modes: at start-up (W1) the floor
must pay for ``import psycopg`` and nothing else.

  floor.py connect URL              W1: connect, SELECT 1, close
  floor.py script  URL FILE.stmts   W2: the pre-split statements, autocommit, one execute each
  floor.py csv     URL FILE.sql     W3: the query streamed in 1,000-row chunks, as text, csv to stdout
  floor.py setup   URL              create URL's database when it does not exist
  floor.py scalar  URL SQL          print the first value of SQL's first row (checks without psql)
"""

from __future__ import annotations

import sys


def connect(url: str) -> None:
    import psycopg

    conn = psycopg.connect(url)
    conn.execute("select 1").fetchall()
    conn.close()


def script(url: str, path: str) -> None:
    import psycopg

    with open(path, encoding="utf-8") as f:
        stmts = f.read().split("\0")
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()
        for stmt in stmts:
            cur.execute(stmt)


def csv_out(url: str, path: str) -> None:
    """Stream like sqlshell does (``Cursor.stream`` in chunks, values loaded as
    text, so no Decimal/datetime objects are built), then let the csv module write."""
    import csv

    import psycopg
    import psycopg.postgres
    from psycopg.types.string import TextLoader

    with open(path, encoding="utf-8") as f:
        query = f.read().strip().rstrip(";")
    with psycopg.connect(url, autocommit=True) as conn:
        for info in psycopg.postgres.types:
            conn.adapters.register_loader(info.oid, TextLoader)
        cur = conn.cursor()
        rows = cur.stream(query, size=1000)
        first = next(rows, None)
        writer = csv.writer(sys.stdout)
        writer.writerow([d.name for d in cur.description or []])
        if first is not None:
            writer.writerow(first)
            writer.writerows(rows)


def setup(url: str) -> None:
    """Connect to the server's ``postgres`` database and create URL's database if it is missing."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    dbname = conninfo_to_dict(url).get("dbname") or "postgres"
    try:
        psycopg.connect(url).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(dbname))))
    print(f"created database {dbname}", file=sys.stderr)


def scalar(url: str, query: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query)
        row = cur.fetchone() if cur.description else None
    print("" if row is None else row[0])


def main(argv: list[str]) -> int:
    modes = {
        "connect": (connect, 1),
        "script": (script, 2),
        "csv": (csv_out, 2),
        "setup": (setup, 1),
        "scalar": (scalar, 2),
    }
    if len(argv) < 2 or argv[0] not in modes or len(argv) - 1 != modes[argv[0]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    func, _ = modes[argv[0]]
    try:
        func(*argv[1:])
    except Exception as exc:  # one line for the runner's error report, not a traceback
        print(f"floor {argv[0]}: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
