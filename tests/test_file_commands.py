"""``\\i``/``\\ir`` (scripts run in the current mode and transaction), ``\\o``
(results to a file) and ``\\e`` (run what the editor saved)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from support import run_cli


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- \i and \ir -----------------------------------------------------------------


def test_i_runs_inside_the_open_transaction(db_url: str, table: str, tmp_path: Path, shell_driver) -> None:
    script = _script(
        tmp_path / "load.sql",
        f"create table {table} (a integer);\ninsert into {table} values (1);\ninsert into {table} values (2);\n",
    )
    sh = shell_driver(db_url)
    sh.run("\\begin")
    out, err = sh.run(f"\\i {script}")
    assert "INSERT 0 1" in out and "ERROR" not in err
    out, _ = sh.run(f"select count(*) as n from {table};")
    assert " 2\n" in out
    assert sh.shell.txn().state == "open"
    sh.run("\\rollback")
    _, err = sh.run(f"select count(*) from {table};")
    assert table in err  # the table itself was rolled back


def test_i_is_relative_to_cwd_and_ir_to_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell_driver
) -> None:
    _script(tmp_path / "sub" / "outer.sql", "select 'outer' as here;\n\\ir inner.sql\n")
    _script(tmp_path / "sub" / "inner.sql", "select 'inner' as here;\n")
    _script(tmp_path / "top.sql", "select 'top' as here;\n")
    monkeypatch.chdir(tmp_path)
    sh = shell_driver(f"sqlite:///{tmp_path}/db.sqlite3")
    out, err = sh.run("\\i sub/outer.sql")
    assert err == "" and "outer" in out and "inner" in out
    out, err = sh.run("\\ir top.sql")  # not inside a script: the current directory
    assert err == "" and "top" in out


def test_unreadable_file_is_one_line(sqlite_url: str, shell_driver) -> None:
    out, err = shell_driver(sqlite_url).run("\\i no/such/file.sql")
    assert out == ""
    assert err == "cannot read no/such/file.sql: No such file or directory\n"


def test_a_failure_inside_stops_the_outer_script(sqlite_url: str, tmp_path: Path) -> None:
    bad = _script(tmp_path / "bad.sql", "select 1 as one;\nselect nope;\nselect 3 as three;\n")
    r = run_cli([sqlite_url], input=f"\\i {bad}\nselect 'after' as x;\n")
    assert r.code == 1
    assert " one \n" in r.stdout and "three" not in r.stdout and "after" not in r.stdout
    assert r.stderr.splitlines() == [
        f"{bad}:2: ERROR: no such column: nope",
        f"{bad}: 1 more statement was not run after the error",
    ]


def test_q_inside_a_script_quits(sqlite_url: str, tmp_path: Path) -> None:
    quitting = _script(tmp_path / "quit.sql", "select 1 as one;\n\\q\nselect 2 as two;\n")
    r = run_cli([sqlite_url], input=f"\\i {quitting}\nselect 'after' as x;\n")
    assert r.code == 0, r.stderr
    assert " one \n" in r.stdout and "two" not in r.stdout and "after" not in r.stdout


def test_a_script_including_itself_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    loop = _script(tmp_path / "loop.sql", "")
    loop.write_text(f"\\i {loop}\n")
    r = run_cli([sqlite_url], input=f"\\i {loop}\n")
    assert r.code == 1
    assert len(r.stderr.splitlines()) == 1 and "nested 16 deep" in r.stderr


# -- \o -----------------------------------------------------------------------------


def test_o_sends_results_to_a_file_and_back(sqlite_url: str, tmp_path: Path, shell_driver) -> None:
    target = tmp_path / "results.txt"
    sh = shell_driver(sqlite_url)
    out, _ = sh.run(f"\\o {target}\nselect 41 as first;\n")
    assert out == ""
    out, _ = sh.run("\\o\nselect 42 as second;\n")
    assert "second" in out and "first" not in out
    written = target.read_text()
    assert " first \n" in written and "41" in written and "second" not in written


def test_o_to_an_unwritable_place_is_one_line(sqlite_url: str, tmp_path: Path, shell_driver) -> None:
    _, err = shell_driver(sqlite_url).run(f"\\o {tmp_path}/missing/dir/out.txt")
    assert err == f"cannot write {tmp_path}/missing/dir/out.txt: No such file or directory\n"


# -- \e -----------------------------------------------------------------------------


def _editor(monkeypatch: pytest.MonkeyPatch, script: str, seen: Path | None = None) -> None:
    """EDITOR as a small shell script: "$1" is the file to edit, "$0" where to copy what it was given."""
    monkeypatch.setenv("EDITOR", shlex.join(["sh", "-c", script, str(seen or "/dev/null")]))
    monkeypatch.delenv("VISUAL", raising=False)


def test_e_edits_the_last_statement_and_runs_it(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell_driver
) -> None:
    seen = tmp_path / "seen.sql"
    _editor(monkeypatch, 'cp "$1" "$0"; echo "select 42 as x;" > "$1"', seen)
    sh = shell_driver(sqlite_url)
    sh.run("select 1 as y;")
    out, err = sh.run("\\e")
    assert err == ""
    assert " x  \n----\n 42\n" in out
    assert seen.read_text() == "select 1 as y;\n"
    assert sh.shell.last_sql == "select 42 as x;"


def test_e_file_edits_and_runs_the_file(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell_driver
) -> None:
    target = tmp_path / "query.sql"
    _editor(monkeypatch, 'echo "select 7 as seven;" > "$1"')
    out, err = shell_driver(sqlite_url).run(f"\\e {target}")
    assert err == "" and " seven \n" in out
    assert target.read_text() == "select 7 as seven;\n"


def test_e_runs_nothing_when_the_editor_fails(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, shell_driver) -> None:
    _editor(monkeypatch, 'echo "select 42 as x;" > "$1"; exit 3')
    out, err = shell_driver(sqlite_url).run("\\e")
    assert out == ""
    assert err == "the editor exited with status 3; nothing was run\n"
