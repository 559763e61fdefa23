"""Defects found by attacking the output, psql-compatibility and visibility work as a
hostile user and a psql user would (each test failed before its fix)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli


def test_g_file_writes_that_statements_results_to_the_file(db_url: str, tmp_path: Path) -> None:
    """psql's ``\\g FILE`` / ``\\gx FILE``: the results go to FILE, not to standard output
    (the name used to be dropped in silence)."""
    plain, expanded = tmp_path / "g.txt", tmp_path / "gx.txt"
    script = f"select 1 as a \\g {plain}\nselect 2 as b \\gx '{expanded}'\nselect 3 as c \\g\n"
    r = run_cli([db_url, "-X"], input=script)
    assert r.code == 0, r.stderr
    assert plain.read_text() == " a \n---\n 1\n(1 row)\n\n"
    assert expanded.read_text() == "-[ RECORD 1 ]\nb | 2\n\n"
    assert r.stdout == " c \n---\n 3\n(1 row)\n\n"  # only the statement without a file
    bad = run_cli([db_url, "-X"], input=f"select 4 \\g {tmp_path / 'no' / 'x.txt'}\n")
    assert bad.code == 1 and bad.stdout == "" and "cannot write" in bad.stderr
    piped = run_cli([db_url, "-X"], input="select 5 \\g |cat\n")
    assert piped.code == 1 and piped.stdout == "" and "cannot pipe" in piped.stderr


def test_readme_error_lines_are_what_the_prompt_prints(pg_url: str) -> None:
    """The README's films / datalog examples show the error exactly as a one-line
    statement at the prompt (or ``-c``) reports it: the column once, no line."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    shown = {line for line in readme.splitlines() if line.startswith('ERROR: relation "datalog"')}
    r = run_cli([pg_url, "-X", "-c", "insert into datalog values ('added a comedy')"])
    assert r.code == 1 and "does not exist" in r.stderr  # the README's table must not exist
    assert shown == {r.stderr.rstrip("\n")}
