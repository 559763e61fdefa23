"""config.toml: its values become the run's defaults, the command line wins,
and a bad file is one line naming the bad key, then the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

from sqlshell import config
from sqlshell.paths import config_dir
from sqlshell.settings import Settings


def write_config(text: str) -> Path:
    path = config_dir() / "config.toml"  # $XDG_CONFIG_HOME is the test's own (conftest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_sets_format_and_null(sqlite_url: str) -> None:
    write_config('format = "csv"\n')
    run = run_cli(["-c", "select 1 as a, 2 as b", sqlite_url])
    assert (run.code, run.stdout, run.stderr) == (0, "a,b\r\n1,2\r\n", "")
    write_config('null = "∅"\n')
    assert " ∅\n" in run_cli(["-c", "select null as n", sqlite_url]).stdout


def test_command_line_options_win(sqlite_url: str) -> None:
    write_config('format = "csv"\nnull = "∅"\nmode = "connection"\n')
    run = run_cli(
        ["--format", "table", "--null", "-", "--mode", "engine", "-c", "select null as n", "-c", "\\mode", sqlite_url]
    )
    assert run.stdout == " n \n---\n -\n(1 row)\n\n"
    assert "engine mode" in run.stderr


def test_the_file_sets_the_starting_mode(sqlite_url: str) -> None:
    write_config('mode = "connection"\n')
    assert "connection mode" in run_cli(["-c", "\\mode", sqlite_url]).stderr


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('colour = "red"\n', "unknown key 'colour'"),
        ('format = "fancy"\n', "bad value for 'format'"),
        ("history_size = 0\n", "bad value for 'history_size'"),
        ('key_bindings = "nano"\n', "bad value for 'key_bindings'"),
        ("pager = 3\n", "bad value for 'pager'"),
        ("format = \n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_and_the_defaults(sqlite_url: str, text: str, named: str) -> None:
    path = write_config('null = "∅"\n' + text)  # the good key is not half-applied either
    run = run_cli(["-c", "select null as n", sqlite_url])
    assert run.code == 0
    assert run.stdout == "   n    \n--------\n <null>\n(1 row)\n\n"
    [line] = run.stderr.splitlines()
    assert line.startswith(f"sqlshell: {path}: ") and named in line and line.endswith("; using defaults")


def test_every_key_reaches_the_settings() -> None:
    write_config(
        'expanded = "auto"\npager = "less -S"\nkey_bindings = "vi"\ndestructive_warning = false\nhistory_size = 500\n'
    )
    cfg, problem = config.load()
    assert problem is None
    settings = Settings()
    config.apply(cfg, settings)
    assert (settings.expanded, settings.expanded_auto) == (False, True)
    assert (settings.pager, settings.pager_command) == (True, "less -S")
    assert (settings.key_bindings, settings.destructive_warning, settings.history_size) == ("vi", False, 500)
    config.apply(config.Config(config.parse("pager = false\nexpanded = true\n")), settings)
    assert (settings.pager, settings.expanded) == (False, True)


def test_no_file_is_no_problem() -> None:
    assert config.load() == (config.Config(), None)


def test_no_config_flag_ignores_the_file(tmp_path, monkeypatch) -> None:
    from support import run_cli

    from sqlshell.paths import config_dir

    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text('format = "csv"\nnull = "NIL"\n')
    db = str(tmp_path / "x.db")
    assert run_cli([db, "-q", "-c", "select null as a"]).stdout == "a\r\n\r\n"
    assert run_cli([db, "-X", "-q", "-c", "select null as a"]).stdout == "   a    \n--------\n <null>\n(1 row)\n\n"
