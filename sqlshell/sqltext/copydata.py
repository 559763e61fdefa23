"""The data lines of ``COPY … FROM STDIN`` (and psql's ``\\copy … FROM
STDIN``): they follow the command in the input, up to a line ``\\.`` or the
end of the input, and travel with the statement (``Statement.data``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlshell.sqltext.classify import Classification
from sqlshell.sqltext.statement import Kind, Statement

_COPY_END = re.compile(r"^\\\.\r?$", re.MULTILINE)
# psql's \copy … FROM STDIN reads the lines that follow it, up to "\."
SLASH_COPY_FROM_STDIN = re.compile(r"\\copy\s.*\bfrom\s+stdin\b", re.IGNORECASE)


@dataclass(slots=True)
class CopyData:
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
    info: Classification | None = None

    def shift(self, by: int) -> None:
        self.search -= by
        if self.data_start >= 0:
            self.data_start -= by

    def copy(self) -> CopyData:
        return replace(self, head=list(self.head))


def read_copy_data(buf: str, cd: CopyData, final: bool, line_at: Callable[[int], int]) -> tuple[Statement | None, int]:
    """(the COPY statement with its data, once the data lines up to a line
    ``\\.`` (or the end of the input) are in, else None; where the splitter's
    consumed text now ends). The data start on the line after the COPY;
    ``line_at``: the input line of a buffer index."""
    n = len(buf)
    if cd.data_start < 0:
        nl = buf.find("\n", cd.search)
        if nl < 0:
            if not final:
                cd.search = n
                return None, n  # the rest of the COPY line is not data
            nl = n - 1
        cd.data_start = cd.search = nl + 1
        cd.data_line = line_at(cd.data_start)
    end = _COPY_END.search(buf, cd.search)
    if end is not None and end.end() >= n and not final:
        end = None  # "\." may go on in the next chunk
    if end is None:
        if not final:
            # Complete lines are data (no "\." among them): keep them, and
            # look again from the line still arriving.
            keep = max(buf.rfind("\n", cd.data_start, n) + 1, cd.data_start)
            if keep > cd.data_start:
                cd.head.append(buf[cd.data_start : keep])
            cd.data_start = cd.search = keep
            return None, keep
        data, resume = "".join(cd.head) + buf[cd.data_start : n], n
    else:
        data = "".join(cd.head) + buf[cd.data_start : end.start()]
        nl = buf.find("\n", end.end())
        resume = n if nl < 0 else nl + 1
    return Statement(cd.kind, cd.text, cd.line, cd.terminator, data, cd.data_line, cd.info), resume
