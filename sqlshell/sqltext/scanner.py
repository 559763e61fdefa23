"""The splitter's scanning loop: find where one SQL statement ends.

``Scanner._scan_sql`` walks the statement once, jumping over runs of
characters that cannot change the lexer state (one regex call each), and
keeps its state in a ``ScanState`` when the input ends inside the statement,
so the next chunk goes on where this one stopped. What it follows, after
psql's lexer: quotes and escape strings, dollar quotes, comments (nested on
PostgreSQL), parentheses, ``BEGIN … END`` bodies of functions (and SQLite's
triggers), and the meta-commands met inside the statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sqlshell.sqltext.lexing import (
    DOLLAR,
    IDENT,
    IDENT_REST,
    PARTIAL_DOLLAR,
    PLAIN,
    PLAIN_FAST,
    PLAIN_TRACKING,
    Incomplete,
    body_tracking,
    dollar_glued,
    prefixed_literal,
    skip_block_comment,
    skip_escape_string,
    skip_string,
    starts_token,
)

META_NAME = re.compile(r"\\([^\s\\]*)")
# Meta-commands that send the query buffer, so end the statement they follow.
TERMINATORS = frozenset({"g", "gx", "gset", "gexec", "gdesc", "watch", "crosstabview"})


@dataclass(slots=True)
class ScanState:
    """An unfinished statement's scan, kept between feeds: the next feed goes on
    where this one stopped instead of rescanning the statement from its start
    (which made a 9 MB statement fed in 64 KiB chunks quadratic). Positions are
    indices into the splitter's buffer; the text already scanned and cut off
    the buffer is kept in ``head``, meta-command lines already taken out."""

    start: int  # the statement's first character (0 once text before it was cut off)
    line: int  # its line in the input
    i: int  # where scanning goes on
    lo: int  # no identifier runs across it (see lexing.ident_run)
    plain: re.Pattern[str]
    fresh: bool = True  # the first word has not been looked at yet
    verb: str | None = None  # the first word, when the statement starts with one (for its classification)
    paren: int = 0
    begin_depth: int = 0
    body: bool = False
    words: list[str] = field(default_factory=list)
    token: str = ""  # inside a token (see lexing.Incomplete)
    depth: int = 0
    tag: str = ""
    metas: list[tuple[int, int, str | None]] = field(default_factory=list)
    emitted: int = 0  # metas already returned by a feed (psql runs them at once)
    had_metas: bool = False
    joined: bool = False  # a "\;" joined several statements into this one
    head: list[str] = field(default_factory=list)
    text_from: int = 0  # where the statement's text not in head starts

    def shift(self, by: int) -> None:
        self.start, self.lo = max(self.start - by, 0), max(self.lo - by, 0)
        self.i -= by
        self.text_from -= by
        self.metas = [(ms - by, me - by, literal) for ms, me, literal in self.metas]

    def copy(self) -> ScanState:
        return replace(self, words=list(self.words), metas=list(self.metas), head=list(self.head))


class Scanner:
    """The scanning half of the splitter: what a statement's end depends on
    (``nested_comments``: PostgreSQL's nesting /* … */; ``standard_strings``:
    PostgreSQL's standard_conforming_strings, off: '…' escapes with a backslash)."""

    def __init__(self, nested_comments: bool = True) -> None:
        self.nested_comments = nested_comments
        self.standard_strings = True

    def _scan_sql(self, buf: str, st: ScanState, final: bool) -> tuple[int, tuple[int, int] | None]:
        """Find the end of the SQL statement ``st`` scans, going on where it stopped.

        Returns (end index just past the ``;``, span of a terminating
        \\g-style meta-command or None); meta-command spans met inside the
        statement are appended to ``st.metas`` as (start, end, None), ``\\;`` and
        ``\\:`` as (start, end, the character they stand for).
        Raises Incomplete, with ``st`` saying where to go on, when the
        statement is not finished and not ``final``.
        """
        n = len(buf)
        if st.fresh:
            # Like psql, look at the statement's first identifiers (whatever
            # precedes them) until they show it is no body-bearing CREATE.
            im = IDENT.match(buf, st.i)
            if im and im.end() >= n and not final:
                raise Incomplete  # the first word may go on in the next chunk
            st.fresh = False
            if im:
                word = im.group(0).lower()
                if buf[im.end() : im.end() + 1] != "'":  # (E'…' is a string, not a word)
                    st.verb = word
                if word != "create":
                    st.plain, st.i = self.plain(), im.end()  # the usual case, settled at once
        if st.token:
            try:
                st.i = self.end_token(buf, st, final)
            except Incomplete as exc:
                st.i, st.depth = exc.resume, exc.depth
                raise
            st.token = ""
        pos, i, lo, plain, paren, begin_depth = st.start, st.i, st.lo, st.plain, st.paren, st.begin_depth
        body, words, metas = st.body, st.words, st.metas  # body: BEGIN … END is a body (function, trigger)
        try:
            while i < n:
                m = plain.match(buf, i)
                if m:
                    i = m.end()
                    if i >= n:
                        break
                c = buf[i]
                if c == ";":
                    if paren == 0 and begin_depth == 0:
                        return i + 1, None
                    i += 1
                elif c == "'":
                    escape = i > lo and buf[i - 1] in "eE" and starts_token(buf, i - 1, lo)
                    if not escape and not self.standard_strings:
                        # standard_conforming_strings off: '…' escapes, but not U&'…', B'…', X'…'
                        escape = not prefixed_literal(buf, i, lo)
                    i = skip_escape_string(buf, i + 1, final) if escape else skip_string(buf, i + 1, final)
                elif c == '"':
                    j = buf.find('"', i + 1)
                    if j < 0:
                        if final:
                            return n, None
                        raise Incomplete(n, '"')
                    i = j + 1
                elif c == "-":
                    if i + 1 >= n and not final:
                        raise Incomplete(i)
                    if buf.startswith("--", i):
                        j = buf.find("\n", i)
                        if j < 0:
                            if final:
                                return n, None
                            raise Incomplete(n, "--")
                        i = j + 1
                    else:
                        i += 1
                elif c == "/":
                    if i + 1 >= n and not final:
                        raise Incomplete(i)
                    if buf.startswith("/*", i):
                        i = skip_block_comment(buf, i + 2, 1, final, self.nested_comments)
                    else:
                        i += 1
                elif c == "$":
                    dm = DOLLAR.match(buf, i)
                    if not dm:
                        if not final and PARTIAL_DOLLAR.match(buf, i):
                            raise Incomplete(i)  # "$tag" may become "$tag$"
                        i += 1
                    elif dollar_glued(buf, i, lo):
                        rest = IDENT_REST.match(buf, i)
                        assert rest is not None  # the pattern matches the empty string
                        j = rest.end()  # the rest of the identifier, at once
                        if j >= n and not final:
                            raise Incomplete(i)
                        i = j
                    else:
                        tag = dm.group(0)
                        j = buf.find(tag, dm.end())
                        if j < 0:
                            if final:
                                return n, None
                            raise Incomplete(max(dm.end(), n - len(tag) + 1), "$", tag=tag)
                        i = lo = j + len(tag)
                elif c == "(":
                    paren += 1
                    i += 1
                elif c == ")":
                    if paren:
                        paren -= 1
                    i += 1
                elif c == "\\":
                    literal = buf[i + 1 : i + 2]
                    if literal in (";", ":"):
                        # psql puts the bare character into the query; "\;" also
                        # starts a new command for the BEGIN … END heuristic.
                        metas.append((i, i + 2, literal))
                        i += 2
                        if literal == ";":
                            body, words, plain = False, [], PLAIN_TRACKING
                            st.joined = True
                        continue
                    end = buf.find("\n", i)
                    if end < 0:
                        if not final:
                            raise Incomplete(i)
                        end = n
                    meta = META_NAME.match(buf, i)
                    assert meta is not None  # buf[i] is the backslash
                    name = meta.group(1)
                    if name in TERMINATORS:
                        return i, (i, end)
                    ms, nl = i, buf.rfind("\n", pos, i)
                    if nl >= 0 and end < n and not buf[nl + 1 : i].strip():
                        ms, end = nl + 1, end + 1  # alone on its line: psql keeps no trace of the line
                    metas.append((ms, end, None))
                    i = end
                else:
                    # tracking mode: an identifier or keyword
                    im = IDENT.match(buf, i)
                    if not im:
                        i += 1
                        continue
                    if im.end() >= n and not final:
                        raise Incomplete(i)  # the word may go on in the next chunk
                    word = im.group(0).lower()
                    i = im.end()
                    if len(words) < 4:
                        words.append(word)
                        body = body_tracking(words, not self.nested_comments)
                        if not body and (words[0] != "create" or len(words) == 4):
                            plain = self.plain()  # settled: no BEGIN … END body to track
                    if body and paren == 0:
                        if word == "begin" or (word == "case" and begin_depth):
                            begin_depth += 1
                        elif word == "end" and begin_depth:
                            begin_depth -= 1
            if not final:
                raise Incomplete(n)
            return n, None
        except Incomplete as exc:
            st.i = i if exc.resume < 0 else exc.resume
            st.token, st.depth, st.tag = exc.token, exc.depth, exc.tag
            st.lo, st.plain, st.paren, st.begin_depth, st.body, st.words = lo, plain, paren, begin_depth, body, words
            raise

    def plain(self) -> re.Pattern[str]:
        """The regex for text that cannot change the scan's state (no body to track)."""
        return PLAIN_FAST if self.standard_strings else PLAIN

    def end_token(self, buf: str, st: ScanState, final: bool) -> int:
        """Go on with the token an earlier feed ended inside; returns the index after it."""
        n, i, token = len(buf), st.i, st.token
        if token == "'":
            return skip_string(buf, i, final)
        if token == "E":
            return skip_escape_string(buf, i, final)
        if token == "/*":
            return skip_block_comment(buf, i, st.depth, final, self.nested_comments)
        if token == "$":
            j = buf.find(st.tag, i)
            if j < 0:
                if final:
                    return n
                raise Incomplete(max(i, n - len(st.tag) + 1), "$", tag=st.tag)
            st.lo = j + len(st.tag)
            return st.lo
        j = buf.find('"' if token == '"' else "\n", i)  # a quoted identifier or a -- comment
        if j < 0:
            if final:
                return n
            raise Incomplete(n, token)
        return j + 1
