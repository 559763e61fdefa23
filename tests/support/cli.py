"""The real ``sqlshell`` entry point, run in-process by click's test runner."""

from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from sqlshell.cli import cli


@dataclass
class Run:
    stdout: str
    stderr: str
    code: int


def run_cli(args: list[str], input: str | bytes | None = None) -> Run:
    """Run the real `sqlshell` entry point in-process (stdin is not a tty)."""
    result = CliRunner().invoke(cli, args, input=input, catch_exceptions=False)
    # The raw bytes: click's .stdout would turn CSV's CRLF line ends into LF.
    return Run(result.stdout_bytes.decode(), result.stderr_bytes.decode(), result.exit_code)
