"""Which statements deserve an "are you sure?" at the interactive prompt:
DROP, TRUNCATE, and DELETE or UPDATE without a WHERE clause.

The leading keywords come from the same comment-skipping logic as command
tags (``sqlshell.tags.leading_words``); the WHERE is looked for at the top
level only, outside strings, quoted names, comments and parentheses, so
``update t set x = (select y from u where …)`` still counts as touching
every row. Scripts never ask: only the REPL calls this.
"""

from __future__ import annotations

from sqlshell.sqlcontext import tokenize
from sqlshell.tags import leading_words


def has_top_level_where(sql: str) -> bool:
    return "where" in _top_level_words(sql)


def _top_level_words(sql: str) -> list[str]:
    """The words outside parentheses, strings, quoted names and comments."""
    depth, words = 0, []
    for tok in tokenize(sql):
        if tok.kind == "op" and tok.text == "(":
            depth += 1
        elif tok.kind == "op" and tok.text == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and tok.kind == "word":
            words.append(tok.value)
    return words


def _main_verb(sql: str) -> str | None:
    """WITH … DELETE/UPDATE: the statement after the common table expressions
    (which sit in parentheses, so the first top-level DML word is it)."""
    for word in _top_level_words(sql):
        if word in ("delete", "update", "insert", "select", "merge"):
            return word
    return None


def destructive_reason(sql: str) -> str | None:
    """Why the statement needs confirming, or None when it does not."""
    words = leading_words(sql, 3)
    if not words:
        return None
    verb = words[0]
    if verb == "with":
        verb = _main_verb(sql) or verb
    if verb == "drop":
        what = " ".join(w.upper() for w in words[:2])
        return f"{what} removes it and everything in it"
    if verb == "truncate":
        return "TRUNCATE removes every row"
    if verb in ("delete", "update") and not has_top_level_where(sql):
        return f"{verb.upper()} without WHERE {'removes' if verb == 'delete' else 'changes'} every row"
    return None
