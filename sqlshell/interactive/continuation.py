"""What the REPL's unfinished input leaves open, for the continuation prompt
(psql's ``-#``, ``'#``, ``"#``, ``(#``, ``$#``, ``*#``) and for deciding
whether a typed line is a meta-command (not inside a quote or comment).

A small forward scan over the few lines a person types; the splitter
(``sqlshell.sqltext.split``) stays the authority on where statements end.
"""

from __future__ import annotations

import re

from sqlshell.sqltext.classify import Classification
from sqlshell.sqltext.copydata import SLASH_COPY_FROM_STDIN

_TOKEN = re.compile(r"[Ee]'|'|\"|\$(?:[A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$|--|/\*|\(|\)|;|\\")
_ESTRING_END = re.compile(r"\\.|''|'", re.S)
_IDENT_BEFORE = re.compile(r"[A-Za-z0-9_$\x80-\uffff]\Z")

STATEMENT = "-"  # a statement has begun
COPY_DATA = "data"  # the data lines of COPY … FROM STDIN (psql's ">>" prompt)
_COPY_END = re.compile(r"^\\\.\r?$\n?", re.MULTILINE)


def open_state(text: str, nested_comments: bool = True) -> str:
    """``''`` (nothing open), ``-`` (a statement), ``(`` (a parenthesis),
    ``'`` (a string), ``"`` (a quoted identifier), ``$tag$`` (a dollar
    quote), ``/*`` (a comment) or ``data`` (COPY data lines) at the end of ``text``."""
    i, n, depth, pending = 0, len(text), 0, False
    start = 0  # where the current statement began
    while True:
        m = _TOKEN.search(text, i)
        if m is None:
            pending = pending or bool(text[i:].strip())
            break
        pending = pending or bool(text[i : m.start()].strip())
        tok, i = m.group(0), m.end()
        if tok in ("'", "E'", "e'"):
            pending = True
            escape = tok != "'"
            while True:
                if escape:
                    e = _ESTRING_END.search(text, i)
                    j = -1 if e is None else e.start()
                    step = 0 if e is None else len(e.group(0))
                    if e is not None and e.group(0) != "'":
                        i = e.end()
                        continue
                else:
                    j, step = text.find("'", i), 1
                    if j >= 0 and text.startswith("''", j):
                        i = j + 2
                        continue
                if j < 0:
                    return "'"
                i = j + step
                break
        elif tok == '"':
            pending = True
            j = text.find('"', i)
            if j < 0:
                return '"'
            i = j + 1
        elif tok.startswith("$"):
            if _IDENT_BEFORE.search(text, 0, m.start()):
                continue  # a$b$ is an identifier, not a dollar quote
            pending = True
            j = text.find(tok, i)
            if j < 0:
                return tok
            i = j + len(tok)
        elif tok == "--":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif tok == "/*":
            level = 1
            while level:
                c = re.compile(r"/\*|\*/" if nested_comments else r"\*/").search(text, i)
                if c is None:
                    return "/*"
                level += 1 if c.group(0) == "/*" else -1
                i = c.end()
        elif tok == "(":
            pending, depth = True, depth + 1
        elif tok == ")":
            depth = max(depth - 1, 0)
        elif tok == ";":
            if depth == 0:
                pending = False
                if Classification(text[start : m.start()]).copy_from_stdin:
                    end = _COPY_END.search(text, i)  # data lines follow, up to a line "\."
                    if end is None:
                        return COPY_DATA
                    i = end.end()
                start = i
        else:  # a backslash: a meta-command to the end of the line (\; and \: are text)
            if text[i : i + 1] in (";", ":"):
                pending, i = True, i + 1
                continue
            j = text.find("\n", i)
            if j >= 0 and SLASH_COPY_FROM_STDIN.match(text, i - 1, j):  # \copy … FROM STDIN: data lines follow
                end = _COPY_END.search(text, j + 1)
                if end is None:
                    return COPY_DATA
                j = end.end() - 1
            i = n if j < 0 else j + 1
    if depth:
        return "("
    return STATEMENT if pending else ""


def marker(state: str) -> str:
    """The continuation prompt's mark for an open state."""
    return state if state else STATEMENT
