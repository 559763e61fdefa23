"""Connecting as psql and pgcli users do: -h/-p/-U/-d, libpq's environment and
service files, connection strings, -W; a bare word never becomes a new SQLite
file; the prompt names the backend; interactive only between two terminals."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from support import require_pg, run_cli

WHO = "select current_user as u, current_database() as d, inet_server_port() as p"
SECRET = "Cx9-conninfo-pw"


def _pg_parts() -> tuple[str, str, str, str]:
    url = make_url(require_pg())
    return url.host or "", str(url.port or 5432), url.username or "", url.database or ""


def _who(r) -> list[str]:
    assert r.code == 0, r.stderr
    return r.stdout.replace("\r\n", "\n").splitlines()


def test_psql_connection_flags_and_positionals() -> None:
    host, port, user, db = _pg_parts()
    expected = ["u,d,p", f"{user},{db},{port}"]
    assert _who(run_cli(["-h", host, "-p", port, "-U", user, "-d", db, "--csv", "-c", WHO])) == expected
    assert _who(run_cli(["-h", host, "-p", port, db, user, "--csv", "-c", WHO])) == expected  # psql DBNAME USER
    assert _who(run_cli(["-h", host, "-d", db, user, "--csv", "-c", WHO])) == expected  # with -d: the user
    # flags set that part of a server URL
    url = f"postgresql://{user}@{host}:1/nosuchdb"
    assert _who(run_cli([url, "-p", port, "-d", db, "--csv", "-c", WHO])) == expected


def test_libpq_environment_fills_what_is_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    host, port, user, db = _pg_parts()
    for name, value in (("PGHOST", host), ("PGPORT", port), ("PGUSER", user), ("PGDATABASE", db)):
        monkeypatch.setenv(name, value)
    expected = ["u,d,p", f"{user},{db},{port}"]
    assert _who(run_cli(["postgresql://", "--csv", "-c", WHO])) == expected
    assert _who(run_cli(["-d", db, "--csv", "-c", WHO])) == expected
    assert _who(run_cli(["-U", user, "--csv", "-c", WHO])) == expected
    monkeypatch.setenv("PGPORT", "1")  # libpq really reads it: nothing listens there
    r = run_cli(["postgresql://", "-c", "select 1"])
    assert r.code == 2 and "cannot connect" in r.stderr and r.stderr.count("\n") == 1


def test_service_file_and_pgservice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host, port, user, db = _pg_parts()
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[sqlshell_test]\nhost={host}\nport={port}\nuser={user}\ndbname={db}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    expected = ["u,d,p", f"{user},{db},{port}"]
    assert _who(run_cli(["service=sqlshell_test", "--csv", "-c", WHO])) == expected
    monkeypatch.setenv("PGSERVICE", "sqlshell_test")
    assert _who(run_cli(["postgresql://", "--csv", "-c", WHO])) == expected
    monkeypatch.setenv("PGSERVICE", "no_such_service")
    bad = run_cli(["postgresql://", "-c", "select 1"])
    assert bad.code == 2 and "no_such_service" in bad.stderr and bad.stderr.count("\n") == 1


def test_conninfo_string_is_postgresql_and_its_password_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, port, user, db = _pg_parts()
    monkeypatch.chdir(tmp_path)
    conninfo = f"host={host} port={port} dbname={db} user={user} password={SECRET} application_name=ci_conninfo"
    r = run_cli([conninfo, "--csv", "-c", WHO + ", current_setting('application_name') as a", "-c", "\\status"])
    assert r.code == 0, r.stderr
    assert f"{user},{db},{port},ci_conninfo" in r.stdout
    assert "postgresql+psycopg" in r.stdout and ":***@" in r.stdout
    assert SECRET not in r.stdout + r.stderr
    assert list(tmp_path.iterdir()) == []  # no SQLite file named like the string
    bad = run_cli([f"host={host} nosuchoption=1 password={SECRET}", "-c", "select 1"])
    assert bad.code == 2 and bad.stderr.count("\n") == 1
    assert 'invalid connection option "nosuchoption"' in bad.stderr and SECRET not in bad.stderr


def test_connect_command_takes_a_conninfo_string(shell_driver) -> None:
    host, port, user, db = _pg_parts()
    sh = shell_driver(require_pg())
    _, err = sh.run(f"\\c 'host={host} port={port} dbname={db} user={user} password={SECRET}'")
    assert "connected to postgresql+psycopg" in err + _
    assert sh.prompt.startswith(f"pg:{db} ")
    assert SECRET not in err + sh.prompt


def test_a_bare_word_is_never_a_new_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run_cli(["shop", "-c", "select 1"])
    assert r.code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    assert "postgresql:///shop" in r.stderr and "shop.db" in r.stderr
    assert list(tmp_path.iterdir()) == []
    # an SQLite suffix, or an existing file, is SQLite
    assert run_cli(["new.sqlite3", "-c", "create table a (x int)"]).code == 0
    (tmp_path / "new.sqlite3").rename(tmp_path / "existing")
    r = run_cli(["existing", "-q", "--csv", "-c", "select count(*) as n from a"])
    assert r.code == 0 and r.stdout == "n\r\n0\r\n"
    # \c WORD on SQLite: refused the same way, and the shell stays where it was
    r = run_cli(["existing", "--on-error", "continue", "-c", "\\c other", "-c", "\\status"])
    assert r.code == 1 and "postgresql:///other" in r.stderr and "existing" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
    # server flags with an SQLite file make no sense: one line
    r = run_cli(["existing", "-h", "127.0.0.1", "-c", "select 1"])
    assert r.code == 2 and "SQLite" in r.stderr and r.stderr.count("\n") == 1


def test_the_prompt_shows_the_backend(txn_url: str, shell_driver) -> None:
    sh = shell_driver(txn_url)
    backend = {"sqlite": "sqlite", "postgresql": "pg", "mysql+pymysql": "mariadb"}[txn_url.split(":")[0]]
    name = Path(make_url(txn_url).database or "").name
    assert sh.prompt == f"{backend}:{name} engine> "


def test_w_reads_one_line_of_stdin_and_leaves_the_script() -> None:
    url = require_pg()
    r = run_cli([url, "-W", "--csv", "-q"], input=f"{SECRET}\nselect 42 as answer;\n\\status\n")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("answer\r\n42\r\n")
    assert ":***@" in r.stdout and SECRET not in r.stdout + r.stderr


def _spawn_with_terminal(args: list[str], *, stdin_tty: bool, stdout_tty: bool, stderr_tty: bool, env: dict[str, str]):
    """The real command with a new pseudo-terminal as its controlling terminal
    (so /dev/tty is it), on the standard streams asked for; pipes elsewhere."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sqlshell", *args],
        stdin=slave if stdin_tty else subprocess.PIPE,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave if stderr_tty else subprocess.PIPE,
        start_new_session=True,  # setsid: the pty becomes the controlling terminal on open below
        preexec_fn=lambda: os.close(os.open(os.ttyname(slave), os.O_RDWR)),
        pass_fds=(slave,),
        env=env,
    )
    os.close(slave)
    return proc, master


