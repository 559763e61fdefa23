"""Where ``\\copy``'s data comes from and goes to: a file, a program's output
or input, the data lines that followed the command in the script, standard
input, or the results output.

Each source gives the data twice over, as text lines (for the shell's own
COPY reader) and as byte blocks (for PostgreSQL's COPY protocol), with the
input line of its first line and a name for messages, so an error can name
the bad line as psql does. A program's exit status is checked after its data.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlshell.errors import UserError
from sqlshell.sqltext.copyargs import CopySpec

if TYPE_CHECKING:
    from sqlshell.state import Shell

BLOCK = 64 * 1024  # bytes read from a file per COPY write


@contextmanager
def source(
    spec: CopySpec, attached: tuple[str, int] | None
) -> Iterator[tuple[Iterable[str], Iterable[bytes], int, str]]:
    """(text lines, byte blocks, input line of the first one, name for messages).
    ``attached``: the script's data lines after ``\\copy … FROM STDIN`` and the
    input line of the first, if the splitter found them."""
    enc = spec.options.encoding or "utf-8"
    if spec.kind == "stdio":
        if attached is not None:
            data, first = attached
            # COPY ends lines at \n, \r\n or \r only: str.splitlines would also cut at
            # \f, \v, \x1c-\x1e, \x85, \u2028 and \u2029, which COPY's text and CSV keep raw.
            yield io.StringIO(data, newline=""), _encoded(data, enc), first, "the input"
        else:
            lines = _stdin_lines()
            yield lines, _encoded_lines(lines, enc), 1, "standard input"
        return
    if spec.kind == "program":
        assert spec.target is not None
        proc = subprocess.Popen(spec.target, shell=True, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        try:
            with open(proc.stdout.fileno(), encoding=enc, newline="", closefd=False) as text:
                yield text, _blocks(proc.stdout), 1, f"program {spec.target!r}"
        except BaseException:  # the copy failed or was interrupted: the program is not needed any more
            proc.stdout.close()
            proc.kill()
            proc.wait()
            raise
        proc.stdout.close()
        _check_program(proc, spec.target)
        return
    assert spec.target is not None
    path = Path(spec.target).expanduser()
    try:
        with open(path, "rb") as binary, open(path, encoding=enc, newline="") as text:
            yield text, _blocks(binary), 1, spec.target
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise UserError(f"{spec.target}: {exc.strerror}") from None


def _stdin_lines() -> Iterator[str]:
    """psql's interactive ``\\copy … FROM STDIN``: lines up to ``\\.`` or end of input."""
    tty = sys.stdin.isatty()
    if tty:
        print(
            "Enter data to be copied followed by a newline.\n"
            "End with a backslash and a period on a line by itself, or an EOF signal.",
            file=sys.stderr,
        )
    while True:
        if tty:
            print(">> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line or line.rstrip("\r\n") == "\\.":
            return
        yield line


def _encoded(data: str, enc: str) -> Iterator[bytes]:
    for i in range(0, len(data), BLOCK):
        yield data[i : i + BLOCK].encode(enc)


def _encoded_lines(lines: Iterable[str], enc: str) -> Iterator[bytes]:
    for line in lines:
        yield line.encode(enc)


def _blocks(f: IO[bytes]) -> Iterator[bytes]:
    while block := f.read(BLOCK):
        yield block


def _check_program(proc: subprocess.Popen[bytes], command: str) -> None:
    code = proc.wait()
    if code < 0:
        raise UserError(f"program {command!r} was terminated by signal {-code}")
    if code:
        raise UserError(f"program {command!r} failed: exit status {code}")


@contextmanager
def sink(shell: Shell, spec: CopySpec, enc: str) -> Iterator[Any]:
    """A ``write(bytes)`` for the target: a file, a program's input, or the results output."""
    if spec.kind == "stdio":
        out = shell.output
        if spec.options.format == "binary":  # bytes, not text: decoding them broke them
            yield out.write_bytes
        else:
            yield lambda b: out.write(b.decode(enc, errors="replace"))
        out.flush()
        return
    assert spec.target is not None
    if spec.kind == "program":
        proc = subprocess.Popen(spec.target, shell=True, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        try:
            yield proc.stdin.write
        except BaseException:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            proc.wait()  # it has its input so far, and its end: let it finish as psql does
            raise
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        _check_program(proc, spec.target)
        return
    try:
        f = open(Path(spec.target).expanduser(), "wb")  # noqa: SIM115 - closed below, after the copy
    except OSError as exc:
        raise UserError(f"{spec.target}: {exc.strerror}") from None
    with f:
        yield f.write
