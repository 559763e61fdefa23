"""Defects found by attacking the output, psql-compatibility and visibility work as a
hostile user and a psql user would (each test failed before its fix)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from support import require, run_cli


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


_X_CSV_QUERY = "select 1 as a, 'x,y' as \"b,c\", null as c union all select 3, e'q\"\\n', null"


def test_expanded_csv_is_psqls_name_value_lines(pg_url: str) -> None:
    """``-x --csv`` (psql: a ``name,value`` line per column of every row, no header)
    used to ignore ``-x`` and print the ordinary CSV table."""
    expected = 'a,1\n"b,c","x,y"\nc,\na,3\n"b,c","q""\n"\nc,\n'
    for flags in (["-x", "--csv"], ["-x", "--csv", "-t"]):
        r = run_cli([pg_url, "-X", *flags, "-c", _X_CSV_QUERY])
        assert r.code == 0, r.stderr
        assert r.stdout.replace("\r\n", "\n") == expected
    require(shutil.which("psql") is not None, "psql is installed")
    url = make_url(pg_url)
    where = ["-h", url.host or "", "-p", str(url.port or 5432), "-U", url.username or "", url.database or ""]
    psql = subprocess.run(
        ["psql", "-X", *where, "-x", "--csv", "-c", _X_CSV_QUERY],
        capture_output=True,
        text=True,
        check=True,
    )
    assert psql.stdout == expected


def test_watch_titles_stay_out_of_tuples_only_and_data_formats(db_url: str) -> None:
    """psql prints ``\\watch``'s time title only in titled output: with ``-t`` or in
    CSV the runs' data come alone (the title used to be written into the CSV)."""
    script = "select 1 as a \\watch 0.01 c=2\n"
    for flags, each in (
        (["-At"], "1\n"),
        (["-t"], " 1\n\n"),
        (["--csv"], "a\r\n1\r\n"),
        (["--format", "json"], '[{"a": 1}]\n'),
    ):
        r = run_cli([db_url, "-X", *flags], input=script)
        assert (r.code, r.stdout) == (0, each * 2), flags
    titled = run_cli([db_url, "-X", "-A"], input=script)
    assert titled.code == 0 and titled.stdout.count("(every 0.01s)\n\na\n1\n(1 row)\n") == 2


def test_patterns_that_name_postgres_system_schemas_list_them(pg_url: str) -> None:
    """psql lists ``pg_*`` schemas and their relations when a pattern names them;
    SQLAlchemy's schema list leaves them out, so these used to find nothing."""
    tables = run_cli([pg_url, "-X", "-A", "-c", "\\dt pg_catalog.pg_clas?"])
    assert (tables.code, tables.stdout) == (
        0,
        "List of relations\nSchema|Name|Type|Owner\npg_catalog|pg_class|table|postgres\n(1 row)\n",
    ), tables.stderr
    schemas = run_cli([pg_url, "-X", "-A", "-c", "\\dn pg_toast"])
    assert (schemas.code, schemas.stdout) == (0, "List of schemas\nName|Owner\npg_toast|postgres\n(1 row)\n"), (
        schemas.stderr
    )
    plain = run_cli([pg_url, "-X", "-A", "-t", "-c", "\\dn"])  # without a pattern they stay hidden
    assert plain.code == 0 and "pg_toast" not in plain.stdout and "pg_catalog" not in plain.stdout


def test_tuples_only_listings_have_no_title(db_url: str) -> None:
    """``-t`` (and ``-At``) shows a listing's rows only, as psql does: the
    "List of relations" / "Table …" titles used to stay."""
    run_cli([db_url, "-X", "-c", "create table ao_titles (id int primary key)"])
    try:
        listed = run_cli([db_url, "-X", "-A", "-t", "-c", "\\dt ao_title?"])
        assert listed.code == 0 and "|ao_titles|table" in listed.stdout
        assert "List of" not in listed.stdout and listed.stdout.count("\n") == 1
        described = run_cli([db_url, "-X", "-t", "-c", "\\d ao_titles"])
        assert described.code == 0 and 'Table "' not in described.stdout and " id " in described.stdout
    finally:
        run_cli([db_url, "-X", "-c", "drop table ao_titles"])


