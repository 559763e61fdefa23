"""psql's ``\\copy`` argument syntax, and PostgreSQL's COPY text and CSV formats
for the databases that have no COPY.

On PostgreSQL the server reads and writes the data (``sqlshell.commands.copy``
only moves bytes), so this module only has to split the arguments the way
psql's ``parse_slash_copy`` does. Elsewhere the shell itself reads and writes
the files, and it does so byte for byte as PostgreSQL's ``copyto.c`` and
``copyfrom.c`` would for the same values: the same escaping, quoting, NULL
marker and header, so a file moves between backends unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlshell.errors import UserError

USAGE = (
    "\\copy TABLE [(COLUMNS)] FROM 'FILE'|STDIN|PROGRAM 'CMD' [WITH (OPTIONS)]  or  "
    "\\copy TABLE|(QUERY) TO 'FILE'|STDOUT|PROGRAM 'CMD' [WITH (OPTIONS)]"
)


@dataclass
class CopyOptions:
    """The options of COPY that the shell's own reader and writer follow."""

    format: str = "text"  # text | csv | binary
    header: bool = False
    delimiter: str | None = None
    null: str | None = None
    quote: str = '"'
    escape: str | None = None
    encoding: str | None = None
    where: str | None = None
    unsupported: list[str] = field(default_factory=list)  # accepted by the server, not by the shell's codec

    @property
    def csv(self) -> bool:
        return self.format == "csv"

    @property
    def delim(self) -> str:
        return self.delimiter if self.delimiter is not None else ("," if self.csv else "\t")

    @property
    def null_text(self) -> str:
        return self.null if self.null is not None else ("" if self.csv else "\\N")

    @property
    def escape_char(self) -> str:
        return self.escape if self.escape is not None else self.quote

    def check(self) -> None:
        """PostgreSQL's own checks on the options (copy.c), with its wording."""
        if self.format not in ("text", "csv", "binary"):
            raise UserError(f'COPY format "{self.format}" not recognized')
        if len(self.delim) != 1:
            raise UserError("COPY delimiter must be a single one-byte character")
        if self.delim in "\r\n":
            raise UserError("COPY delimiter cannot be newline or carriage return")
        if not self.csv and (self.quote != '"' or self.escape is not None):
            raise UserError("COPY quote and escape are available only in CSV mode")
        if self.csv and (len(self.quote) != 1 or len(self.escape_char) != 1):
            raise UserError("COPY quote and escape must be a single one-byte character")
        if self.csv and self.delim == self.quote:
            raise UserError("COPY delimiter and quote must be different")
        if not self.csv and self.delim in "\\.abcdefghijklmnopqrstuvwxyz0123456789":
            raise UserError(f'COPY delimiter cannot be "{self.delim}"')


@dataclass
class CopySpec:
    """One ``\\copy`` command, split as psql splits it."""

    table: str | None  # the table as typed (quoted parts kept)
    columns: str | None  # the column list as typed, without the parentheses
    query: str | None  # (query) without the parentheses
    direction: str  # from | to
    kind: str  # file | stdio | program
    target: str | None  # the file name or the program's command
    options_text: str  # what follows, passed to the server as it is
    options: CopyOptions

    def server_sql(self) -> str:
        """The ``COPY … FROM STDIN`` / ``TO STDOUT`` psql sends for this command."""
        what = f"({self.query})" if self.query is not None else self.table or ""
        if self.columns is not None:
            what += f" ({self.columns})"
        io = "FROM STDIN" if self.direction == "from" else "TO STDOUT"
        return f"COPY {what} {io} {self.options_text}".rstrip()


# Tokens of psql's \copy syntax: 'strings' (with '' and E'\'' escapes), "identifiers", words, punctuation.
_TOKEN = re.compile(
    r"""\s*(?:([eE]'(?:[^'\\]|''|\\.)*'|'(?:[^']|'')*')|("(?:[^"]|"")*")|([(),])|([^\s(),'"]+))""", re.S
)


