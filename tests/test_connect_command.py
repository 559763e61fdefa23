"""``\\connect``: another database, same mode; never with open work, never
showing a password, and a failure leaves the shell where it was."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from support import run_cli


def _sqlite_with_table(path: Path, table: str) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"create table {table} (a integer)"))
    engine.dispose()
    return url


def test_connect_to_another_sqlite_file_keeps_the_mode(tmp_path: Path, shell_driver) -> None:
    other = _sqlite_with_table(tmp_path / "other.sqlite3", "only_there")
    sh = shell_driver(f"sqlite:///{tmp_path}/first.sqlite3")
    sh.run("\\mode connection")
    out, err = sh.run(f"\\connect {other}")
    assert err == f"connected to {other} (sqlite), connection mode\n"
    assert sh.prompt.startswith("sqlite:other.sqlite3 connection")
    assert sh.shell.held is not None and sh.shell.held.db is sh.shell.db
    out, err = sh.run("select count(*) as n from only_there;")
    assert err == "" and " 0\n" in out


def test_connect_is_refused_inside_a_transaction(tmp_path: Path, shell_driver) -> None:
    other = _sqlite_with_table(tmp_path / "other.sqlite3", "only_there")
    sh = shell_driver(f"sqlite:///{tmp_path}/first.sqlite3")
    sh.run("\\begin")
    _, err = sh.run(f"\\c {other}")
    assert err.startswith("cannot connect elsewhere: transaction open")
    assert sh.shell.db.url.database == f"{tmp_path}/first.sqlite3"
    assert sh.shell.txn().state == "open"


def test_unreachable_server_is_one_line_without_the_password(sqlite_url: str, shell_driver) -> None:
    sh = shell_driver(sqlite_url)
    _, err = sh.run("\\connect postgresql://me:s3cret-pw@127.0.0.1:1/nowhere")
    assert len(err.splitlines()) == 1
    assert "cannot connect to postgresql+psycopg://me:***@127.0.0.1:1/nowhere" in err
    assert f"still connected to {sqlite_url}" in err and "s3cret-pw" not in err
    out, err = sh.run("select 1 as still_here;")
    assert err == "" and "still_here" in out


def test_bad_url_is_one_line(sqlite_url: str, shell_driver) -> None:
    _, err = shell_driver(sqlite_url).run("\\c nosuchdialect://x/y")
    assert err.startswith("unknown database driver 'nosuchdialect'") and err.count("\n") == 1


def test_connect_from_sqlite_to_postgresql(sqlite_url: str, pg_url: str) -> None:
    r = run_cli([sqlite_url], input=f"\\c {pg_url}\nselect $$dollar;quoted$$ as v;\n")
    assert r.code == 0, r.stderr
    assert "dollar;quoted" in r.stdout and "(postgresql), engine mode" in r.stderr
