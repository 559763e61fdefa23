"""What a cell looks like on a terminal: how many columns its text takes, and
how psql shows tabs and control characters in it.

The aligned and expanded layouts both size their columns with these, and the
pager uses ``display_width`` to tell whether a line fits the screen, so the
rules live once, apart from any layout.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlshell.output.values import column_text

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def display_width(text: str) -> int:
    """Terminal columns taken by text (East Asian wide characters take two,
    combining characters none), as psql's ``pg_wcswidth`` counts."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def visible(text: str) -> str:
    """psql's ``pg_wcsformat``: a tab moves to the next multiple of 8 columns
    of its line, ``\\r`` shows as ``\\r``, other control characters as
    ``\\xNN`` (``\\uNNNN`` above ASCII); line breaks stay (multi-line cells)."""
    out: list[str] = []
    col = 0
    for ch in text:
        if ch == "\n":
            out.append(ch)
            col = 0
        elif ch == "\t":
            pad = 8 - col % 8
            out.append(" " * pad)
            col += pad
        elif ch == "\r":
            out.append("\\r")
            col += 2
        elif CONTROL.match(ch):
            shown = f"\\x{ord(ch):02X}" if ord(ch) < 0x80 else f"\\u{ord(ch):04X}"
            out.append(shown)
            col += len(shown)
        else:
            out.append(ch)
            col += display_width(ch)
    return "".join(out)


def total_width(widths: Sequence[int]) -> int:
    """Terminal columns of an aligned table row whose columns are this wide
    (a space either side of each, and ``|`` between them)."""
    return sum(widths) + 3 * max(len(widths) - 1, 0) + 2


def cell_width(text: str) -> int:
    """The width of a cell's widest line."""
    if "\n" in text:
        return max(map(display_width, text.split("\n")))
    return display_width(text)


def column_cells(values: Sequence[Any], null: str) -> tuple[list[str], int, bool, bool]:
    """One column of one batch as shown: texts, widest, multi-line?, ASCII?

    The checks run on the joined column, not cell by cell: most columns are
    plain ASCII on one line, and then the widest cell is just the longest."""
    texts = column_text(values, null)
    joined = "".join(texts)
    if CONTROL.search(joined):
        texts = [visible(t) for t in texts]
        joined = "".join(texts)
    if "\n" in joined:
        return texts, max(map(cell_width, texts), default=0), True, joined.isascii()
    if joined.isascii():
        return texts, max(map(len, texts), default=0), False, True
    return texts, max(map(display_width, texts), default=0), False, False
