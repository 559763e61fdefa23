"""The open transaction's story, for ``\\txn``: each statement since it began,
its tag, when it ran, savepoints as markers (and what a ``ROLLBACK TO`` undid),
and the session's flushes.

The pipeline calls ``Story.record`` after every statement. Outside a
transaction (engine mode, or nothing begun) that is one attribute test and a
return; inside one it appends one small record. Nothing is read back from the
server here: ``\\txn`` asks it for the isolation level when it is shown.

A transaction is recognised by its holder's ``started`` time (both the held
connection and the session set it when their transaction begins and clear it
when it ends), so a new transaction starts a new story without any hook in
the executors.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlshell.observe.view import ShellView
    from sqlshell.results import Outcome
    from sqlshell.sqltext.split import Statement

ABBREVIATE = 80  # characters of a statement shown in the story
KEPT = 4 * ABBREVIATE  # characters kept (whitespace is squeezed when shown)


@dataclass(slots=True)
class Entry:
    kind: str  # begin | statement | savepoint | release | rollback_to | flush | failed
    text: str
    tag: str | None
    at: float  # wall-clock time.time()
    undone_by: str | None = None  # "ROLLBACK TO sp1": this work was undone
    released: bool = False  # a savepoint marker whose savepoint was released


def abbreviate(sql: str, width: int = ABBREVIATE) -> str:
    text = " ".join(sql.split()).removesuffix(";").rstrip()
    return text if len(text) <= width else text[: width - 1] + "…"


class Story:
    """The entries of the transaction open now (empty outside one)."""

    def __init__(self) -> None:
        self.key: float | None = None  # the holder's ``started`` of the transaction told
        self.began: float | None = None  # wall clock of its BEGIN
        self.entries: list[Entry] = []
        self._flushes: list[Entry] = []  # session flushes seen during the running statement
        self._watched: Any = None  # the Session whose flushes are listened to

    def clear(self) -> None:
        self.key, self.began = None, None
        self.entries = []
        self._flushes = []

    def record(self, shell: ShellView, stmt: Statement, ok: bool, outcome: Outcome | None) -> None:
        """After a statement ran: append it when a transaction is open. O(1)."""
        if shell.held is None and shell.session is None:  # engine mode: the cheapest test first
            if self.key is not None:
                self.clear()
            return
        holder = shell.transactional
        if holder is None:
            return
        if holder is shell.session and holder.session is not self._watched:  # type: ignore[attr-defined]
            self._watch(holder.session)  # type: ignore[attr-defined]
        started = holder.started  # type: ignore[attr-defined]
        if started is None or not holder.in_transaction:
            if self.key is not None or self._flushes:
                self.clear()
            return
        if started != self.key:
            self.entries = []
            self.key = started
            self.began = time.time() - (time.monotonic() - started)
        now = time.time()
        if self._flushes:
            self.entries.extend(self._flushes)
            self._flushes = []
        tag = outcome.tag if outcome is not None else None
        if callable(tag):
            tag = tag()
        text = stmt.text[:KEPT]  # abbreviated when shown; a huge statement is not kept whole
        if not ok:
            self.entries.append(Entry("failed", text, "ERROR", now))
            return
        if tag is None:
            return  # a meta-command that sent nothing (\add, \staged, \txn …): not part of the story
        if tag == "SAVEPOINT" or tag == "ROLLBACK":
            savepoints = holder.snapshot().savepoints
            if savepoints and tag == "SAVEPOINT":
                self.entries.append(Entry("savepoint", f"SAVEPOINT {savepoints[-1]}", tag, now))
                return
            if savepoints:  # still in the transaction: a ROLLBACK TO
                self._undo(savepoints[-1], now)
                return
        kind = "begin" if tag == "BEGIN" else "release" if tag == "RELEASE" else "statement"
        self.entries.append(Entry(kind, text, tag, now))
        if tag == "RELEASE":
            self._released(len(holder.snapshot().savepoints))

    def _live_markers(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "savepoint" and not e.released and e.undone_by is None]

    def _released(self, live: int) -> None:
        """Savepoints form a stack: the markers past the ``live`` ones left were released."""
        for marker in self._live_markers()[live:]:
            marker.released = True

    def _undo(self, name: str, now: float) -> None:
        """Mark the work since savepoint NAME's marker as undone."""
        label = f"ROLLBACK TO {name}"
        for i in range(len(self.entries) - 1, -1, -1):
            entry = self.entries[i]
            live = not entry.released and entry.undone_by is None  # a released one cannot be returned to
            if entry.kind == "savepoint" and live and entry.text == f"SAVEPOINT {name}":
                for later in self.entries[i + 1 :]:
                    if later.undone_by is None and later.kind != "rollback_to":
                        later.undone_by = label
                break
        self.entries.append(Entry("rollback_to", label, "ROLLBACK", now))

    def _watch(self, session: Any) -> None:
        """Listen to a session's flushes (once per session; one append per flush)."""
        from sqlalchemy import event

        self._watched = session
        if not session.info.get("sqlshell.story"):
            session.info["sqlshell.story"] = True
            event.listen(session, "after_flush", self._after_flush)

    def _after_flush(self, session: Any, flush_context: Any) -> None:
        # The pre-flush collections are still there: what this flush sent.
        changed = sum(1 for obj in session.dirty if session.is_modified(obj))
        counts = f"{len(session.new)} new, {changed} changed, {len(session.deleted)} deleted"
        self._flushes.append(Entry("flush", f"flush: {counts}", None, time.time()))


_COUNT = re.compile(r"(\d+)$")


def row_count(tag: str | None) -> str:
    """The row count a command tag carries (``INSERT 0 3`` → 3), or ''."""
    if not tag or tag.split()[0] in ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "ERROR"):
        return ""
    m = _COUNT.search(tag)
    return m.group(1) if m else ""
