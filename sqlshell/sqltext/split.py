"""Split SQL input into statements and meta-commands, the way psql does.

A single forward pass over the text (regular expressions jump over the
characters that cannot change the lexer state), so a 20,000-statement script
splits in a fraction of a second; sqlparse would take seconds. The same
splitter answers the REPL's "is this input complete?" question.

What it knows, following psql's lexer (psqlscan.l):
  * ``'…'`` strings with doubled quotes, ``E'…'`` strings with backslash
    escapes (and quote continuation: ``E'a'`` newline ``'b\\''`` is one
    literal), ``"quoted identifiers"``, ``$$ … $$`` / ``$tag$ … $tag$`` bodies
    (``$1`` and ``a$b$`` are not dollar quotes);
  * ``--`` comments (dropped before a statement, as psql does) and
    ``/* … */`` comments, nested when ``nested_comments`` (PostgreSQL);
  * ``;`` inside parentheses does not end a statement (``CREATE RULE … DO (…; …)``);
  * ``BEGIN … END`` bodies of ``CREATE [OR REPLACE] FUNCTION|PROCEDURE``
    (SQL-standard bodies) and, when comments do not nest (SQLite), of
    ``CREATE [TEMP] TRIGGER``;
  * a backslash outside quotes starts a meta-command that runs to the end of
    the line; ``\\g`` and friends end the SQL statement they follow; ``\\;``
    and ``\\:`` put a literal ``;`` / ``:`` into the statement (psql's way to
    send several statements as one query);
  * a piece holding nothing but blanks and comments is not a statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum

__all__ = ["Kind", "Splitter", "Statement", "is_complete", "split"]


class Kind(Enum):
    SQL = "sql"
    META = "meta"


@dataclass(frozen=True, slots=True)
class Statement:
    """One unit of work: an SQL statement (text ends with ``;`` when it had one)
    or a meta-command line (text starts with a backslash)."""

    kind: Kind
    text: str
    line: int  # 1-based line of the first character in the input
    terminator: str = ""  # the \g-style meta-command that ended an SQL statement
    data: str | None = None  # COPY … FROM STDIN: the data lines that followed, up to \.
    data_line: int = 0  # the input line of the first data line


# Identifier characters, spelled as negated ASCII ranges: "any non-ASCII
# character" written as \x80-\U0010ffff costs milliseconds to compile at start-up.
_IDENT_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"  # A-Z a-z _ and any non-ASCII
_IDENT_CONT = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # … and 0-9 $
_TAG_CONT = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # a dollar-quote tag: no $
# Characters that never change the lexer state inside ordinary SQL text (and,
# while BEGIN … END is tracked, that cannot start an identifier either).
_PLAIN = re.compile(r"[^'\"\-/$;()\\]+")
_PLAIN_TRACKING = re.compile(r"[\x00-\x21\x23\x25\x26\x2a-\x2c\x2e\x30-\x3a\x3c-\x40\x5b\x5d\x5e\x60\x7b-\x7f]+")
# The fast path through ordinary text (standard strings, no BEGIN … END to track):
# plain characters, '…' literals ('a''b' is two of them, with the same effect)
# and parentheses holding only those, in one regex call. It stops at what
# needs a closer look: E'…' (any quote after an e), comments, dollar quotes,
# ";", a backslash, nested or unclosed parentheses, and a "-" or "/" whose
# next character has not arrived.
_FAST_ATOM = r"[^'\"\-/$;()\\]++|-(?=[^-])|/(?=[^*])|(?<![eE])'[^']*+'"
_PLAIN_FAST = re.compile(r"(?:" + _FAST_ATOM + r"|\((?:" + _FAST_ATOM + r")*+\))*+")
_IDENT = re.compile(_IDENT_START + _IDENT_CONT + "*")
_DOLLAR = re.compile(r"\$(" + _IDENT_START + _TAG_CONT + r"*)?\$")
_SPACE_OR_LINE_COMMENT = re.compile(r"(?:\s+|--[^\n]*\n)+")
_TRAILING_LINE_COMMENT = re.compile(r"--[^\n]*\Z")
# Numbers and $n parameters (psql's integer, real and param rules).
_NUMBERS = re.compile(r"(?:\$?(?:0[xXoObB][0-9A-Fa-f_]+|[0-9](?:_?[0-9])*(?:[eE][0-9]+)?))*")
# An escape string's special characters: a backslash escapes the next one.
_ESTRING_SPECIAL = re.compile(r"['\\]")
# psql's {quotecontinue}: 'a'<newline>'b' is one literal; only matters for E'…'
# strings, whose escapes go on in the continuation.  Possessive, so a long
# run of "--" cannot make the match backtrack exponentially.
_QUOTE_CONTINUE = re.compile(r"(?:[ \t\f]++|--[^\n\r]*+)*+[\n\r](?:[ \t\n\r\f]++|--[^\n\r]*+[\n\r])*+'")
# Blanks, ";" and "--" comments: what may surround block comments in a piece
# that is not a statement.
_BLANK_RUN = re.compile(r"(?:\s++|;++|--[^\n]*+)*+")
_BLOCK_COMMENT_TOKEN = re.compile(r"/\*|\*/")
_META_NAME = re.compile(r"\\([^\s\\]*)")
# Meta-commands that send the query buffer, so end the statement they follow.
_TERMINATORS = frozenset({"g", "gx", "gset", "gexec", "gdesc", "watch", "crosstabview"})
_IDENT_REST = re.compile(_IDENT_CONT + "*")


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


def _ident_run(buf: str, i: int, lo: int) -> int:
    """Start of the run of identifier characters that ends just before ``i``
    (``lo``: where a token surely starts, such as the end of a dollar quote)."""
    while i > lo and _is_ident_char(buf[i - 1]):
        i -= 1
    return i


def _dollar_glued(buf: str, i: int, lo: int) -> bool:
    """Is the ``$`` at ``i`` part of an identifier, as in ``a$b$``?  After a
    number or a parameter (``1$$``, ``$1$$``) psql starts a dollar quote."""
    j = _ident_run(buf, i, lo)
    numbers = _NUMBERS.match(buf, j, i)
    assert numbers is not None  # the pattern matches the empty string
    k = numbers.end()
    return any(ch != "$" for ch in buf[k:i])


def _starts_token(buf: str, i: int, lo: int) -> bool:
    """Does ``buf[i]`` start a token?  The E of ``somee'x'`` does not, nor
    (psql 15+, trailing junk after a number) the one of ``1e'x'``."""
    return all(ch == "$" for ch in buf[_ident_run(buf, i, lo) : i])


def _body_tracking(words: list[str], triggers: bool) -> bool:
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


# COPY … FROM STDIN (psql's rule: the data lines follow the command, up to "\.").
# (The server takes FROM STDOUT as a synonym, and so does psql.)
_COPY_FROM_STDIN = re.compile(r"(?:\s|/\*.*?\*/)*copy\b[^;]*\bfrom\s+std(?:in|out)\b", re.IGNORECASE | re.DOTALL)
_SLASH_COPY_FROM_STDIN = re.compile(r"\\copy\s.*\bfrom\s+stdin\b", re.IGNORECASE)
_COPY_END = re.compile(r"^\\\.\r?$", re.MULTILINE)
# SET [SESSION|LOCAL] standard_conforming_strings TO|= value, and RESET (on).
_STANDARD_STRINGS = re.compile(
    r"\s*(?:set\s+(?:session\s+|local\s+)?standard_conforming_strings\s*(?:to|=)\s*('?\w+'?)"
    r"|reset\s+standard_conforming_strings\b)",
    re.IGNORECASE,
)
# What the end of a chunk may cut short, so the scan waits for more input
# before deciding: the start of a "--" comment, of a dollar-quote tag, and what
# may still become an E'…' quote continuation (blanks and comments only).
_PARTIAL_LINE_COMMENT = re.compile(r"-(?:-[^\n]*+)?\Z")
_PARTIAL_DOLLAR = re.compile(r"\$(?:" + _IDENT_START + _TAG_CONT + r"*+)?\Z")
_PARTIAL_QUOTE_CONTINUE = re.compile(r"(?:[ \t\n\r\f]++|--[^\n\r]*+)*+-?\Z")
_BLANKS = " \t\r\f\v"


def _prefixed_literal(buf: str, i: int, lo: int) -> bool:
    """Is the quote at ``i`` the start of B'…', X'…' or U&'…' (never escape strings)?"""
    if i > lo and buf[i - 1] in "bBxX":
        return _starts_token(buf, i - 1, lo)
    return i - 1 > lo and buf[i - 1] == "&" and buf[i - 2] in "uU" and _starts_token(buf, i - 2, lo)


class _Incomplete(Exception):
    """The buffer ends inside a statement; wait for more input.

    ``resume``: where the next scan goes on (-1: where the scan stood);
    ``token``: the token it is inside (``'`` ``E`` ``"`` ``--`` ``/*`` ``$``,
    or "" between tokens), with the comment ``depth`` or the dollar ``tag``."""

    def __init__(self, resume: int = -1, token: str = "", depth: int = 0, tag: str = "") -> None:
        super().__init__()
        self.resume, self.token, self.depth, self.tag = resume, token, depth, tag


@dataclass(slots=True)
class _Scan:
    """An unfinished statement's scan, kept between feeds: the next feed goes on
    where this one stopped instead of rescanning the statement from its start
    (which made a 9 MB statement fed in 64 KiB chunks quadratic). Positions are
    indices into the splitter's buffer; the text already scanned and cut off
    the buffer is kept in ``head``, meta-command lines already taken out."""

    start: int  # the statement's first character (0 once text before it was cut off)
    line: int  # its line in the input
    i: int  # where scanning goes on
    lo: int  # no identifier runs across it (see _ident_run)
    plain: re.Pattern[str]
    fresh: bool = True  # the first word has not been looked at yet
    paren: int = 0
    begin_depth: int = 0
    body: bool = False
    words: list[str] = field(default_factory=list)
    token: str = ""  # inside a token (see _Incomplete)
    depth: int = 0
    tag: str = ""
    metas: list[tuple[int, int, str | None]] = field(default_factory=list)
    emitted: int = 0  # metas already returned by a feed (psql runs them at once)
    had_metas: bool = False
    head: list[str] = field(default_factory=list)
    text_from: int = 0  # where the statement's text not in head starts

    def shift(self, by: int) -> None:
        self.start, self.lo = max(self.start - by, 0), max(self.lo - by, 0)
        self.i -= by
        self.text_from -= by
        self.metas = [(ms - by, me - by, literal) for ms, me, literal in self.metas]

    def copy(self) -> _Scan:
        return replace(self, words=list(self.words), metas=list(self.metas), head=list(self.head))


@dataclass(slots=True)
class _CopyData:
    """A COPY … FROM STDIN whose data lines have not all arrived: the lines
    seen so far are kept in ``head``; the buffer starts at the first line not
    known to be complete, so nothing is searched twice."""

    text: str
    line: int
    terminator: str
    search: int  # where to look next: for the end of the COPY line, then for "\."
    data_start: int = -1  # -1 until the COPY line has ended
    data_line: int = 0
    head: list[str] = field(default_factory=list)
    kind: Kind = Kind.SQL  # META: psql's \copy … FROM STDIN

    def shift(self, by: int) -> None:
        self.search -= by
        if self.data_start >= 0:
            self.data_start -= by

    def copy(self) -> _CopyData:
        return replace(self, head=list(self.head))


class Splitter:
    """Incremental splitter: ``feed()`` text as it arrives, collect finished
    statements, call ``finish()`` at end of input for a final statement
    without ``;``.

    Splitting is linear in the input however it is chunked: an unfinished
    statement's scan is kept (``_Scan``) and goes on where it stopped, and the
    text it has passed leaves the buffer, so a feed costs what it brings.

    ``server_strings``, when given, is asked before each statement for the
    server's ``standard_conforming_strings`` (None: unknown), as psql follows
    the server's parameter status; ``iter_feed`` splits lazily so that a
    statement is scanned only after the ones before it have run.
    """

    def __init__(self, nested_comments: bool = True, server_strings: Callable[[], bool | None] | None = None) -> None:
        self.nested_comments = nested_comments
        self.server_strings = server_strings
        self._buf = ""
        # Start of the unconsumed text in self._buf.  Finished statements are
        # consumed by moving this offset; the buffer is cut once per feed, not
        # once per statement (which made splitting a script quadratic).
        self._pos = 0
        self._line = 1  # line number of self._buf[self._pos]
        self._scan: _Scan | None = None  # the unfinished statement
        self._copy: _CopyData | None = None  # a COPY waiting for its data
        self.standard_strings = True  # PostgreSQL's standard_conforming_strings (SET … off: '\'' escapes)

    # -- public API ---------------------------------------------------------

    def feed(self, text: str) -> list[Statement]:
        return list(self.iter_feed(text))

    def iter_feed(self, text: str) -> Iterator[Statement]:
        """Like ``feed``, but each statement is split only when the one before
        it has been taken (and run): what it changed on the server counts."""
        self._buf += text
        return self._drain(final=False)

    def finish(self) -> list[Statement]:
        return list(self.iter_finish())

    def iter_finish(self) -> Iterator[Statement]:
        yield from self._drain(final=True)
        self._buf, self._pos, self._scan, self._copy = "", 0, None, None

    def pending_is_blank(self) -> bool:
        """True when finishing now would produce no statement: nothing but
        whitespace and complete comments is pending (meta-commands met inside
        the pending text were already returned by ``feed()``)."""
        probe = Splitter(self.nested_comments)
        probe._buf, probe._pos, probe._line = self._buf, self._pos, self._line
        probe.standard_strings = self.standard_strings
        probe._scan = self._scan.copy() if self._scan is not None else None
        probe._copy = self._copy.copy() if self._copy is not None else None
        return not probe.finish()

    # -- scanning -----------------------------------------------------------

    def _blank(self, text: str) -> bool:
        """True when ``text`` holds nothing but blanks, ``;`` and complete comments."""
        if text[:1].isalpha():
            return False  # the usual case, decided without a regex
        pos, n = 0, len(text)
        while True:
            blank = _BLANK_RUN.match(text, pos)
            assert blank is not None  # the pattern matches the empty string
            pos = blank.end()
            if pos >= n:
                return True
            if not text.startswith("/*", pos) or text.startswith(("/*!", "/*M!"), pos):
                return False  # MySQL/MariaDB run /*! … */ (mysqldump's SET lines): a statement
            try:
                pos = self._skip_block_comment(text, pos + 2, 1, False)
            except _Incomplete:
                return False

    def _drain(self, final: bool) -> Iterator[Statement]:
        buf = self._buf
        try:
            yield from self._drain_buffer(buf, final)
        finally:
            # The consumed text (finished statements, text an unfinished one has passed) leaves the buffer.
            shift = self._pos
            if shift:
                self._buf = buf[shift:]
                self._pos = 0
                if self._scan is not None:
                    self._scan.shift(shift)
                if self._copy is not None:
                    self._copy.shift(shift)

    def _drain_buffer(self, buf: str, final: bool) -> Iterator[Statement]:
        n = len(buf)
        while True:
            if self._copy is not None:
                stmt = self._copy_data(buf, self._copy, final)
                if stmt is None:
                    return
                self._copy = None
                yield stmt
                continue
            st = self._scan
            if st is None:
                pos = self._pos
                m = _SPACE_OR_LINE_COMMENT.match(buf, pos)
                start = m.end() if m else pos
                if final:
                    tm = _TRAILING_LINE_COMMENT.match(buf, start)
                    if tm:
                        start = tm.end()
                elif _PARTIAL_LINE_COMMENT.match(buf, start):
                    self._consume(start)  # a comment (or not) the next chunk decides
                    return
                if start >= n:
                    self._consume(start)
                    return
                if buf[start] == "\\" and buf[start + 1 : start + 2] not in (";", ":"):
                    end = buf.find("\n", start)
                    if end < 0:
                        if not final:
                            self._consume(start)
                            return
                        end = n
                    line, meta = self._line_at(start), buf[start:end].rstrip()
                    self._consume(end)
                    if _SLASH_COPY_FROM_STDIN.match(meta) and (end < n or not final):
                        # psql's \copy … FROM STDIN reads the lines that follow, up to "\."
                        self._copy = _CopyData(meta, line, "", end, kind=Kind.META)
                        continue
                    yield Statement(Kind.META, meta, line)
                    continue
                if self.server_strings is not None:
                    server = self.server_strings()
                    if server is not None:
                        self.standard_strings = server
                st = self._scan = _Scan(start, self._line_at(start), start, start, _PLAIN_TRACKING, text_from=start)
            try:
                stmt_end, terminator = self._scan_sql(buf, st, final)
            except _Incomplete:
                # psql runs a meta-command met inside an unfinished statement at once.
                metas = self._meta_statements(buf, st.metas, st.emitted)
                st.emitted = len(st.metas)
                self._cut(buf, st)
                yield from metas
                return
            self._scan = None
            text, new_metas = self._assemble(buf, st, stmt_end)
            consumed = stmt_end
            terminator_text = ""
            if terminator:
                consumed = terminator[1]
                terminator_text = buf[terminator[0] : terminator[1]].rstrip()
            scs = _STANDARD_STRINGS.match(text)
            if scs:
                # psql follows the server's standard_conforming_strings: with it off,
                # a backslash escapes in every '…' literal of the statements after.
                self.standard_strings = (scs.group(1) or "on").strip("'").lower() not in ("off", "false", "0", "no")
            if _COPY_FROM_STDIN.match(text):
                self._copy = _CopyData(text, st.line, terminator_text, stmt_end)
                self._consume(stmt_end)
                yield from new_metas
                continue
            self._consume(consumed)
            yield from new_metas
            # Nothing but comments (psql would send them, the server would do
            # nothing; "/* c */ \g" does not re-run the previous query).
            if not self._blank(text):
                yield Statement(Kind.SQL, text, st.line, terminator_text)

    def _copy_data(self, buf: str, cd: _CopyData, final: bool) -> Statement | None:
        """The COPY statement with its data, once the data lines up to a line ``\\.``
        (or the end of the input) are in; None while they are still coming.
        The data start on the line after the COPY."""
        n = len(buf)
        if cd.data_start < 0:
            nl = buf.find("\n", cd.search)
            if nl < 0:
                if not final:
                    self._consume(n)  # the rest of the COPY line is not data
                    cd.search = n
                    return None
                nl = n - 1
            cd.data_start = cd.search = nl + 1
            cd.data_line = self._line_at(cd.data_start)
        end = _COPY_END.search(buf, cd.search)
        if end is not None and end.end() >= n and not final:
            end = None  # "\." may go on in the next chunk
        if end is None:
            if final:
                data, resume = "".join(cd.head) + buf[cd.data_start : n], n
            else:
                # Complete lines are data (no "\." among them): keep them, and
                # look again from the line still arriving.
                keep = max(buf.rfind("\n", cd.data_start, n) + 1, cd.data_start)
                if keep > cd.data_start:
                    cd.head.append(buf[cd.data_start : keep])
                cd.data_start = cd.search = keep
                self._consume(keep)
                return None
        else:
            data = "".join(cd.head) + buf[cd.data_start : end.start()]
            nl = buf.find("\n", end.end())
            resume = n if nl < 0 else nl + 1
        self._consume(resume)
        return Statement(cd.kind, cd.text, cd.line, cd.terminator, data, cd.data_line)

    def _line_at(self, index: int) -> int:
        return self._line + self._buf.count("\n", self._pos, index)

    def _meta_statements(self, buf: str, metas: list[tuple[int, int, str | None]], done: int) -> list[Statement]:
        """The meta-commands in ``metas`` not emitted yet (lines counted in one pass)."""
        out, line, pos = [], self._line, self._pos
        for ms, me, literal in metas[done:]:
            if literal is None:
                line += buf.count("\n", pos, ms)
                pos = ms
                out.append(Statement(Kind.META, buf[ms:me].strip(), line))
        return out

    def _assemble(self, buf: str, st: _Scan, end: int) -> tuple[str, list[Statement]]:
        """The statement's SQL text: meta-command lines cut out, ``\\;`` / ``\\:``
        turned into ``;`` / ``:``; and the meta-commands not yet emitted."""
        if not st.metas and not st.head:
            return buf[st.text_from : end].rstrip(), []
        parts, pos = list(st.head), st.text_from
        for ms, me, literal in st.metas:
            parts.append(buf[pos:ms])
            if literal is not None:
                parts.append(literal)
            pos = me
        parts.append(buf[pos:end])
        text = "".join(parts)
        text = text.strip() if st.had_metas or st.metas else text.rstrip()
        return text, self._meta_statements(buf, st.metas, st.emitted)

    def _cut(self, buf: str, st: _Scan) -> None:
        """Let the text an unfinished statement's scan has passed leave the buffer
        (into ``st.head``), keeping what the scan may still look back at: the
        identifier run before where it goes on, two characters more (``U&'``),
        and the blanks back to the line's start (a meta-command alone on its line)."""
        k = st.i if st.token else _ident_run(buf, st.i, st.lo)
        k = max(st.start, k - 2)
        b = k
        while b > st.start and buf[b - 1] in _BLANKS:
            b -= 1
        if b > st.start and buf[b - 1] == "\n":
            k = b - 1
        head, pos, keep = st.head, st.text_from, []
        for meta in st.metas:
            ms, me, literal = meta
            if ms < k:
                head.append(buf[pos:ms])
                if literal is not None:
                    head.append(literal)
                pos = me
                st.had_metas = True
            else:
                keep.append(meta)
        if pos < k:
            head.append(buf[pos:k])
            pos = k
        st.metas, st.emitted, st.text_from = keep, len(keep), pos
        self._consume(k)

    def _consume(self, n: int) -> None:
        self._line += self._buf.count("\n", self._pos, n)
        self._pos = n

    def _scan_sql(self, buf: str, st: _Scan, final: bool) -> tuple[int, tuple[int, int] | None]:
        """Find the end of the SQL statement ``st`` scans, going on where it stopped.

        Returns (end index just past the ``;``, span of a terminating
        \\g-style meta-command or None); meta-command spans met inside the
        statement are appended to ``st.metas`` as (start, end, None), ``\\;`` and
        ``\\:`` as (start, end, the character they stand for).
        Raises _Incomplete, with ``st`` saying where to go on, when the
        statement is not finished and not ``final``.
        """
        n = len(buf)
        if st.fresh:
            # Like psql, look at the statement's first identifiers (whatever
            # precedes them) until they show it is no body-bearing CREATE.
            im = _IDENT.match(buf, st.i)
            if im and im.end() >= n and not final:
                raise _Incomplete  # the first word may go on in the next chunk
            st.fresh = False
            if im and im.group(0).lower() != "create":
                st.plain, st.i = self._plain(), im.end()  # the usual case, settled at once
        if st.token:
            try:
                st.i = self._end_token(buf, st, final)
            except _Incomplete as exc:
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
                    escape = i > lo and buf[i - 1] in "eE" and _starts_token(buf, i - 1, lo)
                    if not escape and not self.standard_strings:
                        # standard_conforming_strings off: '…' escapes, but not U&'…', B'…', X'…'
                        escape = not _prefixed_literal(buf, i, lo)
                    i = _skip_escape_string(buf, i + 1, final) if escape else _skip_string(buf, i + 1, final)
                elif c == '"':
                    j = buf.find('"', i + 1)
                    if j < 0:
                        if final:
                            return n, None
                        raise _Incomplete(n, '"')
                    i = j + 1
                elif c == "-":
                    if i + 1 >= n and not final:
                        raise _Incomplete(i)
                    if buf.startswith("--", i):
                        j = buf.find("\n", i)
                        if j < 0:
                            if final:
                                return n, None
                            raise _Incomplete(n, "--")
                        i = j + 1
                    else:
                        i += 1
                elif c == "/":
                    if i + 1 >= n and not final:
                        raise _Incomplete(i)
                    if buf.startswith("/*", i):
                        i = self._skip_block_comment(buf, i + 2, 1, final)
                    else:
                        i += 1
                elif c == "$":
                    dm = _DOLLAR.match(buf, i)
                    if not dm:
                        if not final and _PARTIAL_DOLLAR.match(buf, i):
                            raise _Incomplete(i)  # "$tag" may become "$tag$"
                        i += 1
                    elif _dollar_glued(buf, i, lo):
                        rest = _IDENT_REST.match(buf, i)
                        assert rest is not None  # the pattern matches the empty string
                        j = rest.end()  # the rest of the identifier, at once
                        if j >= n and not final:
                            raise _Incomplete(i)
                        i = j
                    else:
                        tag = dm.group(0)
                        j = buf.find(tag, dm.end())
                        if j < 0:
                            if final:
                                return n, None
                            raise _Incomplete(max(dm.end(), n - len(tag) + 1), "$", tag=tag)
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
                            body, words, plain = False, [], _PLAIN_TRACKING
                        continue
                    end = buf.find("\n", i)
                    if end < 0:
                        if not final:
                            raise _Incomplete(i)
                        end = n
                    meta = _META_NAME.match(buf, i)
                    assert meta is not None  # buf[i] is the backslash
                    name = meta.group(1)
                    if name in _TERMINATORS:
                        return i, (i, end)
                    ms, nl = i, buf.rfind("\n", pos, i)
                    if nl >= 0 and end < n and not buf[nl + 1 : i].strip():
                        ms, end = nl + 1, end + 1  # alone on its line: psql keeps no trace of the line
                    metas.append((ms, end, None))
                    i = end
                else:
                    # tracking mode: an identifier or keyword
                    im = _IDENT.match(buf, i)
                    if not im:
                        i += 1
                        continue
                    if im.end() >= n and not final:
                        raise _Incomplete(i)  # the word may go on in the next chunk
                    word = im.group(0).lower()
                    i = im.end()
                    if len(words) < 4:
                        words.append(word)
                        body = _body_tracking(words, not self.nested_comments)
                        if not body and (words[0] != "create" or len(words) == 4):
                            plain = self._plain()  # settled: no BEGIN … END body to track
                    if body and paren == 0:
                        if word == "begin" or (word == "case" and begin_depth):
                            begin_depth += 1
                        elif word == "end" and begin_depth:
                            begin_depth -= 1
            if not final:
                raise _Incomplete(n)
            return n, None
        except _Incomplete as exc:
            st.i = i if exc.resume < 0 else exc.resume
            st.token, st.depth, st.tag = exc.token, exc.depth, exc.tag
            st.lo, st.plain, st.paren, st.begin_depth, st.body, st.words = lo, plain, paren, begin_depth, body, words
            raise

    def _plain(self) -> re.Pattern[str]:
        """The regex for text that cannot change the scan's state (no body to track)."""
        return _PLAIN_FAST if self.standard_strings else _PLAIN

    def _end_token(self, buf: str, st: _Scan, final: bool) -> int:
        """Go on with the token an earlier feed ended inside; returns the index after it."""
        n, i, token = len(buf), st.i, st.token
        if token == "'":
            return _skip_string(buf, i, final)
        if token == "E":
            return _skip_escape_string(buf, i, final)
        if token == "/*":
            return self._skip_block_comment(buf, i, st.depth, final)
        if token == "$":
            j = buf.find(st.tag, i)
            if j < 0:
                if final:
                    return n
                raise _Incomplete(max(i, n - len(st.tag) + 1), "$", tag=st.tag)
            st.lo = j + len(st.tag)
            return st.lo
        j = buf.find('"' if token == '"' else "\n", i)  # a quoted identifier or a -- comment
        if j < 0:
            if final:
                return n
            raise _Incomplete(n, token)
        return j + 1

    def _skip_block_comment(self, buf: str, i: int, depth: int, final: bool) -> int:
        """Skip the rest of a /* … */ comment, ``depth`` deep, from ``i`` (past its opening)."""
        n = len(buf)
        if not self.nested_comments:
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
        raise _Incomplete(max(i, n - 1), "/*", depth)  # "*/" may straddle the chunks


def _skip_string(buf: str, i: int, final: bool) -> int:
    """Skip a '…' literal from ``i`` (past its opening quote, or at a quote that may be doubled)."""
    n = len(buf)
    while True:
        j = buf.find("'", i)
        if j < 0 or j + 1 >= n:
            # unterminated, or a doubled quote may follow in the next chunk
            if not final:
                raise _Incomplete(n if j < 0 else j, "'")
            return n
        if buf[j + 1] != "'":
            return j + 1
        i = j + 2


def _skip_escape_string(buf: str, i: int, final: bool) -> int:
    """Skip an E'…' literal (backslash escapes, psql's quote continuation)."""
    n = len(buf)
    search = _ESTRING_SPECIAL.search
    while True:
        m = search(buf, i)
        j = m.start() if m else n
        if j + 1 >= n:
            if not final:
                raise _Incomplete(j, "E")
            return n
        if buf[j] == "\\" or buf[j + 1] == "'":
            i = j + 2
            continue
        cm = _QUOTE_CONTINUE.match(buf, j + 1)
        if not cm:
            if not final and _PARTIAL_QUOTE_CONTINUE.match(buf, j + 1):
                raise _Incomplete(j, "E")  # 'a' then a newline: "'b'" may continue it
            return j + 1
        i = cm.end()


def split(text: str, nested_comments: bool = True) -> list[Statement]:
    """Split a whole text; a final statement without ``;`` is included."""
    s = Splitter(nested_comments)
    return s.feed(text) + s.finish()


def is_complete(text: str, nested_comments: bool = True, standard_strings: bool | None = True) -> bool:
    """Would the REPL run this input now? True when every statement in it is
    terminated (by ``;`` or a meta-command) and nothing but blanks remains.
    An empty input is complete (Enter on an empty prompt does nothing).
    ``standard_strings``: the server's standard_conforming_strings (None: unknown, on)."""
    s = Splitter(nested_comments)
    s.standard_strings = standard_strings is not False
    s.feed(text if text.endswith("\n") else text + "\n")
    return s.pending_is_blank()
