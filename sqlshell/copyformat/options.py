"""The options of COPY that the shell's own reader and writer follow, with
their format-dependent defaults and PostgreSQL's own checks on them.

``sqltext.copyargs`` fills them from ``\\copy``'s ``WITH (…)`` clause; the
reader and writer only read them, so the defaults (tab or comma, ``\\N`` or
the empty string) are decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlshell.errors import UserError


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
