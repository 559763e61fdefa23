"""What every output format reads: the render options, the ``write`` callable
the formats write to, and psql's ``(N rows)`` footer.

Kept apart from ``render`` (which picks the format) so that each format's
module can import them without importing the dispatcher that imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Write = Callable[[str], object]  # what it returns is ignored: file.write fits


@dataclass(frozen=True)
class RenderOptions:
    format: str = "aligned"
    null: str = "<null>"  # how NULL is shown in table formats (psql shows nothing)
    quiet: bool = False  # psql -q: no command tags (the "(N rows)" footer stays, as in psql)
    expanded: bool = False
    auto_width: int | None = None  # \x auto: expanded when a table row would be wider than this
    tuples_only: bool = False  # psql -t: no header, no footer
    footer: bool = True  # psql \pset footer: "(N rows)"
    field_separator: str = "|"  # psql -F: between fields in the unaligned format


def footer(count: int, opts: RenderOptions) -> str:
    """psql's ``(N rows)`` line, or nothing when -t or ``\\pset footer off`` say so (-q keeps it, as psql does)."""
    if opts.tuples_only or not opts.footer:
        return ""
    return f"({count} {'row' if count == 1 else 'rows'})\n"
