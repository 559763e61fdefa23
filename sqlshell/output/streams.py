"""Where text goes. Results (rows, tags, footers) go to stdout; the shell's
own notes, warnings and errors go to stderr, so a script's stdout stays clean
data. Like httpie's Environment, the streams are injected: tests and the
REPL hand in their own."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from typing import TYPE_CHECKING, Protocol, TextIO, cast

from sqlshell.errors import UserError
from sqlshell.urls import scrub_secrets

if TYPE_CHECKING:
    from sqlshell.output.progress import Progress


class Prefs(Protocol):
    """Where ``-q`` / ``\\set QUIET`` is kept: the run's Settings (the Shell binds it)."""

    quiet: bool


class _Loud:
    """Until a Shell binds its Settings: nothing is quiet."""

    quiet = False


class Closed(io.TextIOBase):
    """Standard output or error that was closed before the shell started
    (``>&-``: Python's ``sys.stdout`` is None). Writing fails as writing to a
    closed descriptor does, and the failure is told in words (psql: "could not
    print result table: Bad file descriptor"); messages for a closed stderr are
    lost, as psql's are."""

    def __init__(self, quiet: bool = False) -> None:
        super().__init__()
        self._quiet = quiet

    def write(self, text: str) -> int:
        if self._quiet:
            return len(text)
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


class Output:
    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None, prefs: Prefs | None = None) -> None:
        self.stdout = stdout or sys.stdout or cast("TextIO", Closed())
        self.stderr = stderr or sys.stderr or cast("TextIO", Closed(quiet=True))
        self.prefs: Prefs = prefs or _Loud()  # read, never copied: one value for -q
        self._file: TextIO | None = None  # \o FILE
        self.status: Progress | None = None  # a progress line on stderr, erased before messages
        self.context = ""  # where the running statement comes from ("FILE:LINE: "), for server notices

    @property
    def quiet(self) -> bool:
        return self.prefs.quiet

    @property
    def results(self) -> TextIO:
        return self._file or self.stdout

    def write(self, text: str) -> None:
        """Result text: rows, tags, footers, listings."""
        try:
            self.results.write(text)
        except BrokenPipeError:
            raise  # nobody reads them any more: the caller stops quietly
        except OSError as exc:
            raise UserError(f"cannot write the results: {exc.strerror or exc}") from exc

    def verbatim(self, text: str, stderr: bool = False) -> None:
        """Text a meta-command hands back as it is (``\\echo`` on standard output,
        ``\\warn`` on standard error), after the results so far; a stream that
        cannot be written is said in words, as for results."""
        stream = self.stderr if stderr else self.stdout
        self.flush()
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise UserError(f"cannot write the results: {exc.strerror or exc}") from exc

    def _err(self, line: str) -> None:
        if self.status is not None:
            self.status.clear()
        for stream in (self.stdout, self._file):  # results first, so the two stay in order
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):  # a full or closed results file
                    stream.flush()  # must not keep a message from stderr
        self.stderr.write(scrub_secrets(line) + "\n")
        self.stderr.flush()

    def error(self, line: str) -> None:
        self._err(line)

    def warn(self, line: str) -> None:
        self._err(line)

    def server(self, text: str) -> None:
        """A notice or warning the server sent while a statement ran (``-q`` keeps it)."""
        self._err(self.context + text)

    def note(self, line: str) -> None:
        """Informational: transaction state lines, mode switches. ``-q`` drops them."""
        if not self.quiet:
            self._err(line)

    def answer(self, line: str) -> None:
        """A psql meta-command's reply (``\\pset``): standard output, not the
        ``\\o`` file, as psql prints it. ``-q`` drops it, as psql's QUIET does."""
        if not self.quiet:
            self.stdout.write(line + "\n")

    def timing(self, line: str) -> None:
        """``\\timing``'s ``Time: … ms``: asked for, so standard output (not the
        ``\\o`` file, and ``-q`` keeps it), as psql prints it."""
        if self._file is not None:
            self._file.flush()
        self.stdout.write(line + "\n")

    def write_bytes(self, data: bytes) -> None:
        """Bytes that are not text (binary COPY data): passed on as they are, as psql
        does, under the text layer (flushed first so that the order holds)."""
        stream = self.results
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a stream without bytes underneath (tests' StringIO)
            stream.write(data.decode("latin-1"))
            return
        stream.flush()
        buffer.write(data)

    def flush(self) -> None:
        self.results.flush()
        buffer = getattr(self.results, "buffer", None)
        if buffer is not None:
            buffer.flush()

    def redirect(self, file: TextIO | None) -> None:
        old, self._file = self._file, file  # switched first: a failing close must not leave it half-done
        if old is not None:
            old.close()
