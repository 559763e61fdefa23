"""Statements from non-interactive input: standard input, ``-f`` files, ``-c``
strings. Input is read in 64 KiB chunks and decoded incrementally, so a
script of any length streams through the splitter in bounded memory."""

from __future__ import annotations

import codecs
import dataclasses
import re
import sys
from collections.abc import Callable, Iterator
from typing import BinaryIO

from sqlshell.errors import InputError
from sqlshell.sqltext.split import Kind, Splitter, Statement

CHUNK = 64 * 1024


def stream_statements(
    stream: BinaryIO,
    nested_comments: bool,
    name: str = "input",
    on_read: Callable[[int], None] | None = None,
    server_strings: Callable[[], bool | None] | None = None,
) -> Iterator[Statement]:
    """The statements of a byte stream, each split only after the one before it
    was taken (and run), so the splitter follows what it changed on the server
    (``server_strings``: the server's standard_conforming_strings, see Splitter)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    splitter = Splitter(nested_comments, server_strings)
    offset = 0
    # One read at a time (read1): from a terminal each typed line runs at once and
    # one Ctrl-D ends the input, as in psql; read() would wait for 64 KiB or a second EOF.
    read = getattr(stream, "read1", stream.read)
    while True:
        try:
            chunk = read(CHUNK)
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
        if not chunk:
            break
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} is not UTF-8 text (invalid byte at offset {offset + exc.start})") from exc
        if "\x00" in text:
            raise InputError(f"{name} contains a NUL byte: is it a binary file?")
        offset += len(chunk)
        if on_read is not None:
            on_read(offset)
        yield from splitter.iter_feed(text)
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} ends inside a UTF-8 character") from exc
    yield from splitter.iter_feed(tail)
    yield from splitter.iter_finish()


def text_statements(
    text: str, nested_comments: bool, server_strings: Callable[[], bool | None] | None = None
) -> list[Statement]:
    """All statements of a text at once (the REPL's input, ``\\e``): split from
    the server's standard_conforming_strings as it is now, then following the
    ``SET``s the text itself holds."""
    splitter = Splitter(nested_comments)
    if server_strings is not None and (server := server_strings()) is not None:
        splitter.standard_strings = server
    return splitter.feed(text) + splitter.finish()


def iter_text_statements(
    text: str, nested_comments: bool, server_strings: Callable[[], bool | None] | None = None
) -> Iterator[Statement]:
    """The statements of a text (``-c``), each split after the one before it ran."""
    splitter = Splitter(nested_comments, server_strings)
    yield from splitter.iter_feed(text)
    yield from splitter.iter_finish()


_DATA_END = re.compile(r"^\\\.\r?$", re.MULTILINE)


class StdinData:
    """``COPY … FROM STDIN`` in a ``-c`` string reads its data from standard
    input, as psql does: the lines up to one holding ``\\.``, or the end of the
    input. Several such commands read one block after another."""

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self.stream = stream
        self.lines_read = 0

    def statements(
        self, text: str, nested_comments: bool, server_strings: Callable[[], bool | None] | None = None
    ) -> Iterator[Statement]:
        """The statements of a ``-c`` string; a COPY FROM STDIN that brings no
        data lines of its own gets the next block of standard input."""
        own_data = _DATA_END.search(text) is not None
        for stmt in iter_text_statements(text, nested_comments, server_strings):
            if stmt.data == "" and not own_data and stmt.kind is Kind.SQL and stmt.info.copy_from_stdin:
                first_line = self.lines_read + 1
                stmt = dataclasses.replace(stmt, data=self.read_block(), data_line=first_line)
            yield stmt

    def read_block(self) -> str:
        stream = self.stream if self.stream is not None else sys.stdin.buffer
        if _isatty(stream):
            print("Enter data to be copied followed by a newline.", file=sys.stderr)
            print("End with a backslash and a period on a line by itself, or an EOF signal.", file=sys.stderr)
        lines = []
        while True:
            try:
                raw = stream.readline()
            except OSError as exc:
                raise InputError(f"cannot read standard input: {exc.strerror or exc}") from exc
            if not raw:
                break
            self.lines_read += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"standard input is not UTF-8 text (line {self.lines_read})") from exc
            if line.rstrip("\r\n") == "\\.":
                break
            lines.append(line)
        return "".join(lines)


def _isatty(stream: BinaryIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False
