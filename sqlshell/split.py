"""Split SQL input into statements and meta-commands, the way psql does.

A single forward pass over the text (regular expressions jump over the
characters that cannot change the lexer state), so a 20,000-statement script
splits in a fraction of a second; sqlparse would take seconds. The same
splitter answers the REPL's "is this input complete?" question.

What it knows, following psql's lexer (psqlscan.l):
  * ``'…'`` strings with doubled quotes, ``E'…'`` strings with backslash
    escapes, ``"quoted identifiers"``, ``$$ … $$`` / ``$tag$ … $tag$`` bodies;
  * ``--`` comments (dropped before a statement, as psql does) and
    ``/* … */`` comments, nested when ``nested_comments`` (PostgreSQL);
  * ``;`` inside parentheses does not end a statement (``CREATE RULE … DO (…; …)``);
  * ``BEGIN … END`` bodies of ``CREATE [OR REPLACE] FUNCTION|PROCEDURE``
    (SQL-standard bodies) and of SQLite's ``CREATE [TEMP] TRIGGER``;
  * a backslash outside quotes starts a meta-command that runs to the end of
    the line; ``\\g`` and friends end the SQL statement they follow.
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


# Characters that never change the lexer state inside ordinary SQL text.
_PLAIN = re.compile(r"[^'\"\-/$;()\\]+")
_PLAIN_TRACKING = re.compile(r"[^'\"\-/$;()\\A-Za-z_\x80-\U0010ffff]+")
_IDENT = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9$\x80-\U0010ffff]*")
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)?\$")
_SPACE_OR_LINE_COMMENT = re.compile(r"(?:\s+|--[^\n]*\n)+")
_TRAILING_LINE_COMMENT = re.compile(r"--[^\n]*\Z")
_CREATE = re.compile(r"create\b", re.IGNORECASE)
_BLOCK_COMMENT_TOKEN = re.compile(r"/\*|\*/")
_META_NAME = re.compile(r"\\([^\s\\]*)")


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


def _body_tracking(words: list[str]) -> bool:
    """True when the statement's first words make BEGIN … END a body:
    psql's rule for functions and procedures, plus SQLite's triggers."""
    if not words or words[0] != "create":
        return False
    rest = words[1:]
    if rest[:2] == ["or", "replace"]:
        rest = rest[2:]
    if rest[:1] in (["temp"], ["temporary"]):
        rest = rest[1:]
    return bool(rest) and rest[0] in ("function", "procedure", "trigger")


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
        self._line = 1  # line number of self._buf[0]
        self._metas_done = 0  # meta-commands already emitted from inside the pending statement

    # -- public API ---------------------------------------------------------

    def feed(self, text: str) -> list[Statement]:
        self._buf += text
        return self._drain(final=False)

    def finish(self) -> list[Statement]:
        out = self._drain(final=True)
        self._buf = ""
        self._metas_done = 0
        return out

    @property
    def pending(self) -> str:
        """Text received but not yet part of a finished statement."""
        return self._buf

    def pending_is_blank(self) -> bool:
        """True when nothing but whitespace and comments is pending."""
        m = _SPACE_OR_LINE_COMMENT.match(self._buf)
        rest = self._buf[m.end() :] if m else self._buf
        return rest == "" or (rest.startswith("/*") and self._comment_only(rest))

    def take_raw(self, upto: int) -> str:
        """Remove and return the first ``upto`` characters of the pending text
        (used to hand raw data lines, such as COPY data, to another reader)."""
        raw, self._buf = self._buf[:upto], self._buf[upto:]
        self._line += raw.count("\n")
        return raw

    # -- scanning -----------------------------------------------------------

    def _comment_only(self, text: str) -> bool:
        try:
            end = self._skip_block_comment(text, 0)
        except _Incomplete:
            return True
        m = _SPACE_OR_LINE_COMMENT.match(text, end)
        pos = m.end() if m else end
        return pos >= len(text) or (text.startswith("/*", pos) and self._comment_only(text[pos:]))

    def _drain(self, final: bool) -> list[Statement]:
        out: list[Statement] = []
        while True:
            buf = self._buf
            m = _SPACE_OR_LINE_COMMENT.match(buf)
            start = m.end() if m else 0
            if final:
                tm = _TRAILING_LINE_COMMENT.match(buf, start)
                if tm:
                    start = tm.end()
            if start >= len(buf):
                self._consume(start)
                return out
            if buf[start] == "\\":
                end = buf.find("\n", start)
                if end < 0:
                    if not final:
                        self._consume(start)
                        return out
                    end = len(buf)
                line = self._line + buf.count("\n", 0, start)
                out.append(Statement(Kind.META, buf[start:end].rstrip(), line))
                self._consume(end)
                continue
            metas: list[tuple[int, int]] = []
            try:
                stmt_end, terminator = self._scan_sql(buf, start, final, metas)
            except _Incomplete:
                # psql runs a meta-command met inside an unfinished statement at once.
                for ms, me in metas[self._metas_done :]:
                    meta_line = self._line + buf.count("\n", 0, ms)
                    out.append(Statement(Kind.META, buf[ms:me].rstrip(), meta_line))
                self._metas_done = len(metas)
                return out
            line = self._line + buf.count("\n", 0, start)
            text, new_metas = self._assemble(buf, start, stmt_end, metas, line)
            out.extend(new_metas)
            self._metas_done = 0
            terminator_text = ""
            consumed = stmt_end
            if terminator:
                consumed = terminator[1]
                terminator_text = buf[terminator[0] : terminator[1]].rstrip()
            if text.strip(" \t\r\n;") or terminator_text:
                out.append(Statement(Kind.SQL, text, line, terminator_text))
            self._consume(consumed)

    def _assemble(
        self, buf: str, start: int, end: int, metas: list[tuple[int, int]], line: int
    ) -> tuple[str, list[Statement]]:
        """Cut meta-command lines out of a statement's text; return the SQL
        text and the meta-commands not yet emitted."""
        if not metas:
            return buf[start:end].rstrip(), []
        parts, pos, emitted = [], start, []
        for i, (ms, me) in enumerate(metas):
            parts.append(buf[pos:ms])
            if i >= self._metas_done:
                meta_line = self._line + buf.count("\n", 0, ms)
                emitted.append(Statement(Kind.META, buf[ms:me].rstrip(), meta_line))
            pos = me
        parts.append(buf[pos:end])
        return "".join(parts).strip(), emitted

    def _consume(self, n: int) -> None:
        self._line += self._buf.count("\n", 0, n)
        self._buf = self._buf[n:]

    def _scan_sql(
        self, buf: str, pos: int, final: bool, metas: list[tuple[int, int]]
    ) -> tuple[int, tuple[int, int] | None]:
        """Find the end of the SQL statement starting at ``pos``.

        Returns (end index just past the ``;``, span of a terminating
        \\g-style meta-command or None); meta-command spans met inside the
        statement are appended to ``metas``.
        Raises _Incomplete when the statement is not finished and not ``final``.
        """
        n = len(buf)
        paren = 0
        begin_depth = 0
        tracking = bool(_CREATE.match(buf, pos))
        words: list[str] = []
        plain = _PLAIN_TRACKING if tracking else _PLAIN
        i = pos
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
                escapes = i > 0 and buf[i - 1] in "eE" and (i - 1 == pos or not _is_ident_char(buf[i - 2]))
                i = self._skip_string(buf, i + 1, escapes, final)
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
                if dm and not (i > pos and _is_ident_char(buf[i - 1])):
                    j = buf.find(dm.group(0), dm.end())
                    if j < 0:
                        return self._unterminated(n, final)
                    i = j + len(dm.group(0))
                else:
                    i += 1
            elif c == "(":
                paren += 1
                i += 1
            elif c == ")":
                if paren:
                    paren -= 1
                i += 1
            elif c == "\\":
                end = buf.find("\n", i)
                if end < 0:
                    if not final:
                        raise _Incomplete
                    end = n
                name = _META_NAME.match(buf, i).group(1)
                if name.startswith("g"):
                    return i, (i, end)
                metas.append((i, end))
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
                if paren == 0 and _body_tracking(words):
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
    def _skip_string(buf: str, i: int, escapes: bool, final: bool) -> int:
        n = len(buf)
        while True:
            j = buf.find("'", i)
            if escapes:
                k = buf.find("\\", i)
                if k >= 0 and (k < j or j < 0):
                    i = k + 2
                    continue
            if j < 0:
                if not final:
                    raise _Incomplete
                return n
            if j + 1 < n and buf[j + 1] == "'":
                i = j + 2
                continue
            if j + 1 >= n and not final:
                raise _Incomplete  # a doubled quote may follow in the next chunk
            return j + 1

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
