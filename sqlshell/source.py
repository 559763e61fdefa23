"""Statements from non-interactive input: standard input, ``-f`` files, ``-c``
strings. Input is read in 64 KiB chunks and decoded incrementally, so a
script of any length streams through the splitter in bounded memory."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from typing import BinaryIO

from sqlshell.split import Splitter, Statement

CHUNK = 64 * 1024


class InputError(Exception):
    """The input cannot be read as an SQL script (exit code 2)."""


def stream_statements(
    stream: BinaryIO, nested_comments: bool, name: str = "input", on_read: Callable[[int], None] | None = None
) -> Iterator[Statement]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    splitter = Splitter(nested_comments)
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
        yield from splitter.feed(text)
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} ends inside a UTF-8 character") from exc
    yield from splitter.feed(tail)
    yield from splitter.finish()


def text_statements(text: str, nested_comments: bool) -> list[Statement]:
    splitter = Splitter(nested_comments)
    return splitter.feed(text) + splitter.finish()
