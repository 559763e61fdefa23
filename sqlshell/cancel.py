"""Ctrl-C while a statement runs cancels it on the server; the shell survives.

Left alone, Ctrl-C raises KeyboardInterrupt inside the driver call, and
SQLAlchemy treats an exception that is not an ``Exception`` as fatal for the
connection: it is invalidated and an open transaction is lost. Instead, while
the REPL runs a statement, SIGINT asks the server to cancel it (psycopg's
``cancel_safe``; sqlite3's ``interrupt``). The statement then fails with an
ordinary error ("canceling statement due to user request"), SQLAlchemy keeps
the connection, and the transaction state shown afterwards is the server's.
With nothing running (the rows are being printed), Ctrl-C interrupts as usual.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Running:
    """The DBAPI connection running the current statement. Signals are
    process-wide, and so is this one slot: the shell runs one statement at a time."""

    def __init__(self) -> None:
        self.connection: Any = None
        self.interrupted = False  # Ctrl-C came during this statement (\watch stops, as psql's cancel_pressed)

    def started(self, dbapi_connection: Any) -> None:
        self.connection = dbapi_connection

    def cancel(self) -> bool:
        """Ask the server to stop the running statement; False if none is running."""
        target = self.connection
        if target is None:
            return False
        if hasattr(target, "cancel_safe"):  # psycopg 3
            target.cancel_safe(timeout=5.0)
        elif hasattr(target, "interrupt"):  # sqlite3
            target.interrupt()
        else:
            return False
        return True


running = Running()


class Canceller:
    """Installs the Ctrl-C handler around one statement."""

    @contextmanager
    def armed(self) -> Iterator[None]:
        """Cancel-on-Ctrl-C for the duration of one statement (main thread only:
        Python delivers signals there)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        running.connection, running.interrupted = None, False
        previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            running.connection = None

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        running.interrupted = True
        if not running.cancel():
            raise KeyboardInterrupt
