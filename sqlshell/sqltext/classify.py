"""What a statement is, read once: its classification.

The splitter attaches a ``Classification`` to every statement it yields
(``Statement.info``); dispatch, the pieces of a line, the executors and the
commands read it instead of looking at the text again. Only the verb is
read at once (one regex call, or handed over by the splitter's scan, which
has just read it); the rest is read when first asked for, and never twice:
most statements are told apart by their verb alone, the leading words are
read only for the statements that need them (transaction control, DDL,
command tags), and the whole text is walked only for a WITH (does it change
data?).

The executors receive the text, not the statement: ``classified(text)`` hands
back the classification already made for that very string object (the last
few are kept, compared by identity, never by value), else makes one.
"""

from __future__ import annotations

import re

from sqlshell.sqltext.txnsql import TXN_VERBS, TxnCommand, txn_command
from sqlshell.sqltext.words import first_word, leading_words, with_dml

# Statements that return rows and nothing else (streamed on PostgreSQL).
_ROW_VERBS = frozenset({"select", "values", "table", "show", "explain", "fetch"})
_DDL_VERBS = frozenset({"create", "alter", "drop"})
# MySQL/MariaDB commit an open transaction before these run ("Statements That
# Cause an Implicit Commit" in the MySQL manual). The manual names CACHE INDEX
# and LOAD INDEX INTO CACHE too, but MariaDB (10.11, the server tested) leaves
# the transaction open on both, and LOAD DATA commits only on NDB: the shell
# claims a commit only where MariaDB makes one (tests/test_classify.py asks it).
_IMPLICIT_COMMIT_VERBS = frozenset(
    {"create", "alter", "drop", "rename", "truncate", "grant", "revoke", "lock", "unlock", "analyze", "optimize"}
    | {"repair", "check", "flush", "reset", "install", "uninstall"}
)
# SQLite's INSERT OR ROLLBACK / ON CONFLICT ROLLBACK: a failure rolls the whole transaction back.
_CONFLICT_ROLLBACK = re.compile(r"\b(?:or|conflict)\s+rollback\b", re.IGNORECASE)
_SET_AUTOCOMMIT_ON = re.compile(r"^\s*set\s+(?:@@(?:session\.)?|session\s+)?autocommit\s*=\s*(?:1|on|true)\b", re.I)
_SET_TXN_ISOLATION = re.compile(
    r"^\s*set\s+(session\s+)?transaction\s+(?:.*\s)?isolation\s+level\s+"
    r"(serializable|repeatable\s+read|read\s+committed|read\s+uncommitted)",
    re.IGNORECASE | re.DOTALL,
)
# SET [SESSION|LOCAL] standard_conforming_strings TO|= value, and RESET (on).
_STANDARD_STRINGS = re.compile(
    r"\s*(?:set\s+(?:session\s+|local\s+)?standard_conforming_strings\s*(?:to|=)\s*('?\w+'?)"
    r"|reset\s+standard_conforming_strings\b)",
    re.IGNORECASE,
)
# COPY … FROM STDIN (psql's rule: the data lines follow the command, up to "\.";
# the server takes FROM STDOUT as a synonym, and so does psql), COPY … TO STDOUT.
_COPY_FROM_STDIN = re.compile(r"\bcopy\b[^;]*\bfrom\s+std(?:in|out)\b", re.IGNORECASE | re.DOTALL)
_TO_STDOUT = re.compile(r"\bto\s+stdout\b", re.IGNORECASE)
_RETURNING = re.compile(r"\breturning\b", re.IGNORECASE)
_KEEP = 4  # classifications kept for classified()
_recent: list[Classification] = []


