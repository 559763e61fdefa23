"""COPY text or CSV lines to rows, as PostgreSQL's ``copyfrom.c`` reads them.

``\\copy … FROM`` on a database without COPY reads its file, the script's
data lines or standard input with this and inserts the rows in batches; a
line the format cannot read is a ``BadLine`` naming its line number, as the
server's error would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlshell.copyformat.options import CopyOptions
from sqlshell.errors import UserError


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
