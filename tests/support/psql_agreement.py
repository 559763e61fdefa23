"""Do sqlshell and psql send the server the same statements for a script?

Each tool runs the script against a database of its own with
``log_statement = 'all'``; the statements are read back from the server's log
and compared, whitespace folded. Used by tests/test_psql_agreement.py on a
sample and by ``python tests/support/psql_agreement.py`` on the whole corpus.

Left out of the comparison: transaction control (BEGIN, COMMIT, SAVEPOINT …),
which sqlshell runs through SQLAlchemy's transaction API (psycopg sends BEGIN
itself, savepoints get SQLAlchemy's names; tests/test_connection_mode.py
checks their meaning), and buffers of nothing but comments, which psql sends
at the end of a file and the server ignores.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

LOG = Path(os.environ.get("SQLSHELL_PG_LOG", "/var/log/postgresql/postgresql-15-main.log"))
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "pg_regress"
ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[(\d+)\] (?:\S+@(\S+) )?(\w+):  (.*)$")
SA_INTERNALS = (
    "select pg_catalog.version()",
    "select current_schema()",
    "show standard_conforming_strings",
    "show transaction isolation level",
    "select 1",
    ";",
    "select typname as name, oid, typarray as array_oid,",  # psycopg's TypeInfo (hstore probe)
)


def _internal(statement: str) -> bool:
    low = statement.lower()
    return low == "" or any(low == s or (s.endswith(",") and low.startswith(s)) for s in SA_INTERNALS)


_COMMENT_ONLY = re.compile(r"(?:\s|/\*.*?\*/)*", re.DOTALL)
_TXN = re.compile(r"^(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release)\b", re.IGNORECASE)


@dataclass
class Comparison:
    name: str
    psql: list[str]
    sqlshell: list[str]

    @property
    def equal(self) -> bool:
        return self.psql == self.sqlshell

    def first_difference(self) -> str:
        for i, (a, b) in enumerate(zip(self.psql, self.sqlshell, strict=False)):
            if a != b:
                return f"statement {i + 1}:\n  psql:     {a[:200]}\n  sqlshell: {b[:200]}"
        return f"psql sent {len(self.psql)} statements, sqlshell {len(self.sqlshell)}"


def strip_meta_commands(text: str) -> str:
    """The pure-SQL script: psql meta-command lines removed (the data lines of a
    COPY … FROM stdin, and their closing \\., are data and stay)."""
    out, in_copy = [], False
    for line in text.splitlines(keepends=True):
        if in_copy:
            in_copy = line.rstrip("\r\n") != "\\."
            out.append(line)
            continue
        if line.lstrip().startswith("\\"):
            continue
        if re.match(r"\s*copy\b.*\bfrom\s+std(in|out)", line, re.IGNORECASE) and line.rstrip().endswith(";"):
            in_copy = True
        out.append(line)
    return "".join(out)


def _normalise(sql: str) -> str:
    sql = " ".join(sql.split()).rstrip(";").strip()
    if _TXN.match(sql):
        return ""  # transaction control: sqlshell runs it through SQLAlchemy (compared by meaning in the tests)
    if _COMMENT_ONLY.fullmatch(sql):
        return ""  # psql sends a buffer of nothing but comments; the server does nothing with it
    return sql


def _server_statements(db: str, log_from: int) -> list[str]:
    entries: list[tuple[str, str, str]] = []  # (pid, kind, text)
    with LOG.open(encoding="utf-8", errors="replace") as f:
        f.seek(log_from)
        current: list | None = None
        for line in f:
            m = ENTRY.match(line.rstrip("\n"))
            if m:
                pid, dbname, level, message = m.groups()
                current = None
                if dbname != db and level != "STATEMENT":
                    continue
                if level == "LOG" and message.startswith("statement: "):
                    current = [pid, "log", message[len("statement: ") :]]
                elif level == "LOG" and re.match(r"execute [^:]*: ", message):
                    current = [pid, "log", message.split(": ", 1)[1]]
                elif level == "STATEMENT" and dbname == db:
                    current = [pid, "error", message]
                if current is not None:
                    entries.append(current)  # type: ignore[arg-type]
            elif current is not None:
                current[2] += "\n" + line.rstrip("\n")
    statements: list[str] = []
    last_logged: dict[str, str] = {}
    for pid, kind, text in entries:
        if kind == "error" and last_logged.get(pid) == text:
            continue  # a runtime error repeats the statement already logged
        if kind == "log":
            last_logged[pid] = text
        statements.append(_normalise(text))
    return _without_internals(statements)


def _without_internals(statements: list[str]) -> list[str]:
    """Drop what SQLAlchemy sends on its own (dialect set-up queries, pings) and
    what is compared elsewhere (transaction control, comment-only buffers)."""
    return [s for s in statements if s and not _internal(s)]


def _admin(sql: str, base_url: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-d", base_url, "-c", sql], check=True, capture_output=True)


def compare(script: Path, base_url: str) -> Comparison:
    """Run a script through psql and sqlshell on two fresh databases; compare."""
    text = strip_meta_commands(script.read_text(encoding="utf-8", errors="replace"))
    stripped = script.with_suffix(".stripped.sql") if os.access(script.parent, os.W_OK) else None
    path = stripped or Path(f"/tmp/{uuid.uuid4().hex}.sql")
    path.write_text(text, encoding="utf-8")
    results: dict[str, list[str]] = {}
    try:
        for tool in ("psql", "sqlshell"):
            db = f"agree_{tool}_{uuid.uuid4().hex[:8]}"
            _admin(f"create database {db}", base_url)
            _admin(f"alter database {db} set log_statement = 'all'", base_url)
            url = base_url.rsplit("/", 1)[0] + "/" + db
            start = LOG.stat().st_size
            try:
                if tool == "psql":
                    cmd = ["psql", "-X", "-q", "-d", url, "-f", str(path)]
                else:
                    cmd = [sys.executable, "-m", "sqlshell", url, "-q", "--on-error", "continue", "-f", str(path)]
                subprocess.run(cmd, capture_output=True, timeout=600, env={**os.environ, "PGOPTIONS": ""})
                results[tool] = _server_statements(db, start)
            finally:
                _admin(f"drop database if exists {db} with (force)", base_url)
    finally:
        path.unlink(missing_ok=True)
    return Comparison(script.name, results["psql"], results["sqlshell"])


def main() -> int:
    base = os.environ.get("SQLSHELL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    files = (
        [Path(p) for p in sorted(glob.glob(str(CORPUS / "*.sql")))] if len(sys.argv) < 2 else map(Path, sys.argv[1:])
    )
    agree = total = 0
    for path in files:
        c = compare(path, base)
        total += 1
        agree += c.equal
        status = "same" if c.equal else "DIFFERENT"
        print(f"{c.name:28} {len(c.psql):5} statements  {status}")
        if not c.equal:
            print("   ", c.first_difference().replace("\n", "\n    "))
    print(f"{agree}/{total} files: identical statement streams")
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
