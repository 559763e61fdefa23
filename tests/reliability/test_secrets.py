"""A password never appears in output, errors, prompt, toolbar, \\status,
history or --debug logs; the usual non-URL ways to give one work."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import require_pg, run_cli

SECRET = "Zq7-secret-Pw"


def _with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{SECRET}@", 1)


def test_password_absent_from_output_errors_status_and_debug_log() -> None:
    url = _with_password(require_pg())
    script = "\\status\nselect * from no_such_table_secret;\n\\mode connection\n\\begin\n\\status\n\\rollback\n"
    r = run_cli([url, "--debug", "--on-error", "continue", "--echo"], input=script)
    everything = r.stdout + r.stderr
    assert "debug: sqlalchemy.pool" in r.stderr  # the debug log really ran
    assert "postgres:***@" in r.stdout
    assert SECRET not in everything


def test_password_absent_when_the_connection_fails() -> None:
    require_pg()
    r = run_cli([f"postgresql://someone:{SECRET}@127.0.0.1:1/db", "--debug", "-c", "select 1"])
    assert r.code == 2 and SECRET not in r.stdout + r.stderr


def test_password_absent_from_prompt_toolbar_and_history() -> None:
    from support.repl_harness import Repl  # the real REPL, driven through its input

    from sqlshell.interactive.history import history_path

    url = _with_password(require_pg())
    repl = Repl(url, file_history=True)
    repl.line(f"\\connect {url}\r")
    repl.line("\\mode connection\r")
    repl.line("\\status\r")
    repl.send("\\q\r")
    repl.finish()
    seen = repl.stdout.getvalue() + repl.stderr.getvalue() + "".join(repl.toolbars) + repl.shell.prompt_text()
    assert "postgres:***@" in repl.stdout.getvalue()
    assert SECRET not in seen
    history = history_path()
    assert oct(history.stat().st_mode & 0o777) == "0o600"
    assert "\\connect" in history.read_text() and SECRET not in history.read_text()


def test_pgpassword_and_pgpass_are_used_by_libpq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = require_pg()
    monkeypatch.setenv("PGPASSWORD", SECRET)
    r = run_cli([url, "-c", "\\status", "-c", "select current_user as u"])
    assert r.code == 0 and SECRET not in r.stdout + r.stderr
    assert _password_libpq_used(url) == SECRET
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:*:{SECRET}\n")
    pgpass.chmod(0o600)
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    r = run_cli([url, "-c", "select 1 as ok"])
    assert r.code == 0 and SECRET not in r.stdout + r.stderr
    assert _password_libpq_used(url) == SECRET


def _password_libpq_used(url: str) -> str:
    """What libpq sent (the local server trusts everyone, so ask libpq itself)."""
    from sqlshell.database import Database
    from sqlshell.urls import resolve

    db = Database(resolve(url))
    try:
        with db.engine.connect() as conn:
            return conn.connection.dbapi_connection.info.password
    finally:
        db.dispose()


def test_password_prompt_does_not_echo_and_is_masked() -> None:
    url = require_pg()
    r = run_cli([url, "-W", "-c", "\\status"], input=f"{SECRET}\n")
    assert r.code == 0, r.stderr
    assert "postgres:***@" in r.stdout
    assert SECRET not in r.stdout + r.stderr
