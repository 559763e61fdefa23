"""Run a script: standard input, ``-f`` files and ``-c`` strings, in
command-line order, through one Pipeline; then end its open work
(``openwork``) and turn what happened into the exit status.

The CLI hands over a Shell and the script steps; a progress line on a
terminal's stderr, ``-1``'s BEGIN, ``\\ir``'s base directory and the
``FILE:LINE:`` of error lines are this module's business.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlshell.exitstatus import ExitStatus
from sqlshell.openwork import Occasion, settle

if TYPE_CHECKING:
    from sqlshell.cliopts import ScriptStep
    from sqlshell.errors import InputError
    from sqlshell.output.progress import Progress
    from sqlshell.sqltext.split import Statement
    from sqlshell.state import Shell

STDIN_NAME = "<stdin>"  # standard input, in error lines


def run_script(shell: Shell, script: list[ScriptStep]) -> ExitStatus:
    """Run the steps (none: standard input), then end the open work: the exit
    status says whether everything ran and nothing was lost."""
    from sqlshell.commands import transaction
    from sqlshell.pipeline import Pipeline

    pipeline = Pipeline(shell)
    if shell.settings.single_transaction:
        transaction.begin(shell)
    with ExitStack() as stack:
        progress = _progress(shell, script, stack)
        if progress is not None:
            pipeline.on_statement = progress.statement_done
        for path, name, statements in _sources(shell, script, stack, progress):
            pipeline.source = name  # error lines: FILE:LINE:
            if path is not None:
                shell.scripts.append(path)  # \ir inside the file is relative to it
            try:
                pipeline.run(statements)
            finally:
                if path is not None:
                    shell.scripts.pop()
            if pipeline.failures and shell.settings.on_error_stop:
                break
    return pipeline.finish_script()  # the end of input: openwork decides what happens to open work


def stopped(shell: Shell, exc: BrokenPipeError | InputError) -> ExitStatus:
    """The run cannot go on: its output was closed (``| head``) or its input
    cannot be read. Stop, like psql, but never drop open work without saying so."""
    if isinstance(exc, BrokenPipeError):
        devnull = os.open(os.devnull, os.O_WRONLY)  # nothing more reaches the closed pipe
        os.dup2(devnull, sys.stdout.fileno())
        settle(shell, Occasion.ABORT, cause="output closed; ")
        return ExitStatus.STATEMENT_FAILED
    shell.output.error(f"sqlshell: {exc}")
    settle(shell, Occasion.ABORT)
    return ExitStatus.BAD_USAGE


def _progress(shell: Shell, script: list[ScriptStep], stack: ExitStack) -> Progress | None:
    """A progress line when standard error is a terminal (and not -q)."""
    if shell.settings.quiet or sys.stderr is None or not sys.stderr.isatty():
        return None
    from sqlshell.output.progress import Progress

    files = [step.text for step in script if step.is_file]

    sizes = [_size(path) for path in files] if files else [_size("-")]
    total = None if None in sizes else sum(s or 0 for s in sizes)
    progress = Progress(sys.stderr, total)
    shell.output.status = progress
    stack.callback(progress.clear)
    return progress


def _size(path: str) -> int | None:
    """Bytes in a file or a redirected standard input; None for a pipe."""
    import stat

    try:
        info = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _open_files(script: list[ScriptStep], stack: ExitStack) -> dict[int, tuple[BinaryIO, str, Path | None]]:
    """Every -f file, opened before anything runs, so an unreadable file has no
    partial effect; by step index, with its name and resolved path (None: stdin)."""
    from sqlshell.errors import InputError

    opened: dict[int, tuple[BinaryIO, str, Path | None]] = {}
    for index, step in enumerate(script):
        if not step.is_file:
            continue
        if step.text == "-":
            opened[index] = (sys.stdin.buffer, "standard input", None)
            continue
        try:
            stream: BinaryIO = stack.enter_context(open(step.text, "rb"))  # noqa: SIM115 - closed by the stack
        except OSError as exc:
            raise InputError(f"cannot read {step.text}: {exc.strerror or exc}") from exc
        opened[index] = (stream, step.text, Path(step.text).resolve())
    return opened


def _sources(
    shell: Shell,
    script: list[ScriptStep],
    stack: ExitStack,
    progress: Progress | None = None,
) -> Iterator[tuple[Path | None, str | None, Iterable[Statement]]]:
    """The statement streams in command-line order (-c and -f interleaved, as
    psql runs them), else standard input; each with its file's path (for
    \\ir) and the name its error lines give (None for -c, as psql)."""
    from sqlshell.sqltext.source import StdinData, stream_statements

    nested = shell.db.nested_comments
    server = shell.standard_conforming_strings  # the splitter follows the server, as psql does
    opened = _open_files(script, stack)
    done = 0  # bytes of the streams already read, for the progress line

    def reader(base: int) -> Callable[[int], None] | None:
        return None if progress is None else (lambda offset: progress.read(base + offset))

    stdin_data = StdinData()  # COPY … FROM STDIN in a -c string reads standard input, as in psql
    for index, step in enumerate(script):
        if not step.is_file:
            yield None, None, stdin_data.statements(step.text, nested, server)
            continue
        stream, name, resolved = opened[index]
        shown = STDIN_NAME if resolved is None else name
        yield resolved, shown, stream_statements(stream, nested, name, reader(done), server)
        done = progress.bytes if progress is not None else 0
    if not script:
        yield None, STDIN_NAME, stream_statements(sys.stdin.buffer, nested, "standard input", reader(0), server)
