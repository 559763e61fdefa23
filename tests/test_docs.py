"""The README is a contract: its set-up commands, its meta-command table, and CI."""

from __future__ import annotations

import re
from pathlib import Path

from sqlshell.commands.all import build_registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _setup_commands() -> list[str]:
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = _setup_commands()
    assert len(commands) == 2
    assert commands[0].endswith("sqlshell")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _setup_commands()[1] in ci.splitlines()
    assert "SQLSHELL_REQUIRE_PG=1" in ci
    assert "SQLSHELL_REQUIRE_MYSQL=1" in ci


def test_every_meta_command_is_documented() -> None:
    for command in build_registry().commands:
        assert f"| `{command.name}" in README, f"{command.name} missing from the README's meta-command table"


def test_the_architecture_map_matches_the_folders() -> None:
    """Every package and module at sqlshell/'s top level is in the README's map,
    and everything the map names exists."""
    section = README.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| (.+?) \|", section, re.M)) - {"where", "---"}
    paths = {p.strip("`") for cell in named for p in cell.split(", ")}
    package = ROOT / "sqlshell"
    present = {p.name + ("/" if p.is_dir() else "") for p in package.iterdir() if p.name != "__pycache__"}
    present -= {"__init__.py", "__main__.py", "py.typed"}
    assert present - paths == set(), "in sqlshell/ but not in the README's map"
    assert paths - present == set(), "in the README's map but not in sqlshell/"
