"""What each statement of a line is, decided once: the one classification.

A line may hold several statements joined by ``\\;`` (psql's way of sending
them as one query), and a ``:NAME`` variable may expand to several. Every
piece is classified here, once, and the result travels with it: whether it
is a transaction verb (and which), whether it is destructive (the REPL asks
first), whether the dialect commits an open transaction implicitly before
running it (MariaDB/MySQL DDL), and whether it sets the isolation level of
the transaction. Nothing else in the shell looks at a statement's words to
decide these.

Splitting again here is cheap: only a text with a ``;`` before its end is
split, and the splitter is linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlshell.sqltext.split import Kind, Splitter
from sqlshell.sqltext.tags import leading_words
from sqlshell.sqltext.txnsql import TxnCommand, classify

# MySQL/MariaDB commit an open transaction before these run ("Statements That
# Cause an Implicit Commit" in the MySQL manual; MariaDB's is the same list).
_IMPLICIT_COMMIT_VERBS = frozenset(
    {"create", "alter", "drop", "rename", "truncate", "grant", "revoke", "lock", "unlock", "analyze", "optimize"}
    | {"repair", "check", "flush", "reset", "install", "uninstall", "cache", "load"}
)
_SET_AUTOCOMMIT_ON = re.compile(r"^\s*set\s+(?:@@(?:session\.)?|session\s+)?autocommit\s*=\s*(?:1|on|true)\b", re.I)
_SET_TXN_ISOLATION = re.compile(
    r"^\s*set\s+(session\s+)?transaction\s+(?:.*\s)?isolation\s+level\s+"
    r"(serializable|repeatable\s+read|read\s+committed|read\s+uncommitted)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(slots=True)  # (not frozen: a frozen dataclass's __init__ costs a call per field)
class Piece:
    """One statement of a line, classified."""

    sql: str
    txn: TxnCommand | None  # BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE/ROLLBACK TO, or None
    implicit_commit: bool  # this dialect commits an open transaction before running it
    isolation: str | None  # SET [SESSION] TRANSACTION ISOLATION LEVEL …: the level named
    session_isolation: bool  # … with SESSION: the default of later transactions, not this one

    @property
    def label(self) -> str:
        """The statement's first words, as a user would name it (``CREATE TABLE``)."""
        words = leading_words(self.sql, 2)
        if words and words[0] in ("create", "drop", "alter") and len(words) > 1:
            return " ".join(words).upper()
        return (words[0] if words else "statement").upper()


def is_compound(sql: str) -> bool:
    """Could ``sql`` hold more than one statement? (A ``;`` before its end.)"""
    end = len(sql.rstrip().rstrip(";"))
    return sql.find(";", 0, end) >= 0


def pieces(sql: str, dialect: str, nested_comments: bool = True, standard_strings: bool | None = None) -> list[Piece]:
    """The statements of ``sql``, each classified once (``standard_strings``:
    the server's standard_conforming_strings, where the dialect has it)."""
    texts = split_texts(sql, dialect, nested_comments, standard_strings) if is_compound(sql) else [sql]
    return [piece(text, dialect) for text in texts]


def split_texts(
    sql: str, dialect: str | None = None, nested_comments: bool = True, standard_strings: bool | None = None
) -> list[str]:
    """The statements of a compound text. A backslash in a string escapes in
    MySQL (its default sql_mode) and in PostgreSQL with standard_conforming_strings
    off: PostgreSQL's pieces follow the server's setting (``standard_strings``);
    unknown, the text stays one piece (the server splits it). ``dialect`` None:
    every reading (the destructive check wants to see whatever could run)."""
    readings = [True]
    if "\\" in sql and dialect != "sqlite":
        if dialect == "postgresql" or (dialect is None and standard_strings is not None):
            if standard_strings is None:
                return [sql]
            readings = [standard_strings]
        else:
            readings = [False] if dialect in ("mysql", "mariadb") else [True, False]
    texts: list[str] = []
    for standard in readings:
        splitter = Splitter(nested_comments)
        splitter.standard_strings = standard
        texts += [s.text for s in splitter.feed(sql + "\n") + splitter.finish() if s.kind is Kind.SQL]
    return texts or [sql]


# MySQL/MariaDB run what is inside /*!NNNNN … */ and /*M!NNNNN … */ (mysqldump writes them)
_MYSQL_RUN_COMMENT = re.compile(r"/\*M?!\d*")


def piece(sql: str, dialect: str) -> Piece:
    mysql = dialect in ("mysql", "mariadb")
    text = sql
    if mysql and "/*" in sql:  # classify what the server will run
        text = _MYSQL_RUN_COMMENT.sub(" ", sql).replace("*/", " ")
    txn = classify(text)
    if txn is not None:  # BEGIN inside a transaction commits it first on MySQL
        return Piece(sql, txn, mysql and txn.action == "begin", None, False)
    m = _SET_TXN_ISOLATION.match(text)  # anchored: fails at once on other statements
    isolation = " ".join(m.group(2).upper().split()) if m else None
    implicit = mysql and _mysql_implicit_commit(text, leading_words(text, 3))
    return Piece(sql, None, implicit, isolation, bool(m and m.group(1)))


def _mysql_implicit_commit(sql: str, words: list[str]) -> bool:
    if not words:
        return False
    verb = words[0]
    if verb == "set":
        return bool(_SET_AUTOCOMMIT_ON.match(sql))
    if verb not in _IMPLICIT_COMMIT_VERBS:
        return False
    if verb in ("create", "drop") and len(words) > 1 and words[1] in ("temporary", "temp"):
        return False  # CREATE/DROP TEMPORARY TABLE do not commit
    if verb == "load" and len(words) > 1 and words[1] in ("data", "xml"):
        return False
    return not (verb == "check" and len(words) > 1 and words[1] != "table")
