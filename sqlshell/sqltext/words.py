"""The one tokenizer that reads a statement's words for classification.

Strings (``'…'``, ``E'…'`` with backslash escapes), quoted names (``"…"``,
MySQL's backticks), dollar quotes and comments are skipped, so nothing inside
them is taken for a keyword; what is left is the statement's words (lower
case) and its parentheses. Each match of the pattern skips everything
uninteresting in C and stops at one word or parenthesis, so walking a big
statement costs one Python step per word, not per character.

Block comments are read as not nesting (what SQLite and MySQL do; on
PostgreSQL a nested comment is rare enough for classification).

Everything in the shell that asks "what is this statement?" reads these words
through ``sqltext.classify.Classification``, once per statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlshell.sqltext.lexing import IDENT_CONT, IDENT_START, TAG_CONT

_SKIP = (
    r"\s++"
    r"|--[^\n]*+"
    r"|/\*(?:.*?\*/|.*+)"
    r"|[eE]'(?:[^'\\]++|\\.|'')*+(?:'|\Z)"  # E'…': backslash escapes
    r"|'(?:[^']++|'')*+(?:'|\Z)"
    r'|"(?:[^"]++|"")*+(?:"|\Z)'
    r"|`(?:[^`]++|``)*+(?:`|\Z)"
    r"|[\x00-\x1f!#%&*+,.0-9:;<=>?@\[\\\]^{|}~\x7f]++"  # digits, operators, punctuation
    r"|[-/]|\$(?!(?:" + IDENT_START + TAG_CONT + r"*)?\$)"  # a "-", "/", "$" that starts none of these
)
# One word or parenthesis, after whatever is skipped before it; a dollar quote
# (outside the repeated group: a backreference inside a possessive repeat trips
# a bug of Python 3.11's re); at the end of the text an empty match; any other
# character is a match of its own (so a failed match never makes finditer
# rescan the skipped run).
_TOKEN = re.compile(
    r"(?:" + _SKIP + r")*+(?:(?P<w>" + IDENT_START + IDENT_CONT + r"*)|(?P<p>[()])"
    r"|(?P<dq>\$(?:" + IDENT_START + TAG_CONT + r"*)?\$)(?:.*?(?P=dq)|.*+)|\Z|.)",
    re.DOTALL,
)
# Up to six words separated only by blanks at the start: the usual statement,
# in one regex call (``(?!')``: ``E'…'`` is a string, not the word "e").
_PLAIN_WORDS = re.compile(
    r"\s*+(" + IDENT_START + IDENT_CONT + r"*+)(?!')" + (r"(?:\s++(" + IDENT_START + IDENT_CONT + r"*+)(?!'))?") * 5
)
# A data-changing verb anywhere in the text: a cheap first look before the
# tokens are walked (most WITH statements only read).
_DML_ANYWHERE = re.compile(r"\b(?:insert|update|delete|merge)\b", re.IGNORECASE)
DML_VERBS = frozenset({"insert", "update", "delete", "merge"})


def tokens(sql: str, pos: int = 0) -> Iterator[str]:
    """The words of ``sql`` from ``pos``, lower-cased, and its parentheses
    (``(`` and ``)``), in order; strings, quoted names and comments skipped."""
    for m in _TOKEN.finditer(sql, pos):
        word = m.group("w")
        if word is not None:
            yield word.lower()
        elif m.group("p") is not None:
            yield m.group("p")


def leading_words(sql: str, limit: int = 6) -> list[str]:
    """The first ``limit`` words of a statement (parentheses passed over)."""
    m = _PLAIN_WORDS.match(sql)
    words = [w.lower() for w in m.groups() if w] if m else []
    if len(words) >= limit or (m is not None and m.end() == len(sql)):
        return words[:limit]
    for tok in tokens(sql, m.end() if m else 0):
        if tok not in "()":
            words.append(tok)
            if len(words) >= limit:
                break
    return words


_FIRST_WORD = re.compile(r"\s*+(" + IDENT_START + IDENT_CONT + r"*+)(?!')")


def first_word(sql: str) -> str:
    """The statement's verb ("" when it has no word)."""
    m = _FIRST_WORD.match(sql)
    if m:
        return m.group(1).lower()
    return next((tok for tok in tokens(sql) if tok not in "()"), "")


def with_dml(sql: str) -> str | None:
    """The one rule for "does this WITH change data?": the data-changing verb
    (INSERT, UPDATE, DELETE, MERGE) the statement runs, outside strings,
    quoted names and comments; the main statement's (at the top level) when
    it has one, else the first in a common table expression; None when the
    statement only reads."""
    if _DML_ANYWHERE.search(sql) is None:
        return None
    depth, first = 0, None
    for tok in tokens(sql):
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(depth - 1, 0)
        elif tok in DML_VERBS:
            if depth == 0:
                return tok
            first = first or tok
    return first


def top_level_words(sql: str) -> list[str]:
    """The words outside parentheses."""
    depth, words = 0, []
    for tok in tokens(sql):
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            words.append(tok)
    return words
