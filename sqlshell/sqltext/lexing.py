"""The character-level rules of the splitter's scan, after psql's lexer
(psqlscan.l): which characters make identifiers, where a token starts, and
how string literals and comments end. Pure functions and patterns; the scan
itself (``scanner.py``) strings them together.

A helper that reaches the end of the text before its token ends raises
``Incomplete`` (unless the input is final), saying where to go on when the
next chunk arrives."""

from __future__ import annotations

import re

# Identifier characters, spelled as negated ASCII ranges: "any non-ASCII
# character" written as \x80-\U0010ffff costs milliseconds to compile at start-up.
IDENT_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"  # A-Z a-z _ and any non-ASCII
IDENT_CONT = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # … and 0-9 $
TAG_CONT = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # a dollar-quote tag: no $
# Characters that never change the lexer state inside ordinary SQL text (and,
# while BEGIN … END is tracked, that cannot start an identifier either).
PLAIN = re.compile(r"[^'\"\-/$;()\\]+")
PLAIN_TRACKING = re.compile(r"[\x00-\x21\x23\x25\x26\x2a-\x2c\x2e\x30-\x3a\x3c-\x40\x5b\x5d\x5e\x60\x7b-\x7f]+")
# The fast path through ordinary text (standard strings, no BEGIN … END to track):
# plain characters, '…' literals ('a''b' is two of them, with the same effect)
# and parentheses holding only those, in one regex call. It stops at what
# needs a closer look: E'…' (any quote after an e), comments, dollar quotes,
# ";", a backslash, nested or unclosed parentheses, and a "-" or "/" whose
# next character has not arrived.
_FAST_ATOM = r"[^'\"\-/$;()\\]++|-(?=[^-])|/(?=[^*])|(?<![eE])'[^']*+'"
PLAIN_FAST = re.compile(r"(?:" + _FAST_ATOM + r"|\((?:" + _FAST_ATOM + r")*+\))*+")
IDENT = re.compile(IDENT_START + IDENT_CONT + "*")
IDENT_REST = re.compile(IDENT_CONT + "*")
DOLLAR = re.compile(r"\$(" + IDENT_START + TAG_CONT + r"*)?\$")
# Numbers and $n parameters (psql's integer, real and param rules).
_NUMBERS = re.compile(r"(?:\$?(?:0[xXoObB][0-9A-Fa-f_]+|[0-9](?:_?[0-9])*(?:[eE][0-9]+)?))*")
# An escape string's special characters: a backslash escapes the next one.
_ESTRING_SPECIAL = re.compile(r"['\\]")
# psql's {quotecontinue}: 'a'<newline>'b' is one literal; only matters for E'…'
# strings, whose escapes go on in the continuation.  Possessive, so a long
# run of "--" cannot make the match backtrack exponentially.
_QUOTE_CONTINUE = re.compile(r"(?:[ \t\f]++|--[^\n\r]*+)*+[\n\r](?:[ \t\n\r\f]++|--[^\n\r]*+[\n\r])*+'")
_BLOCK_COMMENT_TOKEN = re.compile(r"/\*|\*/")
# What the end of a chunk may cut short, so the scan waits for more input
# before deciding: the start of a dollar-quote tag, and what may still become
# an E'…' quote continuation (blanks and comments only).
PARTIAL_DOLLAR = re.compile(r"\$(?:" + IDENT_START + TAG_CONT + r"*+)?\Z")
_PARTIAL_QUOTE_CONTINUE = re.compile(r"(?:[ \t\n\r\f]++|--[^\n\r]*+)*+-?\Z")


class Incomplete(Exception):
    """The buffer ends inside a statement; wait for more input.

    ``resume``: where the next scan goes on (-1: where the scan stood);
    ``token``: the token it is inside (``'`` ``E`` ``"`` ``--`` ``/*`` ``$``,
    or "" between tokens), with the comment ``depth`` or the dollar ``tag``."""

    def __init__(self, resume: int = -1, token: str = "", depth: int = 0, tag: str = "") -> None:
        super().__init__()
        self.resume, self.token, self.depth, self.tag = resume, token, depth, tag


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


