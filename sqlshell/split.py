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
from dataclasses import dataclass
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
    k = _NUMBERS.match(buf, j, i).end()
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
_WAIT = (-1, -1, -1)
# SET [SESSION|LOCAL] standard_conforming_strings TO|= value, and RESET (on).
_STANDARD_STRINGS = re.compile(
    r"\s*(?:set\s+(?:session\s+|local\s+)?standard_conforming_strings\s*(?:to|=)\s*('?\w+'?)"
    r"|reset\s+standard_conforming_strings\b)",
    re.IGNORECASE,
)  # the data's end has not arrived yet


def _copy_data(buf: str, stmt_end: int, final: bool) -> tuple[int, int, int]:
    """(start, end, resume) of the data lines after a COPY … FROM STDIN ending at
    ``stmt_end``: they start on the next line and end before a line ``\\.``
    (or at the end of the input); scanning resumes after that line."""
    nl = buf.find("\n", stmt_end)
    if nl < 0:
        return (len(buf), len(buf), len(buf)) if final else _WAIT
    start = nl + 1
    end = _COPY_END.search(buf, start)
    if end is None:
        return (start, len(buf), len(buf)) if final else _WAIT
    resume = buf.find("\n", end.end())
    return start, end.start(), len(buf) if resume < 0 else resume + 1


def _prefixed_literal(buf: str, i: int, lo: int) -> bool:
    """Is the quote at ``i`` the start of B'…', X'…' or U&'…' (never escape strings)?"""
    if i > lo and buf[i - 1] in "bBxX":
        return _starts_token(buf, i - 1, lo)
    return i - 1 > lo and buf[i - 1] == "&" and buf[i - 2] in "uU" and _starts_token(buf, i - 2, lo)


class _Incomplete(Exception):
    """The buffer ends inside a statement; wait for more input."""


