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

Each SQL statement leaves with its classification (``Statement.info``, see
``sqltext.classify``): the splitter asks it whether the statement is a COPY
… FROM STDIN (data lines follow) or sets standard_conforming_strings, and
every later layer reads the same object.

The jobs live apart: ``lexing`` (character rules), ``scanner`` (the scanning
loop over one statement), ``copydata`` (COPY data lines), ``statement`` (the
``Statement`` type); this module drives them over the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from sqlshell.sqltext.classify import Classification
from sqlshell.sqltext.copydata import SLASH_COPY_FROM_STDIN, CopyData, read_copy_data
from sqlshell.sqltext.lexing import PLAIN_TRACKING, Incomplete, ident_run, skip_block_comment
from sqlshell.sqltext.scanner import Scanner, ScanState
from sqlshell.sqltext.statement import Kind, Statement

__all__ = ["Kind", "Splitter", "Statement", "is_complete", "split"]

_SPACE_OR_LINE_COMMENT = re.compile(r"(?:\s+|--[^\n]*\n)+")
_TRAILING_LINE_COMMENT = re.compile(r"--[^\n]*\Z")
# The start of a "--" comment the end of a chunk may have cut short.
_PARTIAL_LINE_COMMENT = re.compile(r"-(?:-[^\n]*+)?\Z")
# Blanks, ";" and "--" comments: what may surround block comments in a piece
# that is not a statement.
_BLANK_RUN = re.compile(r"(?:\s++|;++|--[^\n]*+)*+")
_BLANKS = " \t\r\f\v"
# The verbs of the statements that change how the input after them splits:
# SET/RESET standard_conforming_strings, COPY … FROM STDIN (data lines follow).
_SPLIT_VERBS = frozenset({"set", "reset", "copy"})


