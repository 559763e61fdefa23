"""The unit the splitter yields and every later layer takes: a ``Statement``,
with its classification attached (``info``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlshell.sqltext.classify import Classification


class Kind(Enum):
    SQL = "sql"
    META = "meta"


@dataclass(slots=True, unsafe_hash=True)
class Statement:
    """One unit of work: an SQL statement (text ends with ``;`` when it had one)
    or a meta-command line (text starts with a backslash).

    Treated as immutable (``dataclasses.replace`` makes a changed copy) but not
    frozen: a frozen dataclass's ``__init__`` costs a call per field, paid
    20,000 times by a 20,000-statement script, and the classification is
    attached at the first question."""

    kind: Kind
    text: str
    line: int  # 1-based line of the first character in the input
    terminator: str = ""  # the \g-style meta-command that ended an SQL statement
    data: str | None = None  # COPY … FROM STDIN: the data lines that followed, up to \.
    data_line: int = 0  # the input line of the first data line
    # What the statement is (the splitter's, or made at the first question).
    _info: Classification | None = field(default=None, compare=False, repr=False)

    @property
    def info(self) -> Classification:
        """The statement's classification, made once: read this instead of the text."""
        info = self._info
        if info is None or info.text is not self.text:
            info = Classification(self.text)
            self._info = info
        return info