class Splitter:
    """Incremental splitter: ``feed()`` text as it arrives, collect finished
    statements, call ``finish()`` at end of input for a final statement
    without ``;``.

    Unfinished text is rescanned from the start of its statement on the next
    feed; callers feeding large inputs should feed big chunks (the script
    source reads 64 KiB at a time) so rescans stay cheap.
    """

    def __init__(self, nested_comments: bool = True) -> None:
        self.nested_comments = nested_comments
        self._buf = ""
        # Start of the unconsumed text in self._buf.  Finished statements are
        # consumed by moving this offset; the buffer is cut once per feed, not
        # once per statement (which made splitting a script quadratic).
        self._pos = 0
        self._line = 1  # line number of self._buf[self._pos]
        self._metas_done = 0  # meta-commands already emitted from inside the pending statement
        self.standard_strings = True  # PostgreSQL's standard_conforming_strings (SET … off: '\'' escapes)

    # -- public API ---------------------------------------------------------

    def feed(self, text: str) -> list[Statement]:
        self._buf += text
        return self._drain(final=False)

    def finish(self) -> list[Statement]:
        out = self._drain(final=True)
        self._buf = ""
        self._metas_done = 0
        return out

    def pending_is_blank(self) -> bool:
        """True when finishing now would produce no statement: nothing but
        whitespace and complete comments is pending (meta-commands met inside
        the pending text were already returned by ``feed()``)."""
        probe = Splitter(self.nested_comments)
        probe._buf, probe._metas_done = self._buf, self._metas_done
        return not probe._drain(final=True)

    # -- scanning -----------------------------------------------------------

    def _blank(self, text: str) -> bool:
        """True when ``text`` holds nothing but blanks, ``;`` and complete comments."""
        if text[:1].isalpha():
            return False  # the usual case, decided without a regex
        pos, n = 0, len(text)
        while True:
            pos = _BLANK_RUN.match(text, pos).end()
            if pos >= n:
                return True
            if not text.startswith("/*", pos):
                return False
            try:
                pos = self._skip_block_comment(text, pos)
            except _Incomplete:
                return False

    def _drain(self, final: bool) -> list[Statement]:
        buf = self._buf
        try:
            return self._drain_buffer(buf, final)
        finally:
            self._buf = buf[self._pos :]
            self._pos = 0

    def _drain_buffer(self, buf: str, final: bool) -> list[Statement]:
        out: list[Statement] = []
        n = len(buf)
        while True:
            pos = self._pos
            m = _SPACE_OR_LINE_COMMENT.match(buf, pos)
            start = m.end() if m else pos
            if final:
                tm = _TRAILING_LINE_COMMENT.match(buf, start)
                if tm:
                    start = tm.end()
            if start >= n:
                self._consume(start)
                return out
            if buf[start] == "\\" and buf[start + 1 : start + 2] not in (";", ":"):
                end = buf.find("\n", start)
                if end < 0:
                    if not final:
                        self._consume(start)
                        return out
                    end = n
                meta = buf[start:end].rstrip()
                if _SLASH_COPY_FROM_STDIN.match(meta) and (end < n or not final):
                    copy = _copy_data(buf, end, final)  # psql's \copy … FROM STDIN reads the lines that follow
                    if copy is _WAIT:
                        self._consume(start)
                        return out
                    data_start, data_end, resume = copy
                    line, data = self._line_at(start), buf[data_start:data_end]
                    out.append(Statement(Kind.META, meta, line, "", data, self._line_at(data_start)))
                    self._consume(resume)
                    continue
                out.append(Statement(Kind.META, meta, self._line_at(start)))
                self._consume(end)
                continue
            metas: list[tuple[int, int, str | None]] = []
            try:
                stmt_end, terminator = self._scan_sql(buf, start, final, metas)
            except _Incomplete:
                # psql runs a meta-command met inside an unfinished statement at once.
                out.extend(self._meta_statements(buf, metas))
                self._metas_done = len(metas)
                return out
            line = self._line_at(start)
            text, new_metas = self._assemble(buf, start, stmt_end, metas)
            out.extend(new_metas)
            copy = _copy_data(buf, stmt_end, final) if _COPY_FROM_STDIN.match(text) else None
            if copy is _WAIT:
                self._metas_done = len(metas)
                return out
            self._metas_done = 0
            consumed = stmt_end
            terminator_text = ""
            if terminator:
                consumed = terminator[1]
                terminator_text = buf[terminator[0] : terminator[1]].rstrip()
            # Nothing but comments (psql would send them, the server would do
            # nothing; "/* c */ \g" does not re-run the previous query).
            scs = _STANDARD_STRINGS.match(text)
            if scs:
                # psql follows the server's standard_conforming_strings: with it off,
                # a backslash escapes in every '…' literal of the statements after.
                self.standard_strings = (scs.group(1) or "on").strip("'").lower() not in ("off", "false", "0", "no")
            if copy is not None:
                data_start, data_end, consumed = copy
                data_line = self._line_at(data_start)
                out.append(Statement(Kind.SQL, text, line, terminator_text, buf[data_start:data_end], data_line))
            elif not self._blank(text):
                out.append(Statement(Kind.SQL, text, line, terminator_text))
            self._consume(consumed)

    def _line_at(self, index: int) -> int:
        return self._line + self._buf.count("\n", self._pos, index)

    def _meta_statements(self, buf: str, metas: list[tuple[int, int, str | None]]) -> list[Statement]:
        """The meta-commands in ``metas`` not emitted yet (lines counted in one pass)."""
        out, line, pos = [], self._line, self._pos
        for ms, me, literal in metas[self._metas_done :]:
            if literal is None:
                line += buf.count("\n", pos, ms)
                pos = ms
                out.append(Statement(Kind.META, buf[ms:me].strip(), line))
        return out

    def _assemble(
        self, buf: str, start: int, end: int, metas: list[tuple[int, int, str | None]]
    ) -> tuple[str, list[Statement]]:
        """Cut meta-command lines out of a statement's text (and turn ``\\;`` /
        ``\\:`` into ``;`` / ``:``); return the SQL text and the meta-commands
        not yet emitted."""
        if not metas:
            return buf[start:end].rstrip(), []
        parts, pos = [], start
        for ms, me, literal in metas:
            parts.append(buf[pos:ms])
            if literal is not None:
                parts.append(literal)
            pos = me
        parts.append(buf[pos:end])
        return "".join(parts).strip(), self._meta_statements(buf, metas)

    def _consume(self, n: int) -> None:
        self._line += self._buf.count("\n", self._pos, n)
        self._pos = n

    def _scan_sql(
        self, buf: str, pos: int, final: bool, metas: list[tuple[int, int, str | None]]
    ) -> tuple[int, tuple[int, int] | None]:
        """Find the end of the SQL statement starting at ``pos``.

        Returns (end index just past the ``;``, span of a terminating
        \\g-style meta-command or None); meta-command spans met inside the
        statement are appended to ``metas`` as (start, end, None), ``\\;`` and
        ``\\:`` as (start, end, the character they stand for).
        Raises _Incomplete when the statement is not finished and not ``final``.
        """
        n = len(buf)
        paren = 0
        begin_depth = 0
        # Like psql, look at the statement's first identifiers (whatever
        # precedes them) until they show it is no body-bearing CREATE.
        body = False  # BEGIN … END is a body: psql's CREATE FUNCTION|PROCEDURE rule, or a trigger
        words: list[str] = []
        plain = _PLAIN_TRACKING
        i = lo = pos  # lo: no identifier runs across it (its last char may be a closing "$")
        im = _IDENT.match(buf, pos)
        if im and im.group(0).lower() != "create":
            plain, i = _PLAIN, im.end()  # the usual case, settled at once
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
                i = self._skip_escape_string(buf, i + 1, final) if escape else self._skip_string(buf, i + 1, final)
            elif c == '"':
                j = buf.find('"', i + 1)
                if j < 0:
                    return self._unterminated(n, final)
                i = j + 1
            elif c == "-":
                if buf.startswith("--", i):
                    j = buf.find("\n", i)
                    i = n if j < 0 else j + 1
                else:
                    i += 1
            elif c == "/":
                if buf.startswith("/*", i):
                    try:
                        i = self._skip_block_comment(buf, i)
                    except _Incomplete:
                        return self._unterminated(n, final)
                else:
                    i += 1
            elif c == "$":
                dm = _DOLLAR.match(buf, i)
                if not dm:
                    i += 1
                elif _dollar_glued(buf, i, lo):
                    i = _IDENT_REST.match(buf, i).end()  # the rest of the identifier, at once
                else:
                    j = buf.find(dm.group(0), dm.end())
                    if j < 0:
                        return self._unterminated(n, final)
                    i = lo = j + len(dm.group(0))
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
                        raise _Incomplete
                    end = n
                name = _META_NAME.match(buf, i).group(1)
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
                word = im.group(0).lower()
                i = im.end()
                if len(words) < 4:
                    words.append(word)
                    body = _body_tracking(words, not self.nested_comments)
                    if not body and (words[0] != "create" or len(words) == 4):
                        plain = _PLAIN  # settled: no BEGIN … END body to track
                if body and paren == 0:
                    if word == "begin" or (word == "case" and begin_depth):
                        begin_depth += 1
                    elif word == "end" and begin_depth:
                        begin_depth -= 1
        return self._unterminated(n, final)

    @staticmethod
    def _unterminated(n: int, final: bool) -> tuple[int, None]:
        if not final:
            raise _Incomplete
        return n, None

    @staticmethod
    def _skip_string(buf: str, i: int, final: bool) -> int:
        """Skip a '…' literal whose opening quote is just before ``i``."""
        n = len(buf)
        while True:
            j = buf.find("'", i)
            if j < 0 or j + 1 >= n:
                # unterminated, or a doubled quote may follow in the next chunk
                if not final:
                    raise _Incomplete
                return n
            if buf[j + 1] != "'":
                return j + 1
            i = j + 2

    @staticmethod
    def _skip_escape_string(buf: str, i: int, final: bool) -> int:
        """Skip an E'…' literal (backslash escapes, psql's quote continuation)."""
        n = len(buf)
        search = _ESTRING_SPECIAL.search
        while True:
            m = search(buf, i)
            j = m.start() if m else n
            if j + 1 >= n:
                if not final:
                    raise _Incomplete
                return n
            if buf[j] == "\\" or buf[j + 1] == "'":
                i = j + 2
                continue
            cm = _QUOTE_CONTINUE.match(buf, j + 1)
            if not cm:
                return j + 1
            i = cm.end()

    def _skip_block_comment(self, buf: str, i: int) -> int:
        if not self.nested_comments:
            j = buf.find("*/", i + 2)
            if j < 0:
                raise _Incomplete
            return j + 2
        depth, i = 1, i + 2
        while depth:
            m = _BLOCK_COMMENT_TOKEN.search(buf, i)
            if not m:
                raise _Incomplete
            depth += 1 if m.group(0) == "/*" else -1
            i = m.end()
        return i


def split(text: str, nested_comments: bool = True) -> list[Statement]:
    """Split a whole text; a final statement without ``;`` is included."""
    s = Splitter(nested_comments)
    return s.feed(text) + s.finish()


def is_complete(text: str, nested_comments: bool = True) -> bool:
    """Would the REPL run this input now? True when every statement in it is
    terminated (by ``;`` or a meta-command) and nothing but blanks remains.
    An empty input is complete (Enter on an empty prompt does nothing)."""
    s = Splitter(nested_comments)
    s.feed(text if text.endswith("\n") else text + "\n")
    return s.pending_is_blank()
