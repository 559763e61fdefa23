"""Recognise transaction-control SQL typed by the user.

``BEGIN``/``COMMIT``/``SAVEPOINT`` sent straight to the driver would bypass
SQLAlchemy's transaction bookkeeping and the shell's idea of the state would
drift from the server's. The dispatcher routes them to the same operations
as ``\\begin``/``\\commit``/``\\savepoint`` instead.

The statement's words come from its classification (``sqltext.classify``);
the patterns here only read the options of a statement already known to be
transaction control.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ISOLATION = re.compile(
    r"isolation\s+level\s+(serializable|repeatable\s+read|read\s+committed|read\s+uncommitted)", re.IGNORECASE
)
_CHAIN = re.compile(r"\band\s+chain\b", re.IGNORECASE)
_READ_ONLY = re.compile(r"\bread\s+only\b", re.IGNORECASE)
_SQLITE_MODE = re.compile(r"^\s*begin\s+(deferred|immediate|exclusive)\b", re.IGNORECASE)
_NAME_AFTER = re.compile(
    r"(?:savepoint|to|release)\s+(?:savepoint\s+)?(\"(?:[^\"]|\"\")+\"|`(?:[^`]|``)+`|[^\s;]+)\s*;?\s*$", re.IGNORECASE
)
# The verbs a transaction command starts with: any other statement is told
# apart from its first word alone.
TXN_VERBS = frozenset({"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release"})


@dataclass(frozen=True)
class TxnCommand:
    action: str  # begin | commit | rollback | savepoint | release | rollback_to
    name: str | None = None  # savepoint name
    isolation: str | None = None  # BEGIN ISOLATION LEVEL …
    read_only: bool = False
    sqlite_mode: str | None = None  # BEGIN IMMEDIATE / EXCLUSIVE on SQLite
    chain: bool = False  # COMMIT AND CHAIN: a new transaction begins at once


def _name(sql: str) -> str | None:
    m = _NAME_AFTER.search(sql)
    return fold_name(m.group(1)) if m else None


def fold_name(word: str) -> str:
    """A savepoint name as the server folds identifiers: unquoted to lower case,
    "quoted" as written (so ``\\savepoint Foo`` and ``ROLLBACK TO foo`` meet)."""
    if len(word) > 1 and word[0] == word[-1] and word[0] in '"`':
        return word[1:-1].replace(word[0] * 2, word[0])
    return word.lower()


def txn_command(words: list[str], sql: str) -> TxnCommand | None:
    """The transaction command a statement is (``words``: its first words,
    at least four when it has them), or None for ordinary SQL."""
    if not words:
        return None
    verb = words[0]
    second = words[1] if len(words) > 1 else ""
    if verb == "begin" or (verb == "start" and second == "transaction"):
        iso = _ISOLATION.search(sql)
        mode = _SQLITE_MODE.match(sql)
        return TxnCommand(
            "begin",
            isolation=" ".join(iso.group(1).upper().split()) if iso else None,
            read_only=bool(_READ_ONLY.search(sql)),
            sqlite_mode=mode.group(1).upper() if mode else None,
        )
    if verb in ("commit", "end"):
        if second == "prepared":
            return None  # two-phase commit: not the current transaction
        return TxnCommand("commit", chain=bool(_CHAIN.search(sql)))
    if verb in ("rollback", "abort"):
        if second == "prepared":
            return None
        if "to" in words[1:3]:
            return TxnCommand("rollback_to", name=_name(sql))
        return TxnCommand("rollback", chain=bool(_CHAIN.search(sql)))
    if verb == "savepoint":
        return TxnCommand("savepoint", name=_name(sql))
    if verb == "release":
        return TxnCommand("release", name=_name(sql))
    return None