def _tokens(text: str, pos: int = 0) -> Iterator[tuple[str, int, int]]:
    """(token, start, end); raises on an unterminated quote."""
    while pos < len(text):
        if not text[pos:].strip():
            return
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise UserError(f"unterminated quoted string in \\copy: {text[pos:].strip()}", f"usage: {USAGE}")
        yield m.group(0).strip(), m.end() - len(m.group(0).lstrip()), m.end()
        pos = m.end()


def _literal(token: str) -> str:
    """The value of a quoted SQL string (or of a bare word)."""
    if token[:1] in "eE" and token[1:2] == "'":
        body = token[2:-1]
        return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), body)
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return token


def _balanced(text: str, start: int) -> int:
    """The index just after the parenthesis that closes the one at ``start``."""
    depth = 0
    for token, _s, end in _tokens(text, start):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth == 0:
                return end
    raise UserError("unbalanced parentheses in \\copy", f"usage: {USAGE}")


def parse_copy(raw: str) -> CopySpec:
    """Split ``\\copy``'s arguments as psql does; the options are parsed too."""
    text = raw.strip()
    if not text:
        raise UserError("\\copy needs arguments", f"usage: {USAGE}")
    table = columns = query = None
    if text.startswith("("):
        end = _balanced(text, 0)
        query, pos = text[1 : end - 1].strip(), end
    else:
        m = re.match(r'(?:"(?:[^"]|"")*"|[^\s("])+', text)
        if not m:
            raise UserError(f"not a table name: {text.split()[0]}", f"usage: {USAGE}")
        table, pos = m.group(0), m.end()
        rest = text[pos:].lstrip()
        if rest.startswith("("):
            start = len(text) - len(rest)
            end = _balanced(text, start)
            columns, pos = text[start + 1 : end - 1].strip(), end
    words = list(_tokens(text, pos))
    if not words or words[0][0].lower() not in ("from", "to"):
        raise UserError("\\copy needs FROM or TO after the table or query", f"usage: {USAGE}")
    direction = words[0][0].lower()
    if query is not None and direction == "from":
        raise UserError("\\copy (query) can only copy TO a file", f"usage: {USAGE}")
    if len(words) < 2:
        raise UserError(f"\\copy … {direction.upper()} needs a file, STDIN, STDOUT or PROGRAM", f"usage: {USAGE}")
    where, i = words[1][0], 2
    low = where.lower()
    if low == "program":
        if len(words) < 3 or not words[2][0].startswith("'"):
            raise UserError("PROGRAM needs a quoted command", "e.g. PROGRAM 'gzip > out.gz'")
        kind, target, i = "program", _literal(words[2][0]), 3
    elif low in ("stdin", "stdout", "pstdin", "pstdout"):
        if low.endswith("in") != (direction == "from"):
            raise UserError(f"\\copy … {direction.upper()} {where.upper()} does not make sense", f"usage: {USAGE}")
        kind, target = "stdio", None
    else:
        kind, target = "file", _literal(where)
    options_text = text[words[i][1] :].strip() if i < len(words) else ""
    options = parse_options(options_text)
    return CopySpec(table, columns, query, direction, kind, target, options_text, options)


def parse_options(text: str) -> CopyOptions:
    """``WITH (FORMAT csv, HEADER, …)`` and the old ``csv header delimiter ','``
    forms, plus ``WHERE condition`` (kept as text)."""
    opts = CopyOptions()
    tokens = [t for t, _s, _e in _tokens(text)]
    starts = [s for _t, s, _e in _tokens(text)]
    i = 0
    if i < len(tokens) and tokens[i].lower() == "with":
        i += 1
    new_style = i < len(tokens) and tokens[i] == "("
    i = _new_style(tokens, i + 1, opts) if new_style else _old_style(tokens, i, opts)
    if i < len(tokens):
        if tokens[i].lower() != "where":
            raise UserError(f"\\copy: syntax error at {tokens[i]!r}", f"usage: {USAGE}")
        opts.where = text[starts[i] :][len("where") :].strip()
    opts.check()
    return opts


