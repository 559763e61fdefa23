"""The user's preferences for this run: one mutable object owned by the Shell,
changed by command-line options and meta-commands (``\\format``, ``\\x``, …)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlshell.render import RenderOptions


@dataclass
class Settings:
    format: str = "table"
    null: str = "<null>"
    quiet: bool = False
    on_error_stop: bool = True
    on_error_rollback: bool = False
    echo: bool = False
    expanded: bool = False
    timing: bool = False
    single_transaction: bool = False
    interactive: bool = False

    def render_options(self) -> RenderOptions:
        return RenderOptions(format=self.format, null=self.null, quiet=self.quiet, expanded=self.expanded)