def test_json_of_postgres_money_is_valid_json(pg_url: str) -> None:
    """``money`` counts as a number (right-aligned, as psql) but its text ``$1.50``
    is no JSON number: it used to be written bare, and the document did not parse."""
    sql = "select '1.5'::money as m, array['2'::money] as ms, 12.50::numeric as n, 'NaN'::numeric as nan, -3 as i"
    for fmt in ("json", "jsonl"):
        r = run_cli([pg_url, "-X", "--format", fmt, "-c", sql])
        assert r.code == 0, r.stderr
        row = json.loads(r.stdout)[0] if fmt == "json" else json.loads(r.stdout)
        assert row == {"m": "$1.50", "ms": ["$2.00"], "n": 12.5, "nan": "NaN", "i": -3}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_a_full_results_file_fails_the_statement_without_a_traceback(db_url: str) -> None:
    """A full disk under ``-o``, ``\\o`` or ``\\g FILE``: the statement fails with one
    line and exit 1 (closing the file at the end used to be an "internal error", exit 2)."""
    oflag = run_cli([db_url, "-X", "-o", "/dev/full", "-c", "select 1"])
    assert oflag.code == 1 and "No space left" in oflag.stderr and "internal error" not in oflag.stderr
    g = run_cli([db_url, "-X"], input="select 1 \\g /dev/full\n")
    assert g.code == 1 and "cannot write /dev/full: No space left on device" in g.stderr
    script = "\\o /dev/full\nselect 1;\n\\o\nselect 2 as b;\n"
    o = run_cli([db_url, "-X", "--on-error", "continue"], input=script)
    assert o.code == 1 and o.stdout == " b \n---\n 2\n(1 row)\n\n"
    assert "OSError" not in o.stderr and "internal error" not in o.stderr
    assert "<stdin>:3: cannot write the results file: No space left on device" in o.stderr


def test_binary_copy_to_stdout_is_never_mangled(pg_url: str) -> None:
    """Binary COPY data used to be decoded as text (each 0xFF became U+FFFD). ``\\copy …
    TO STDOUT WITH (FORMAT binary)`` now passes psql's bytes on; a plain SQL ``COPY … TO
    STDOUT (FORMAT binary)`` is refused in one line, and its transaction goes on."""
    copy = "\\copy (select 1 as a, 'x'::text as b) to stdout with (format binary)"
    ours = subprocess.run([sys.executable, "-m", "sqlshell", pg_url, "-X", "-c", copy], capture_output=True)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.startswith(b"PGCOPY\n\xff\r\n\x00") and ours.stdout.endswith(b"x\xff\xff")
    require(shutil.which("psql") is not None, "psql is installed")
    url = make_url(pg_url)
    where = ["-h", url.host or "", "-p", str(url.port or 5432), "-U", url.username or "", url.database or ""]
    assert subprocess.run(["psql", "-X", *where, "-c", copy], capture_output=True, check=True).stdout == ours.stdout
    script = "begin;\ncopy (select 1) to stdout (format binary);\nselect 2 as b;\ncommit;\n"
    refused = run_cli([pg_url, "-X", "--on-error", "continue"], input=script)
    assert refused.code == 1 and "binary COPY data is not written" in refused.stderr
    assert refused.stdout == "BEGIN\n b \n---\n 2\n(1 row)\n\nCOMMIT\n"


def test_gset_says_what_it_ignores_as_psql_does(db_url: str) -> None:
    """``\\gset PREFIX EXTRA`` dropped EXTRA in silence (psql warns), and the warning for
    a special variable did not say where it came from."""
    r = run_cli(
        [db_url, "-X"], input='select 1 as a \\gset pre fix\n\\echo :prea\nselect 2 as "ON_ERROR_STOP" \\gset\n'
    )
    assert r.code == 0 and r.stdout == "1\n"
    assert r.stderr == (
        '<stdin>:1: warning: \\gset: extra argument "fix" ignored\n'
        '<stdin>:3: warning: attempt to \\gset into specially treated variable "ON_ERROR_STOP" ignored\n'
    )


def test_txn_story_counts_the_select_a_get_sent(db_url: str) -> None:
    """In session mode ``\\get`` may begin the transaction with its SELECT; ``\\txn``
    used to say "nothing has run in it yet". A ``\\get`` served from the identity map
    sent nothing and stays out of the story."""
    script = (
        "create table ao_story (id int primary key, v text);\ninsert into ao_story values (1, 'a');\n"
        "\\mode session\n\\get ao_story 1\n\\get ao_story 1\n\\txn\n\\rollback\n\\mode engine\ndrop table ao_story;\n"
    )
    r = run_cli([db_url, "-X"], input=script)
    assert r.code == 0, r.stderr
    assert "nothing has run in it yet" not in r.stdout
    story = r.stdout[r.stdout.index("statements:") :]
    assert story.count("\\get ao_story 1") == 1 and "| SELECT 1 " in story and "(1 row)" in story