def _new_style(tokens: list[str], i: int, opts: CopyOptions) -> int:
    while i < len(tokens):
        if tokens[i] == ")":
            return i + 1
        name = tokens[i].lower()
        i += 1
        values: list[str] = []
        if i < len(tokens) and tokens[i] == "(":  # force_quote (a, b)
            while i < len(tokens) and tokens[i] != ")":
                i += 1
            i += 1
            values = ["(…)"]
        while i < len(tokens) and tokens[i] not in (",", ")"):
            values.append(_literal(tokens[i]))
            i += 1
        _set(opts, name, values[0] if values else None)
        if i < len(tokens) and tokens[i] == ",":
            i += 1
    raise UserError("\\copy options: missing )", f"usage: {USAGE}")


def _set(opts: CopyOptions, name: str, value: str | None) -> None:
    if name == "format":
        opts.format = (value or "").lower()
    elif name == "header":
        low = (value or "true").lower()
        if low == "match":
            opts.header = True
        elif low in ("true", "on", "1", "yes", "false", "off", "0", "no"):
            opts.header = low in ("true", "on", "1", "yes")
        else:
            raise UserError(f'header requires a Boolean value or "match", not {value!r}')
    elif name in ("delimiter", "null", "quote", "escape", "encoding"):
        if value is None:
            raise UserError(f"COPY option {name} needs a value")
        setattr(opts, name, value)
    elif name in ("force_quote", "force_not_null", "force_null", "freeze", "on_error", "default", "log_verbosity"):
        opts.unsupported.append(name)
    else:
        raise UserError(f'option "{name}" not recognized')


def _old_style(tokens: list[str], i: int, opts: CopyOptions) -> int:
    """psql's pre-9.0 syntax: BINARY, DELIMITER [AS] 'c', NULL [AS] 's', CSV, HEADER,
    QUOTE [AS] 'c', ESCAPE [AS] 'c', FORCE QUOTE …, FORCE NOT NULL …, ENCODING 'e'."""
    while i < len(tokens):
        word = tokens[i].lower()
        if word == "where":
            return i
        i += 1
        if word == "binary":
            opts.format = "binary"
        elif word == "csv":
            opts.format = "csv"
        elif word == "header":
            opts.header = True
        elif word in ("delimiter", "null", "quote", "escape", "encoding"):
            if i < len(tokens) and tokens[i].lower() == "as":
                i += 1
            if i >= len(tokens):
                raise UserError(f"COPY option {word} needs a value")
            setattr(opts, word, _literal(tokens[i]))
            i += 1
        elif word == "force":
            opts.unsupported.append("force")
            while i < len(tokens) and tokens[i].lower() not in ("where", "csv", "header", "delimiter", "null"):
                i += 1
        else:
            raise UserError(f"\\copy: syntax error at {tokens[i - 1]!r}", f"usage: {USAGE}")
    return i


# -- writing ---------------------------------------------------------------------

