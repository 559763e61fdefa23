"""The user's preferences for this run: one mutable object owned by the Shell,
changed by command-line options and meta-commands (``\\format``, ``\\x``, …)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlshell.output.render import RenderOptions


@dataclass
class Settings:
    format: str = "aligned"  # psql's name; "table" is accepted for it
    null: str = "<null>"
    quiet: bool = False
    tuples_only: bool = False  # psql -t / \t: no header, no footer
    footer: bool = True  # psql \pset footer: "(N rows)" after a table
    field_separator: str = "|"  # psql -F / \pset fieldsep: the unaligned format's separator
    verbose: bool = False  # the per-statement transaction line in scripts too
    on_error_stop: bool = True
    on_error_rollback: bool = False
    echo: bool = False
    expanded: bool = False
    timing: bool = False
    single_transaction: bool = False
    interactive: bool = False
    # Interactive use only (the REPL reads them; scripts never page or ask).
    expanded_auto: bool = False  # \x auto: expanded when a row is wider than the terminal
    pager: bool = True  # \pager on|off: long or wide results go through the pager
    pager_command: str = ""  # empty: $PAGER, else "less -SRXF"
    key_bindings: str = "emacs"  # or "vi"
    destructive_warning: bool = True  # confirm DROP, TRUNCATE, DELETE/UPDATE without WHERE
    history_size: int = 10000  # entries kept in the history file
    # render_options()' last answer, with what it was made from
    _last_render: tuple[tuple[object, ...], RenderOptions] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def render_options(self) -> RenderOptions:
        """The options for rendering the next result. The last ones are kept and
        handed out again while no setting changed (asked once per statement)."""
        auto_width = None
        if self.expanded_auto and self.interactive and not self.expanded:
            import shutil

            auto_width = shutil.get_terminal_size().columns
        key = (
            self.format,
            self.null,
            self.quiet,
            self.expanded,
            auto_width,
            self.tuples_only,
            self.footer,
            self.field_separator,
        )
        last = self._last_render
        if last is not None and last[0] == key:
            return last[1]
        opts = RenderOptions(*key)  # (the fields in RenderOptions' order)
        self._last_render = (key, opts)
        return opts
