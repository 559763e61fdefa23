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


def test_readme_bash_instructions_work_without_bash_completion(tmp_path: Path) -> None:
    """The README's first bash recipe, run as written in a fresh HOME; then an
    interactive bash (which reads ~/.bashrc, with no bash-completion package
    loaded) completes ``sqlshell --mode`` on Tab."""
    import os
    import pty
    import select
    import shutil
    import signal
    import subprocess
    import sys
    import time

    import pytest

    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Shell completion", 1)[1].split("# bash, if", 1)[0]
    recipe = [line for line in section.split("# bash:", 1)[1].splitlines()[1:] if line and not line.startswith("#")]
    env = {**os.environ, "HOME": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for line in recipe:
        subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, check=True)
    pid, fd = pty.fork()
    if pid == 0:  # the child: an interactive bash reading only the new ~/.bashrc
        os.chdir(tmp_path)
        os.execve(shutil.which("bash") or "bash", ["bash", "-i"], {**env, "PS1": "$ "})

    def read(seconds: float) -> str:
        out, end = b"", time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        return out.decode(errors="replace")

    try:
        read(1.0)
        os.write(fd, b"sqlshell --mode \t\t")
        seen = read(4.0)
    finally:
        os.kill(pid, signal.SIGKILL)  # the bash this test started
        os.waitpid(pid, 0)
        os.close(fd)
    assert "engine" in seen and "connection" in seen and "session" in seen, seen
