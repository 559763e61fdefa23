"""The shell-completion scripts in completions/ are what click generates now,
and the CLI answers completion requests through them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner

from sqlshell.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_completions", ROOT / "scripts" / "gen_completions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_completion_scripts_are_current() -> None:
    for name, text in generator().generated().items():
        path = ROOT / "completions" / name
        assert path.exists(), f"completions/{name} missing: run python scripts/gen_completions.py"
        assert path.read_text() == text, f"completions/{name} is stale: run python scripts/gen_completions.py"
    assert generator().main(["--check"]) == 0


def complete(words: str) -> list[str]:
    """What the bash script would get back for the command line ``words``."""
    env = {"_SQLSHELL_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    result = CliRunner().invoke(cli, [], env=env, prog_name="sqlshell")
    return result.output.splitlines()


def test_the_cli_answers_completion_requests() -> None:
    assert complete("sqlshell --mode ") == ["plain,engine", "plain,connection", "plain,session"]
    assert "plain,github" in complete("sqlshell --format gi")
    assert complete("sqlshell -f sc") == ["file,sc"]
    assert "plain,--single-transaction" in complete("sqlshell --si")


def test_readme_says_how_to_install_them() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Shell completion", 1)[1].split("\n## ", 1)[0]
    for name in generator().FILES:
        assert f"completions/{name}" in section
