"""Random and mutated input through the whole pipeline (splitter, dispatcher,
meta-commands, executors) on a real SQLite database: no exception escapes,
and the shell still answers a plain query afterwards."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlshell.commands.registry import build_registry

META = sorted(build_registry().names())
PIECES = [
    "select 1",
    ";",
    "'",
    '"',
    "$$",
    "$a$",
    "--",
    "/*",
    "*/",
    "\\",
    "\n",
    " ",
    "(",
    ")",
    "begin",
    "commit",
    "rollback",
    "savepoint s",
    "release s",
    "rollback to s",
    "insert into t values (1)",
    "create table t (a int)",
    "drop table t",
    ":x",
    ":'x'",
    "\x00",
    "é",
    "🐘",
    "\u202e",
    "x" * 300,
    "\\g",
    "\\gx",
    "\\set x 1",
    "copy t from stdin",
    "\\.",
    "\\mode session",
    "\\mode connection",
    "\\mode engine",
    "\\add t a=1",
    "\\flush",
    "\\staged",
    "E'\\'",
]
fragment = st.one_of(st.sampled_from(PIECES), st.sampled_from(META), st.text(max_size=12))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(fragment, max_size=12).map("".join))
def test_any_input_leaves_the_shell_usable(shell_driver, tmp_path_factory, monkeypatch, text: str) -> None:
    here = tmp_path_factory.mktemp("fuzz")
    monkeypatch.chdir(here)  # "\\c word" opens (and creates) an SQLite file named word, as sqlite3 would
    db = here / "f.sqlite3"
    sh = shell_driver(f"sqlite:///{db}")
    sh.run(text.replace("\\q", "\\x").replace("\\e", "\\x").replace("\\i", "\\x").replace("\\o", "\\x"))
    sh.shell.discard_open_work()
    if sh.shell.mode.value != "engine":
        sh.run("\\mode engine")
    sh.run("\\x off\n\\format table\n")  # display settings the input may have changed
    out, err = sh.run("select 42 as alive;")
    assert " alive \n-------\n    42\n" in out, err
