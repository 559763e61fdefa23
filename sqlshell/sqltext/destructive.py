"""Which statements deserve an "are you sure?" at the interactive prompt:
DROP, TRUNCATE, and DELETE or UPDATE without a WHERE clause.

The leading keywords come from the statement's classification
(``sqltext.classify``); the WHERE is looked for at the top level only, with
the same tokenizer (``sqltext.words``: outside strings, quoted names, comments
and parentheses), so ``update t set x = (select y from u where …)`` still
counts as touching every row. Scripts never ask: only the REPL calls this.
"""

from __future__ import annotations

import re

from sqlshell.sqltext.classify import Classification
from sqlshell.sqltext.pieces import is_single, split_texts
from sqlshell.sqltext.words import tokens, top_level_words


def has_top_level_where(sql: str) -> bool:
    return "where" in top_level_words(sql)


def _unfiltered_dml(sql: str) -> str | None:
    """In a WITH statement, a DELETE or UPDATE, in the main statement or in a
    common table expression, that has no WHERE at its own parenthesis level."""
    depth = 0
    open_dml: list[tuple[str, int, bool]] = []  # (verb, depth, seen_where)
    for tok in tokens(sql):
        if tok == "(":
            depth += 1
        elif tok == ")":
            for verb, level, seen in open_dml:
                if level == depth and not seen:
                    return verb
            open_dml = [d for d in open_dml if d[1] < depth]
            depth = max(depth - 1, 0)
        elif tok in ("delete", "update"):
            open_dml.append((tok, depth, False))
        elif tok == "where":
            open_dml = [(v, lvl, seen or lvl == depth) for v, lvl, seen in open_dml]
    return next((verb for verb, _, seen in open_dml if not seen), None)


def destructive_reason(
    sql: str, standard_strings: bool | None = None, info: Classification | None = None
) -> str | None:
    """Why the statement needs confirming, or None when it does not. A line of
    several statements (``insert …\\; delete from t``) asks when any of them would
    (``standard_strings``: how the server reads a backslash in a literal; None:
    unknown, so every reading counts; ``info``: the classification of ``sql``
    already made, if any)."""
    if is_single(sql, info):
        return _reason(info if info is not None and info.text == sql else Classification(sql))
    for text in split_texts(sql, None, True, standard_strings):
        reason = _reason(Classification(text))
        if reason is not None:
            return reason
    return None


_EXPLAIN_ANALYZE = re.compile(
    r"^\s*explain\s+(?:analy[sz]e\b|\((?:[^)]*\b)?analy[sz]e\b(?!\s+(?:false|off|0)\b))", re.IGNORECASE
)


def _reason(info: Classification) -> str | None:
    sql, verb = info.text, info.verb
    if verb == "explain":
        # EXPLAIN ANALYZE runs the statement it explains
        m = _EXPLAIN_ANALYZE.match(sql)
        if m is None:
            return None
        inner = _explained(sql)
        return _reason(Classification(inner)) if inner else None
    if verb == "with":
        dml = _unfiltered_dml(sql) if info.with_dml is not None else None
        return f"{dml.upper()} without WHERE {'removes' if dml == 'delete' else 'changes'} every row" if dml else None
    if verb == "drop":
        what = " ".join(w.upper() for w in info.words[:2])
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
