"""A progress line for long scripts run from a terminal: statements and bytes
done (and a percentage when the input's size is known). Only when standard
error is a terminal and not ``-q``: a script's logs stay clean, and the line
is erased before any message so the two never mix."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 24  # characters of the bar


class Progress:
    def __init__(self, stream: TextIO, total_bytes: int | None, interval: float = 0.1) -> None:
        self.stream = stream
        self.total = total_bytes
        self.interval = interval
        self.statements = 0
        self.bytes = 0
        self._shown = False
        self._last = 0.0

    def read(self, offset: int) -> None:
        """The source has read this many bytes."""
        self.bytes = offset
        self._maybe_draw()

    def statement_done(self) -> None:
        self.statements += 1
        self._maybe_draw()

    def clear(self) -> None:
        """Erase the line (before a message, and at the end)."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self.stream.write("\r\x1b[K" + self.text())
        self.stream.flush()
        self._shown = True

    def text(self) -> str:
        done = f"{self.statements:,} statements, {_size(self.bytes)}"
        if not self.total:
            return done
        share = min(self.bytes / self.total, 1.0)
        filled = int(share * WIDTH)
        return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} {done} of {_size(self.total)}"


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} B"
