"""Ctrl-C during a statement cancels it on the server and the shell goes on,
with the transaction state it really has. SIGINT is sent to this process
while the statement runs in the main thread, as a terminal would send it."""

from __future__ import annotations

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
