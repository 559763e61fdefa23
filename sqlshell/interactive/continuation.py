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
_STRING_END = re.compile(r"''|'")
_NESTED_COMMENT = re.compile(r"/\*|\*/")
_COMMENT_END = re.compile(r"\*/")
_IDENT_BEFORE = re.compile(r"[A-Za-z0-9_$\x80-\uffff]\Z")

STATEMENT = "-"  # a statement has begun
COPY_DATA = "data"  # the data lines of COPY … FROM STDIN (psql's ">>" prompt)
_COPY_END = re.compile(r"^\\\.\r?$\n?", re.MULTILINE)


class _Unclosed(Exception):
    """Raised by the skip helpers: the text ends inside this state."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def open_state(text: str, nested_comments: bool = True) -> str:
    """``''`` (nothing open), ``-`` (a statement), ``(`` (a parenthesis),
    ``'`` (a string), ``"`` (a quoted identifier), ``$tag$`` (a dollar
    quote), ``/*`` (a comment) or ``data`` (COPY data lines) at the end of ``text``."""
    try:
        return _scan(text, nested_comments)
    except _Unclosed as exc:
        return exc.state


def _scan(text: str, nested_comments: bool) -> str:
    """The forward scan: token by token, skipping what a quote, comment or
    meta-command line holds; raises _Unclosed when the text ends inside one."""
    i, depth, pending = 0, 0, False
    start = 0  # where the current statement began
    while (m := _TOKEN.search(text, i)) is not None:
        pending = pending or bool(text[i : m.start()].strip())
        tok, i = m.group(0), m.end()
        if tok in ("'", "E'", "e'"):
            pending, i = True, _skip_string(text, i, escape=tok != "'")
        elif tok == '"':
            pending, i = True, _skip_to(text, '"', i)
        elif tok.startswith("$"):
            if _IDENT_BEFORE.search(text, 0, m.start()):
                continue  # a$b$ is an identifier, not a dollar quote
            pending, i = True, _skip_to(text, tok, i)
        elif tok == "--":
            j = text.find("\n", i)
            i = len(text) if j < 0 else j + 1
        elif tok == "/*":
            i = _skip_comment(text, i, _NESTED_COMMENT if nested_comments else _COMMENT_END)
        elif tok == "(":
            pending, depth = True, depth + 1
        elif tok == ")":
            depth = max(depth - 1, 0)
        elif tok == ";":
            if depth == 0:
                pending = False
                if Classification(text[start : m.start()]).copy_from_stdin:
                    i = _skip_copy_data(text, i)  # data lines follow, up to a line "\."
                start = i
        elif text[i : i + 1] in (";", ":"):  # \; and \: are text
            pending, i = True, i + 1
        else:  # a backslash: a meta-command to the end of the line
            i = _skip_meta_line(text, i)
    pending = pending or bool(text[i:].strip())
    if depth:
        return "("
    return STATEMENT if pending else ""


def _skip_to(text: str, closer: str, i: int) -> int:
    """Past ``closer`` (a quoted identifier's or dollar quote's end)."""
    j = text.find(closer, i)
    if j < 0:
        raise _Unclosed(closer)
    return j + len(closer)


def _skip_string(text: str, i: int, escape: bool) -> int:
    """Past a string's closing quote ('' inside is a quote; E'' strings also \\')."""
    ends = _ESTRING_END if escape else _STRING_END
    while (e := ends.search(text, i)) is not None:
        i = e.end()
        if e.group(0) == "'":
            return i
    raise _Unclosed("'")


def _skip_comment(text: str, i: int, marks: re.Pattern[str]) -> int:
    """Past a /* comment's end (PostgreSQL nests them)."""
    level = 1
    while level:
        c = marks.search(text, i)
        if c is None:
            raise _Unclosed("/*")
        level += 1 if c.group(0) == "/*" else -1
        i = c.end()
    return i


def _skip_copy_data(text: str, i: int) -> int:
    """Past COPY's data lines, up to and including the line ``\\.``."""
    end = _COPY_END.search(text, i)
    if end is None:
        raise _Unclosed(COPY_DATA)
    return end.end()


def _skip_meta_line(text: str, i: int) -> int:
    """Past a meta-command's line (and \\copy … FROM STDIN's data lines)."""
    j = text.find("\n", i)
    if j >= 0 and SLASH_COPY_FROM_STDIN.match(text, i - 1, j):
        j = _skip_copy_data(text, j + 1) - 1
    return len(text) if j < 0 else j + 1


def marker(state: str) -> str:
    """The continuation prompt's mark for an open state."""
    return state if state else STATEMENT
