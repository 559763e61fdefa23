"""The package as a packager sees it: one version, true metadata, a man page
generated from the CLI, and an sdist and a wheel that carry what they must
(the sdist: everything the tests need; the wheel: py.typed, the man page and
the shell completions as data files)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import metadata, version
from pathlib import Path
from types import ModuleType

import pytest

import sqlshell

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DIST = PYPROJECT["project"]["name"]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_distribution_is_not_called_sqlshell_but_the_command_is() -> None:
    assert DIST == "sqla-shell"  # "sqlshell" on PyPI is an unrelated GUI tool
    assert PYPROJECT["project"]["scripts"] == {"sqlshell": "sqlshell.cli:main"}


def test_one_source_of_the_version() -> None:
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert "version" not in PYPROJECT["project"]
    assert version(DIST) == sqlshell.__version__


def test_metadata_license_classifiers_keywords() -> None:
    meta = metadata(DIST)
    assert meta["License-Expression"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert not [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]  # PEP 639: not both
    assert "Topic :: Database :: Front-Ends" in (meta.get_all("Classifier") or [])
    assert "postgresql" in (meta["Keywords"] or "")
    assert (ROOT / "sqlshell" / "py.typed").exists()


def test_man_page_is_generated_from_the_cli() -> None:
    gen = _script("gen_manpage")
    page = ROOT / "man" / "sqlshell.1"
    assert page.read_text() == gen.generated(), "man/sqlshell.1 is stale: run python scripts/gen_manpage.py"
    assert gen.main(["--check"]) == 0
    text = page.read_text()
    for flag in ("\\-h, \\-\\-host", "\\-V, \\-\\-version", "\\-t, \\-\\-tuples\\-only", "\\-W, \\-\\-password"):
        assert flag in text


def test_minimum_constraints_pin_every_floor() -> None:
    """constraints/minimum.txt pins each dependency at the floor pyproject.toml
    declares, so CI's minimum-versions run tests exactly what is claimed."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    pins = {}
    for line in (ROOT / "constraints" / "minimum.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[req.name.lower().replace("_", "-")] = Version(str(req.specifier).removeprefix("=="))
    project = PYPROJECT["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    for text in declared:
        req = Requirement(text)
        floor = Version(next(s.version for s in req.specifier if s.operator == ">="))
        assert pins.get(req.name.lower().replace("_", "-")) == floor, f"{req.name}: floor {floor} not pinned"


def _files_under(*folders: str) -> set[str]:
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*"):
            parts = path.relative_to(ROOT).parts
            if path.is_file() and not any(p in ("__pycache__", ".hypothesis") for p in parts) and path.suffix != ".pyc":
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_sdist_and_wheel_hold_everything(tmp_path: Path) -> None:
    if importlib.util.find_spec("build") is None:
        pytest.fail("the 'build' package is missing: pip install -e '.[test]' installs it")
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (sdist,) = tmp_path.glob("*.tar.gz")
    (wheel,) = tmp_path.glob("*.whl")
    assert sdist.name.startswith("sqla_shell-") and wheel.name.startswith("sqla_shell-")
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        members = {name.removeprefix(top + "/") for name in tar.getnames()}
    needed = _files_under("tests", "completions", "scripts", "man", "sqlshell")
    needed |= {"LICENSE", "README.md", "pyproject.toml", "CHANGELOG.md", "CONTRIBUTING.md", "constraints/minimum.txt"}
    assert needed - members == set()
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
    data = f"sqla_shell-{sqlshell.__version__}.data/data/share/"
    for member in (
        "sqlshell/py.typed",
        data + "man/man1/sqlshell.1",
        data + "bash-completion/completions/sqlshell.bash",
        data + "zsh/site-functions/_sqlshell",
        data + "fish/vendor_completions.d/sqlshell.fish",
    ):
        assert member in names, member
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