def _read_until(fd: int, needle: bytes, timeout: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def test_w_reads_the_terminal_when_there_is_one(tmp_path: Path) -> None:
    """`sqlshell -W … < script` at a terminal: the password from the terminal, the script from stdin."""
    url = require_pg()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    args = [url, "-W", "--csv", "-q"]
    proc, master = _spawn_with_terminal(args, stdin_tty=False, stdout_tty=False, stderr_tty=True, env=env)
    try:
        assert b"Password" in _read_until(master, b"Password")
        os.write(master, SECRET.encode() + b"\n")
        out, _ = proc.communicate(b"select 42 as answer;\n\\status\n", timeout=60)
        on_terminal = _read_until(master, b"never", timeout=0.5)
    finally:
        os.close(master)
    assert proc.returncode == 0, on_terminal
    assert out.startswith(b"answer\r\n42\r\n") and b":***@" in out
    assert SECRET.encode() not in out + on_terminal  # not echoed


def test_stdout_redirected_means_a_script_run_even_on_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path), "TERM": "xterm"}
    db = str(tmp_path / "t.db")
    proc, master = _spawn_with_terminal([db], stdin_tty=True, stdout_tty=False, stderr_tty=False, env=env)
    try:
        os.write(master, b"select 1 as a;\n")  # typed at the terminal: runs at once, as in psql
        deadline = time.monotonic() + 30
        while not (tmp_path / "t.db").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.write(master, b"\x04")  # one Ctrl-D ends the input
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert out == b" a \n---\n 1\n(1 row)\n\n"  # no prompt, no toolbar, no escape codes
    # both ends a terminal: the REPL, with its prompt naming the backend
    proc, master = _spawn_with_terminal([db], stdin_tty=True, stdout_tty=True, stderr_tty=True, env=env)
    try:
        seen = _read_until(master, b"sqlite:t.db engine>")
        os.write(master, b"\\q\r")
        proc.wait(timeout=60)
    finally:
        os.close(master)
    assert b"sqlite:t.db engine>" in seen  # drawn by prompt_toolkit, between escape codes
