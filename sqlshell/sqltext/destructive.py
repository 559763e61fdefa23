"""Which statements deserve an "are you sure?" at the interactive prompt:
DROP, TRUNCATE, and DELETE or UPDATE without a WHERE clause.

The leading keywords come from the same comment-skipping logic as command
tags (``sqlshell.sqltext.tags.leading_words``); the WHERE is looked for at the top
level only, outside strings, quoted names, comments and parentheses, so
``update t set x = (select y from u where …)`` still counts as touching
every row. Scripts never ask: only the REPL calls this.
"""

from __future__ import annotations

import re

from sqlshell.interactive.sqlcontext import tokenize
from sqlshell.sqltext.pieces import is_compound, split_texts
from sqlshell.sqltext.tags import leading_words


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


def _unfiltered_dml(sql: str) -> str | None:
    """In a WITH statement, a DELETE or UPDATE, in the main statement or in a
    common table expression, that has no WHERE at its own parenthesis level."""
    depth = 0
    open_dml: list[tuple[str, int, bool]] = []  # (verb, depth, seen_where)
    for tok in tokenize(sql):
        if tok.kind == "op" and tok.text == "(":
            depth += 1
        elif tok.kind == "op" and tok.text == ")":
            for verb, level, seen in open_dml:
                if level == depth and not seen:
                    return verb
            open_dml = [d for d in open_dml if d[1] < depth]
            depth = max(depth - 1, 0)
        elif tok.kind == "word" and tok.value in ("delete", "update"):
            open_dml.append((tok.value, depth, False))
        elif tok.kind == "word" and tok.value == "where":
            open_dml = [(v, lvl, seen or lvl == depth) for v, lvl, seen in open_dml]
    return next((verb for verb, _, seen in open_dml if not seen), None)


def destructive_reason(sql: str, standard_strings: bool | None = None) -> str | None:
    """Why the statement needs confirming, or None when it does not. A line of
    several statements (``insert …\\; delete from t``) asks when any of them would
    (``standard_strings``: how the server reads a backslash in a literal; None:
    unknown, so every reading counts)."""
    if is_compound(sql):
        for text in split_texts(sql, None, True, standard_strings):
            reason = _reason(text)
            if reason is not None:
                return reason
        return None
    return _reason(sql)


_EXPLAIN_ANALYZE = re.compile(
    r"^\s*explain\s+(?:analy[sz]e\b|\((?:[^)]*\b)?analy[sz]e\b(?!\s+(?:false|off|0)\b))", re.IGNORECASE
)


def _reason(sql: str) -> str | None:
    words = leading_words(sql, 3)
    if not words:
        return None
    verb = words[0]
    if verb == "explain":
        # EXPLAIN ANALYZE runs the statement it explains
        m = _EXPLAIN_ANALYZE.match(sql)
        if m is None:
            return None
        inner = _explained(sql)
        return _reason(inner) if inner else None
    if verb == "with":
        dml = _unfiltered_dml(sql)
        return f"{dml.upper()} without WHERE {'removes' if dml == 'delete' else 'changes'} every row" if dml else None
    if verb == "drop":
        what = " ".join(w.upper() for w in words[:2])
        return f"{what} removes it and everything in it"
    if verb == "truncate":
        return "TRUNCATE removes every row"
    if verb in ("delete", "update") and not has_top_level_where(sql):
        return f"{verb.upper()} without WHERE {'removes' if verb == 'delete' else 'changes'} every row"
    return None


_EXPLAIN_HEAD = re.compile(
    r"^\s*explain\s+(?:\([^)]*\)\s*|(?:analy[sz]e|verbose|buffers|wal|settings)\s+)*", re.IGNORECASE
)


def _explained(sql: str) -> str:
    """The statement an EXPLAIN runs."""
    head = _EXPLAIN_HEAD.match(sql)
    return sql[head.end() :] if head else ""
