"""Random and mutated input through the whole pipeline (splitter, dispatcher,
meta-commands, executors) on a real SQLite database: no exception escapes,
and the shell still answers a plain query afterwards."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlshell.commands.all import build_registry

# Meta-commands that reach outside the shell (a shell command, an editor, files,
# an endless loop, quitting) are replaced before the input runs; see _tame.
OUTSIDE = re.compile(r"\\!|\\(?:[qeiow]|quit|edit|include\w*|ir|out|watch|copy|cd|setenv)(?![A-Za-z_])")
META = sorted(name for name in build_registry().names() if not OUTSIDE.match(name))
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
    sh.run(_tame(text))
    sh.pipeline.end_of_input()  # an \\if left open ends with the input, as in psql
    sh.shell.discard_open_work()
    if sh.shell.mode.value != "engine":
        sh.run("\\mode engine")
    sh.run("\\x off\n\\format table\n\\pset tuples_only off\n\\pset footer on\n")  # settings the input may have changed
    out, err = sh.run("select 42 as alive;")
    assert " alive \n-------\n    42\n" in out, err


def _tame(text: str) -> str:
    """The input with every meta-command that reaches outside the shell made harmless."""
    return OUTSIDE.sub(r"\\x", text)
