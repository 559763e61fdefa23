"""Results taller or wider than the terminal go through a pager, as in psql.

``PagedStream`` stands in for standard output while one statement runs. It
holds the text while it still fits the screen; the moment it does not (one
line too many, or one line too wide), it starts the pager, hands it what it
held and streams the rest, so a million-row result never sits in memory.
When the shell is about to write anything else (a note, an error, the next
prompt) it flushes the stream, which means "this result is complete": held
text goes to the terminal as it is, and a running pager gets end-of-input
and is waited for, so nothing is written over it.

Only the REPL uses this, and only when standard output is a terminal.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import threading
from typing import Any, TextIO

from sqlshell.output.cells import display_width

DEFAULT_PAGER = "less -SRXF"


def pager_command(configured: str = "") -> str:
    """The configured command, else $PAGER, else ``less -SRXF``."""
    return configured.strip() or os.environ.get("PAGER", "").strip() or DEFAULT_PAGER


def usable(command: str) -> bool:
    """The pager's program exists (else results are written directly)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and shutil.which(words[0]) is not None


class PagedStream:
    def __init__(self, target: TextIO, command: str, size: os.terminal_size | None = None) -> None:
        self.target = target
        self.command = command
        size = size or shutil.get_terminal_size()
        self.max_lines = max(size.lines - 1, 1)  # one line stays for the prompt
        self.max_width = size.columns
        self._held: list[str] = []
        self._lines = 0
        self._proc: subprocess.Popen[str] | None = None
        self._direct = False  # the result so far was complete: write straight through
        self._dropped = False  # the user quit the pager early: the rest is not wanted
        self.paged = False  # the pager was used (for tests and messages)

    def write(self, text: str) -> int:
        if self._proc is not None:
            self._to_pager(text)
        elif self._direct:
            self.target.write(text)
        else:
            self._held.append(text)
            lines = text.split("\n")
            self._lines += len(lines) - 1
            if self._lines > self.max_lines or any(display_width(line) > self.max_width for line in lines):
                self._start()
        return len(text)

    def flush(self) -> None:
        """The result written so far is complete: show it now."""
        if self._proc is not None:
            self._finish_pager()
        elif self._held:
            self.target.write("".join(self._held))
            self._held = []
        self._direct = True
        self.target.flush()

    close = flush

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:  # encoding, fileno…: the terminal's
        return getattr(self.target, name)

    # -- the pager process --------------------------------------------------------

    def _start(self) -> None:
        env = dict(os.environ)
        env.setdefault("LESS", "SRXF")  # for a bare $PAGER=less, like git
        self.target.flush()
        try:
            self._proc = subprocess.Popen(
                self.command, shell=True, stdin=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", env=env
            )
        except OSError:
            self._direct = True  # no pager after all: the terminal gets it
            self.target.write("".join(self._held))
            self._held = []
            return
        self.paged = True
        held, self._held = "".join(self._held), []
        self._to_pager(held)

    def _to_pager(self, text: str) -> None:
        if self._dropped or self._proc is None or self._proc.stdin is None:
            return
        try:
            self._proc.stdin.write(text)
        except (BrokenPipeError, OSError):
            self._dropped = True

    def _finish_pager(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        on_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if on_main else None  # Ctrl-C belongs to the pager
        try:
            proc.wait()
        finally:
            if on_main:
                signal.signal(signal.SIGINT, previous)