class Classification:
    """What one statement's text is (its first statement, when a ``\\;`` joined
    several: ``single`` is False then, and ``sqltext.pieces`` splits it).

    ``single``: the splitter read the text as exactly one statement; False
    when that is not known (a text that did not come from the splitter)."""

    __slots__ = ("_dml", "_dml_read", "_txn", "_txn_read", "_words", "single", "text", "verb")

    def __init__(self, text: str, single: bool = False, verb: str | None = None) -> None:
        self.text = text
        self.single = single
        # The first word, lower-cased ("" when there is none): every reader asks.
        # (``verb``: the splitter's scan has read it already.)
        self.verb = first_word(text) if verb is None else verb
        self._words: list[str] | None = None
        self._txn: TxnCommand | None = None
        self._dml: str | None = None
        self._txn_read = self._dml_read = False

    @property
    def words(self) -> list[str]:
        """The first six words, lower-cased (strings and comments skipped)."""
        if self._words is None:
            self._words = leading_words(self.text)
        return self._words

    @property
    def txn(self) -> TxnCommand | None:
        """The transaction command this is (BEGIN, COMMIT, SAVEPOINT …), or None."""
        if not self._txn_read:
            self._txn = txn_command(self.words, self.text) if self.verb in TXN_VERBS else None
            self._txn_read = True
        return self._txn

    @property
    def with_dml(self) -> str | None:
        """For a WITH: the data-changing verb it runs (``words.with_dml``), else None."""
        if not self._dml_read:
            self._dml = with_dml(self.text) if self.verb == "with" else None
            self._dml_read = True
        return self._dml

    @property
    def streams_rows(self) -> bool:
        """Returns rows and nothing else (a WITH that changes data does not)."""
        verb = self.verb
        return verb in _ROW_VERBS or (verb == "with" and self.with_dml is None)

    @property
    def ddl(self) -> bool:
        """CREATE, ALTER or DROP: the catalog changes."""
        return self.verb in _DDL_VERBS

    @property
    def copy_from_stdin(self) -> bool:
        """COPY … FROM STDIN: data lines follow it in the input."""
        return self.verb == "copy" and _COPY_FROM_STDIN.search(self.text) is not None

    @property
    def may_return(self) -> bool:
        """INSERT/UPDATE/DELETE … RETURNING: rows may come back. Erring on the
        safe side (the word anywhere, a string included): one C-speed search
        instead of tokenising a statement that may be megabytes long."""
        return _RETURNING.search(self.text) is not None

    @property
    def copy_to_stdout(self) -> bool:
        return self.verb == "copy" and _TO_STDOUT.search(self.text) is not None

    @property
    def label(self) -> str:
        """The statement's first words, as a user would name it (``CREATE TABLE``)."""
        words = self.words[:2]
        if words and words[0] in _DDL_VERBS and len(words) > 1:
            return " ".join(words).upper()
        return (words[0] if words else "statement").upper()

    def isolation(self) -> tuple[str, bool] | None:
        """SET [SESSION] TRANSACTION ISOLATION LEVEL …: (the level named, whether
        SESSION makes it the default of later transactions), else None."""
        if self.verb != "set":
            return None
        m = _SET_TXN_ISOLATION.match(self.text)  # anchored: fails at once on other SETs
        return (" ".join(m.group(2).upper().split()), bool(m.group(1))) if m else None

    def mysql_implicit_commit(self) -> bool:
        """Would MySQL/MariaDB commit an open transaction before running this?"""
        words = self.words[:3]
        if not words:
            return False
        verb = words[0]
        if verb == "set":
            return bool(_SET_AUTOCOMMIT_ON.match(self.text))
        if verb not in _IMPLICIT_COMMIT_VERBS:
            return False
        if verb in ("create", "drop") and len(words) > 1 and words[1] in ("temporary", "temp"):
            return False  # CREATE/DROP TEMPORARY TABLE do not commit
        return not (verb == "check" and len(words) > 1 and words[1] != "table")

    @property
    def conflict_rollback(self) -> bool:
        """SQLite's OR ROLLBACK / ON CONFLICT ROLLBACK: a failure ends the transaction."""
        return _CONFLICT_ROLLBACK.search(self.text) is not None

    def standard_strings_set(self) -> bool | None:
        """SET / RESET standard_conforming_strings: the value it sets, else None."""
        if self.verb not in ("set", "reset"):
            return None
        m = _STANDARD_STRINGS.match(self.text)
        if m is None:
            return None
        return (m.group(1) or "on").strip("'").lower() not in ("off", "false", "0", "no")


def remember(info: Classification) -> None:
    """Make ``info`` the newest of the classifications ``classified`` finds (the
    dispatcher calls it for each statement it is about to run)."""
    if not _recent or _recent[-1] is not info:
        _recent.append(info)  # (an older entry for it may stay: harmless)
        if len(_recent) > _KEEP:
            del _recent[0]


def classified(text: str) -> Classification:
    """The classification of ``text``: the one made for this very string (the
    statement being run) when it is among the last few, else a new one."""
    for info in reversed(_recent):
        if info.text is text:
            return info
    info = Classification(text)
    remember(info)
    return info