class Splitter(Scanner):
    """Incremental splitter: ``feed()`` text as it arrives, collect finished
    statements, call ``finish()`` at end of input for a final statement
    without ``;``.

    Splitting is linear in the input however it is chunked: an unfinished
    statement's scan is kept (``ScanState``) and goes on where it stopped, and
    the text it has passed leaves the buffer, so a feed costs what it brings.

    ``server_strings``, when given, is asked before each statement for the
    server's ``standard_conforming_strings`` (None: unknown), as psql follows
    the server's parameter status; ``iter_feed`` splits lazily so that a
    statement is scanned only after the ones before it have run.
    """

    def __init__(self, nested_comments: bool = True, server_strings: Callable[[], bool | None] | None = None) -> None:
        super().__init__(nested_comments)
        self.server_strings = server_strings
        self._buf = ""
        # Start of the unconsumed text in self._buf.  Finished statements are
        # consumed by moving this offset; the buffer is cut once per feed, not
        # once per statement (which made splitting a script quadratic).
        self._pos = 0
        self._line = 1  # line number of self._buf[self._pos]
        self._scan: ScanState | None = None  # the unfinished statement
        self._copy: CopyData | None = None  # a COPY waiting for its data

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

    # -- driving the scan ---------------------------------------------------

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
        while True:
            if self._copy is not None:
                stmt, upto = read_copy_data(buf, self._copy, final, self._line_at)
                self._consume(upto)
                if stmt is None:
                    return  # the data lines are still coming
                self._copy = None
                yield stmt
                continue
            st = self._scan
            if st is None:
                start = self._statement_start(buf, final)
                if start < 0:
                    return
                if buf[start] == "\\" and buf[start + 1 : start + 2] not in (";", ":"):
                    metas = self._meta_line(buf, start, final)
                    if metas is None:
                        return
                    yield from metas
                    continue
                st = self._begin(buf, start)
            try:
                stmt_end, terminator = self._scan_sql(buf, st, final)
            except Incomplete:
                # psql runs a meta-command met inside an unfinished statement at once.
                metas = self._meta_statements(buf, st.metas, st.emitted)
                st.emitted = len(st.metas)
                self._cut(buf, st)
                yield from metas
                return
            self._scan = None
            yield from self._finish_sql(buf, st, stmt_end, terminator)

    def _statement_start(self, buf: str, final: bool) -> int:
        """Where the next statement starts, past blanks and ``--`` comments;
        -1 when nothing more can be read now (what was passed is consumed; a
        ``-`` the next chunk may make a comment waits)."""
        pos = self._pos
        m = _SPACE_OR_LINE_COMMENT.match(buf, pos)
        start = m.end() if m else pos
        if final:
            tm = _TRAILING_LINE_COMMENT.match(buf, start)
            if tm:
                start = tm.end()
        elif _PARTIAL_LINE_COMMENT.match(buf, start):
            self._consume(start)  # a comment (or not) the next chunk decides
            return -1
        if start >= len(buf):
            self._consume(start)
            return -1
        return start

    def _meta_line(self, buf: str, start: int, final: bool) -> list[Statement] | None:
        """The meta-command line at ``start``: [the statement], or [] when it is
        a ``\\copy … FROM STDIN`` whose data lines come next; None when the line
        has not ended yet."""
        n = len(buf)
        end = buf.find("\n", start)
        if end < 0:
            if not final:
                self._consume(start)
                return None
            end = n
        line, meta = self._line_at(start), buf[start:end].rstrip()
        self._consume(end)
        if SLASH_COPY_FROM_STDIN.match(meta) and (end < n or not final):
            self._copy = CopyData(meta, line, "", end, kind=Kind.META)
            return []
        return [Statement(Kind.META, meta, line)]

    def _begin(self, buf: str, start: int) -> ScanState:
        """Start scanning the SQL statement at ``start`` (with the server's
        standard_conforming_strings as it is now, when it is followed)."""
        if self.server_strings is not None:
            server = self.server_strings()
            if server is not None:
                self.standard_strings = server
        st = self._scan = ScanState(start, self._line_at(start), start, start, PLAIN_TRACKING, text_from=start)
        return st

    def _finish_sql(
        self, buf: str, st: ScanState, stmt_end: int, terminator: tuple[int, int] | None
    ) -> list[Statement]:
        """The meta-commands met inside a finished statement, then the statement,
        classified; a COPY … FROM STDIN waits for its data lines instead.
        (A list, not a generator: it runs once per statement.)"""
        text, new_metas = self._assemble(buf, st, stmt_end)
        info = Classification(text, not st.joined, st.verb)
        copy = False
        if info.verb in _SPLIT_VERBS:  # (the usual statement is told apart by its verb)
            standard = info.standard_strings_set()
            if standard is not None:
                # psql follows the server's standard_conforming_strings: with it off,
                # a backslash escapes in every '…' literal of the statements after.
                self.standard_strings = standard
            copy = info.copy_from_stdin
        terminator_text = buf[terminator[0] : terminator[1]].rstrip() if terminator else ""
        if copy:
            self._copy = CopyData(text, st.line, terminator_text, stmt_end, info=info)
            self._consume(stmt_end)
            return new_metas
        self._consume(terminator[1] if terminator else stmt_end)
        # Nothing but comments (psql would send them, the server would do
        # nothing; "/* c */ \g" does not re-run the previous query).
        if not self._blank(text):
            new_metas.append(Statement(Kind.SQL, text, st.line, terminator_text, _info=info))
        return new_metas

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
                pos = skip_block_comment(text, pos + 2, 1, False, self.nested_comments)
            except Incomplete:
                return False

    # -- bookkeeping --------------------------------------------------------

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

    def _assemble(self, buf: str, st: ScanState, end: int) -> tuple[str, list[Statement]]:
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

    def _cut(self, buf: str, st: ScanState) -> None:
        """Let the text an unfinished statement's scan has passed leave the buffer
        (into ``st.head``), keeping what the scan may still look back at: the
        identifier run before where it goes on, two characters more (``U&'``),
        and the blanks back to the line's start (a meta-command alone on its line)."""
        k = st.i if st.token else ident_run(buf, st.i, st.lo)
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
