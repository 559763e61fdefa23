"""Ctrl-C during a statement cancels it on the server and the shell goes on,
with the transaction state it really has. SIGINT is sent to this process
while the statement runs in the main thread, as a terminal would send it."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest

from sqlshell.cancel import Canceller

SLOW = {
    "postgresql": "select pg_sleep(30);",
    "sqlite": "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c;",
}


def _interrupt_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("mode", ["engine", "connection"])
def test_ctrl_c_cancels_the_running_statement(db_url: str, mode: str, shell_driver) -> None:
    sh = shell_driver(db_url)
    sh.run(f"\\mode {mode}")
    if mode == "connection":
        sh.run("\\begin")
    canceller = Canceller()
    started = time.monotonic()
    timer = _interrupt_after(0.5)
    try:
        with canceller.armed():
            _, err = sh.run(SLOW[db_url.split(":")[0]])
    finally:
        timer.cancel()
    assert time.monotonic() - started < 2.5
    assert "cancel" in err.lower() or "interrupt" in err.lower()
    if mode == "connection" and db_url.startswith("postgresql"):
        assert sh.prompt.endswith("connection!> ")  # the server's truth: the transaction failed
        sh.run("\\rollback")
    elif mode == "connection":
        assert sh.prompt.endswith("connection*> ")  # SQLite keeps the transaction
    out, err = sh.run("select 1 as after;")
    assert " after \n-------\n     1\n" in out, err


def test_ctrl_c_with_nothing_running_interrupts() -> None:
    canceller = Canceller()
    with pytest.raises(KeyboardInterrupt), canceller.armed():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)


def _wait_until_running(application: str, url: str, timeout: float) -> bool:
    """The server says our pg_sleep is running (typed keys may wait a moment
    while the prompt starts up)."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "select count(*) from pg_stat_activity where state = 'active' and application_name = %s"
                " and query like 'select pg_sleep%%'",
                (application,),
            ).fetchone()
            if row and row[0]:
                return True
            time.sleep(0.1)
    return False


def test_ctrl_c_in_the_real_repl_on_a_terminal(pg_url: str, tmp_path) -> None:
    """The whole path: a pseudo-terminal, the real REPL, the terminal's Ctrl-C."""
    import pty
    import select
    import sys

    marker = f"cancel_{os.getpid()}_{time.monotonic_ns()}"
    pid, fd = pty.fork()
    if pid == 0:  # the child: sqlshell on the terminal
        os.environ.update(XDG_STATE_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path), TERM="xterm")
        os.execv(sys.executable, [sys.executable, "-m", "sqlshell", f"{pg_url}?application_name={marker}"])
    seen = b""

    def read_until(marker: bytes, timeout: float) -> bool:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return marker in seen

    try:
        assert read_until(b"engine>", 20), seen
        os.write(fd, b"select pg_sleep(30);\r")
        assert _wait_until_running(marker, pg_url, 15), seen
        interrupted = time.monotonic()
        os.write(fd, b"\x03")  # Ctrl-C, as the terminal sends it
        assert read_until(b"canceling statement due to user request", 5), seen
        assert time.monotonic() - interrupted < 2
        os.write(fd, b"select 6 * 7 as answer;\r")
        assert read_until(b"42", 10), seen
        os.write(fd, b"\\q\r")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
