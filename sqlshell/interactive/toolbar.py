"""The REPL's bottom toolbar: where the shell stands, always in view.

A pure function of the mode and the transaction snapshot (``Shell.txn()``),
so what it says is tested without a terminal; the REPL hands prompt_toolkit a
callable that asks the shell each time the screen is drawn (and once a second,
so the age of an open transaction keeps counting).
"""

from __future__ import annotations

from sqlshell.executors.contract import TxnSnapshot

SEPARATOR = " │ "
HINTS = "Tab complete · ^R search · Alt-Enter newline · \\? help"


def transaction_label(txn: TxnSnapshot) -> str:
    """``idle``, ``* open 12s``, ``! failed 3s`` (psql's indicator first)."""
    if txn.state == "idle":
        return "idle"
    age = f" {txn.age:.0f}s" if txn.age is not None else ""
    if txn.lost:
        return "! connection lost"
    return f"{txn.indicator} {txn.state}{age}"


def toolbar_text(mode: str, txn: TxnSnapshot, hints: str = HINTS, lock_wait: str | None = None) -> str:
    parts = [mode, transaction_label(txn)]
    if lock_wait:
        parts.append(lock_wait)  # lockwatch: who the (last) statement waited for
    if txn.savepoints:
        parts.append(f"savepoints {len(txn.savepoints)}")
    if txn.staged is not None:
        parts.append("staged +{} ~{} -{}".format(*txn.staged))
    if hints:
        parts.append(hints)
    return " " + SEPARATOR.join(parts)