_TEXT_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def as_text(value: Any) -> str:
    """A value as PostgreSQL's output function writes it (for the common types)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value).removesuffix(".0") if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class Writer:
    """Rows to COPY text or CSV lines (copyto.c's rules)."""

    def __init__(self, opts: CopyOptions) -> None:
        self.opts = opts
        delim = re.escape(opts.delim)
        self._text_special = re.compile(r"[\\\b\f\n\r\t\v" + delim + "]")
        q, e = re.escape(opts.quote), re.escape(opts.escape_char)
        self._csv_special = re.compile(f"[{delim}{q}\\r\\n]")
        self._csv_escape = re.compile(f"[{q}{e}]" if e != q else q)

    def header(self, names: Iterable[str]) -> str:
        return self.opts.delim.join(self._field(n) for n in names) + "\n"

    def row(self, values: Sequence[Any]) -> str:  # a tuple or a SQLAlchemy Row
        null = self.opts.null_text
        if len(values) == 1 and values[0] is not None and self.opts.csv and as_text(values[0]) == "\\.":
            return self.opts.quote + "\\." + self.opts.quote + "\n"  # a line "\." would end the data
        return self.opts.delim.join(null if v is None else self._field(as_text(v)) for v in values) + "\n"

    def _field(self, s: str) -> str:
        if not self.opts.csv:
            if self._text_special.search(s):
                return self._text_special.sub(lambda m: _TEXT_ESCAPES.get(m.group(0), "\\" + m.group(0)), s)
            return s
        if s == self.opts.null_text or self._csv_special.search(s):
            q, e = self.opts.quote, self.opts.escape_char
            return q + self._csv_escape.sub(lambda m: e + m.group(0), s) + q
        return s


# -- reading ---------------------------------------------------------------------


class BadLine(UserError):
    """A data line the format cannot read; ``line`` is its number in the input."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


_UNESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.S)
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _unescape(m: re.Match[str]) -> str:
    c = m.group(1)
    if c[0] == "x" and len(c) > 1:
        return chr(int(c[1:], 16))
    if c[0] in "01234567":
        return chr(int(c, 8))
    return _SIMPLE.get(c, c)


def records(lines: Iterable[str], opts: CopyOptions, ncols: int, names: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """(line number, values) for each data row of ``lines`` (each with its line
    end); the header is skipped, ``\\.`` ends the data, None is NULL."""
    parse = _csv_records(lines, opts) if opts.csv else _text_records(lines, opts)
    first = True
    for line_no, fields in parse:
        if first and opts.header:
            first = False
            continue
        first = False
        if len(fields) > ncols:
            raise BadLine("extra data after last expected column", line_no)
        if len(fields) < ncols:
            raise BadLine(f'missing data for column "{names[len(fields)]}"', line_no)
        yield line_no, fields


def _strip_eol(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(("\n", "\r")) else line


def _text_records(lines: Iterable[str], opts: CopyOptions) -> Iterator[tuple[int, list[Any]]]:
    delim, null = opts.delim, opts.null_text
    for n, raw in enumerate(lines, 1):
        line = _strip_eol(raw)
        if line == "\\.":
            return
        if "\\" not in line:
            yield n, [None if f == null else f for f in line.split(delim)]
            continue
        fields: list[Any] = []
        start = i = 0
        while True:  # split on unescaped delimiters, then unescape each field
            j = line.find(delim, i)
            k = line.find("\\", i)
            if k != -1 and (j == -1 or k < j):
                i = k + 2
                continue
            raw_field = line[start:] if j == -1 else line[start:j]
            fields.append(None if raw_field == null else _UNESCAPE.sub(_unescape, raw_field))
            if j == -1:
                break
            start = i = j + 1
        yield n, fields


def _csv_records(lines: Iterable[str], opts: CopyOptions) -> Iterator[tuple[int, list[Any]]]:
    """copyfrom.c's CSV: a quoted field may span lines; an unquoted field equal
    to the NULL string is NULL, a quoted one never is."""
    delim, quote, esc, null = opts.delim, opts.quote, opts.escape_char, opts.null_text
    fields: list[Any] = []
    buf: list[str] = []
    quoted = in_quotes = False
    first_line = 0
    for n, raw in enumerate(lines, 1):
        line = _strip_eol(raw)
        if not in_quotes:
            first_line = n
            if line == "\\.":
                return
            if quote not in line:
                yield n, [None if f == null else f for f in line.split(delim)]
                continue
        i = 0
        while i < len(line):
            c = line[i]
            if in_quotes:
                nxt = line[i + 1 : i + 2]
                if c == esc and nxt and nxt in (quote, esc) and (esc != quote or nxt == quote):
                    buf.append(line[i + 1])
                    i += 2
                    continue
                if c == quote:
                    in_quotes = False
                else:
                    buf.append(c)
            elif c == quote:
                in_quotes = quoted = True
            elif c == delim:
                value = "".join(buf)
                fields.append(None if not quoted and value == null else value)
                buf, quoted = [], False
            else:
                buf.append(c)
            i += 1
        if in_quotes:
            buf.append(raw[len(line) :])  # inside quotes the line end is data
            continue
        value = "".join(buf)
        fields.append(None if not quoted and value == null else value)
        yield first_line, fields
        fields, buf, quoted = [], [], False
    if in_quotes:
        raise BadLine("unterminated CSV quoted field", first_line)