def ident_run(buf: str, i: int, lo: int) -> int:
    """Start of the run of identifier characters that ends just before ``i``
    (``lo``: where a token surely starts, such as the end of a dollar quote)."""
    while i > lo and _is_ident_char(buf[i - 1]):
        i -= 1
    return i


def dollar_glued(buf: str, i: int, lo: int) -> bool:
    """Is the ``$`` at ``i`` part of an identifier, as in ``a$b$``?  After a
    number or a parameter (``1$$``, ``$1$$``) psql starts a dollar quote."""
    j = ident_run(buf, i, lo)
    numbers = _NUMBERS.match(buf, j, i)
    assert numbers is not None  # the pattern matches the empty string
    k = numbers.end()
    return any(ch != "$" for ch in buf[k:i])


def starts_token(buf: str, i: int, lo: int) -> bool:
    """Does ``buf[i]`` start a token?  The E of ``somee'x'`` does not, nor
    (psql 15+, trailing junk after a number) the one of ``1e'x'``."""
    return all(ch == "$" for ch in buf[ident_run(buf, i, lo) : i])


def prefixed_literal(buf: str, i: int, lo: int) -> bool:
    """Is the quote at ``i`` the start of B'…', X'…' or U&'…' (never escape strings)?"""
    if i > lo and buf[i - 1] in "bBxX":
        return starts_token(buf, i - 1, lo)
    return i - 1 > lo and buf[i - 1] == "&" and buf[i - 2] in "uU" and starts_token(buf, i - 2, lo)


def body_tracking(words: list[str], triggers: bool) -> bool:
    """True when the statement's first words make BEGIN … END a body:
    psql's rule for functions and procedures, plus (``triggers``: not on
    PostgreSQL, where psql does not track them and a trigger has no BEGIN)
    SQLite's triggers."""
    if not words or words[0] != "create":
        return False
    rest = words[1:]
    if rest[:2] == ["or", "replace"]:
        rest = rest[2:]
    if rest[:1] in (["temp"], ["temporary"]):
        rest = rest[1:]
    return bool(rest) and (rest[0] in ("function", "procedure") or (triggers and rest[0] == "trigger"))


def skip_string(buf: str, i: int, final: bool) -> int:
    """Skip a '…' literal from ``i`` (past its opening quote, or at a quote that may be doubled)."""
    n = len(buf)
    while True:
        j = buf.find("'", i)
        if j < 0 or j + 1 >= n:
            # unterminated, or a doubled quote may follow in the next chunk
            if not final:
                raise Incomplete(n if j < 0 else j, "'")
            return n
        if buf[j + 1] != "'":
            return j + 1
        i = j + 2


def skip_escape_string(buf: str, i: int, final: bool) -> int:
    """Skip an E'…' literal (backslash escapes, psql's quote continuation)."""
    n = len(buf)
    search = _ESTRING_SPECIAL.search
    while True:
        m = search(buf, i)
        j = m.start() if m else n
        if j + 1 >= n:
            if not final:
                raise Incomplete(j, "E")
            return n
        if buf[j] == "\\" or buf[j + 1] == "'":
            i = j + 2
            continue
        cm = _QUOTE_CONTINUE.match(buf, j + 1)
        if not cm:
            if not final and _PARTIAL_QUOTE_CONTINUE.match(buf, j + 1):
                raise Incomplete(j, "E")  # 'a' then a newline: "'b'" may continue it
            return j + 1
        i = cm.end()


def skip_block_comment(buf: str, i: int, depth: int, final: bool, nested: bool) -> int:
    """Skip the rest of a /* … */ comment, ``depth`` deep, from ``i`` (past its
    opening); ``nested``: comments nest (PostgreSQL)."""
    n = len(buf)
    if not nested:
        j = buf.find("*/", i)
        if j >= 0:
            return j + 2
    else:
        while depth:
            m = _BLOCK_COMMENT_TOKEN.search(buf, i)
            if not m:
                break
            depth += 1 if m.group(0) == "/*" else -1
            i = m.end()
        else:
            return i
    if final:
        return n
    raise Incomplete(max(i, n - 1), "/*", depth)  # "*/" may straddle the chunks
