"""Who a running statement waits for, told while it waits (interactive only).

A statement stuck behind another connection's lock looks exactly like a slow
one. While the REPL runs a statement, a timer fires after ``AFTER`` seconds;
if the statement is still running it asks the server, on a separate pool
connection, who blocks it (``pg_blocking_pids()`` on PostgreSQL,
``INNODB_LOCK_WAITS`` on MariaDB/MySQL), says so once on stderr, and asks
again every ``EVERY`` seconds. The toolbar then shows the last such wait.

A statement that ends within ``AFTER`` seconds costs one timer start and
cancel; scripts never start one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlshell.cancel import running

if TYPE_CHECKING:
    from sqlshell.state import Shell

AFTER = 3.0  # seconds a statement runs before the server is asked
EVERY = 2.0


class LockWait:
    """The last lock wait seen, for the toolbar."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.ended: float | None = None

    def label(self) -> str | None:
        if self.text is None:
            return None
        return self.text if self.ended is None else f"last statement waited for {self.text}"


last = LockWait()


@contextmanager
def watching(shell: Shell, after: float | None = None, every: float | None = None) -> Iterator[None]:
    """Around one statement: tell who it waits for, if it waits long."""
    after = AFTER if after is None else after
    every = EVERY if every is None else every
    if shell.db.is_sqlite:
        yield  # SQLite's waits are its busy timeout; the server cannot name a holder
        return
    done = threading.Event()
    started = time.monotonic()
    told: list[str] = []

    def check() -> None:
        wait: float = after
        while not done.wait(wait):
            wait = every
            conn = running.connection
            if conn is None:
                continue
            try:
                from sqlshell.observe.locks import blockers

                who = blockers(shell, conn)
            except Exception:  # the question is a courtesy: never disturb the statement
                return
            if who and not done.is_set():
                last.text, last.ended = f"{who}", None
                if who not in told:
                    told.append(who)
                    shell.output.warn(f"waiting {time.monotonic() - started:.0f}s for a lock held by {who}")

    last.text, last.ended = None, None
    watcher = threading.Thread(target=check, name="sqlshell-lockwatch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        if last.text is not None:
            last.ended = time.monotonic()
