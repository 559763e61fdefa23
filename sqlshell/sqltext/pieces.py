"""What each statement of a line is, decided once: the one classification.

A line may hold several statements joined by ``\\;`` (psql's way of sending
them as one query), and a ``:NAME`` variable may expand to several. Every
piece is classified (``sqltext.classify``), once, and the result travels with
it: whether it is a transaction verb (and which), whether it is destructive
(the REPL asks first), whether the dialect commits an open transaction
implicitly before running it (MariaDB/MySQL DDL), and whether it sets the
isolation level of the transaction. Nothing else in the shell looks at a
statement's words to decide these.

A text the splitter read as one statement (no ``\\;``, no backslash that
another reading of string escapes could take differently) is not split
again; another text is split only when it has a ``;`` before its end (the
splitter is linear).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlshell.sqltext.classify import Classification, remember
from sqlshell.sqltext.split import Kind, Splitter
from sqlshell.sqltext.txnsql import TxnCommand


@dataclass(slots=True)  # (not frozen: a frozen dataclass's __init__ costs a call per field)
class Piece:
    """One statement of a line, classified."""

    sql: str
    txn: TxnCommand | None  # BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE/ROLLBACK TO, or None
    implicit_commit: bool  # this dialect commits an open transaction before running it
    isolation: str | None  # SET [SESSION] TRANSACTION ISOLATION LEVEL …: the level named
    session_isolation: bool  # … with SESSION: the default of later transactions, not this one
    info: Classification  # what the words say (of the text the server runs)

    @property
    def label(self) -> str:
        """The statement's first words, as a user would name it (``CREATE TABLE``)."""
        return self.info.label


def is_compound(sql: str) -> bool:
    """Could ``sql`` hold more than one statement? (A ``;`` before its end.)"""
    end = len(sql.rstrip().rstrip(";"))
    return sql.find(";", 0, end) >= 0


def is_single(sql: str, info: Classification | None) -> bool:
    """Is ``sql`` surely one statement, whatever reading of escapes splits it?"""
    if info is not None and info.single and "\\" not in sql:
        return True
    return not is_compound(sql)


def pieces(
    sql: str,
    dialect: str,
    nested_comments: bool = True,
    standard_strings: bool | None = None,
    info: Classification | None = None,
) -> list[Piece]:
    """The statements of ``sql``, each classified once (``standard_strings``:
    the server's standard_conforming_strings, where the dialect has it;
    ``info``: the classification of ``sql`` the splitter made, if any)."""
    if is_single(sql, info):
        return [piece(sql, dialect, info)]
    return [piece(text, dialect) for text in split_texts(sql, dialect, nested_comments, standard_strings)]


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


def piece(sql: str, dialect: str, info: Classification | None = None) -> Piece:
    """``sql`` classified for ``dialect`` (``info``: its classification, if made)."""
    mysql = dialect in ("mysql", "mariadb")
    if mysql and "/*" in sql:  # classify what the server will run
        info = Classification(_MYSQL_RUN_COMMENT.sub(" ", sql).replace("*/", " "))
    elif info is None or info.text != sql:
        info = Classification(sql)
    remember(info)  # the statement about to run: the executor will ask for it
    txn = info.txn
    if txn is not None:  # BEGIN inside a transaction commits it first on MySQL
        return Piece(sql, txn, mysql and txn.action == "begin", None, False, info)
    isolation = info.isolation()
    implicit = mysql and info.mysql_implicit_commit()
    return Piece(sql, None, implicit, isolation[0] if isolation else None, bool(isolation and isolation[1]), info)
