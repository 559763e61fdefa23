"""mypy over sqlshell/, with the settings in pyproject.toml ([tool.mypy]:
strict), as part of the suite: a type error fails the tests like any other
defect. The incremental cache (.mypy_cache, git-ignored) keeps a rerun to a
second or two."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_settings_mean_something() -> None:
    """The checks this test stands for are on: loosening them is a visible change."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert conf["files"] == ["sqlshell"]
    for flag in (
        "strict",
        "disallow_untyped_defs",
        "disallow_incomplete_defs",
        "check_untyped_defs",
        "no_implicit_optional",
        "strict_equality",
        "warn_unused_ignores",
        "warn_redundant_casts",
    ):
        assert conf.get(flag) is True, flag
    assert "ignore_missing_imports" not in conf  # per module only, for a library without types
    assert "ignore-without-code" in conf["enable_error_code"]


def test_mypy_finds_no_error_in_sqlshell() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is missing: pip install -e '.[test]' installs it")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"mypy found errors:\n{proc.stdout}{proc.stderr}"
    assert proc.stdout.strip() == "", proc.stdout
