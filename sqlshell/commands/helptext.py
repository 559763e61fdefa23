"""``\\?``: the registry's commands as text a person reads at 80 columns,
grouped under headings (no repeated group column), descriptions wrapped
under their own column; ``\\? COMMAND`` for one command."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from sqlshell.errors import UserError

if TYPE_CHECKING:
    from sqlshell.commands.registry import Command, Registry

WIDTH = 80
INDENT = 2
COLUMN = 26  # where descriptions start


def _describe(cmd: Command) -> str:
    return cmd.help + (f" (also {', '.join(cmd.aliases)})" if cmd.aliases else "")


def _entry(cmd: Command, width: int) -> list[str]:
    lines = textwrap.wrap(_describe(cmd), width - COLUMN) or [""]
    head = " " * INDENT + cmd.usage
    if len(head) >= COLUMN - 1:  # a long usage gets a line of its own
        return [head] + [" " * COLUMN + line for line in lines]
    return [head.ljust(COLUMN) + lines[0]] + [" " * COLUMN + line for line in lines[1:]]


def overview(registry: Registry, width: int = WIDTH) -> str:
    """Every command, grouped in the order the registry declares them."""
    groups: dict[str, list[Command]] = {}
    for cmd in registry.commands:
        groups.setdefault(cmd.group, []).append(cmd)
    parts = []
    for group, cmds in groups.items():
        parts.append(group + "\n" + "".join(line + "\n" for cmd in cmds for line in _entry(cmd, width)))
    return "\n".join(parts) + "\n\\? COMMAND shows one command. A statement can also end with \\g or \\gx.\n"


def one(registry: Registry, word: str, width: int = WIDTH) -> str:
    """``\\? mode`` or ``\\? \\mode``: one command's usage and help."""
    from sqlshell.commands.suggest import suggestion

    name = word if word.startswith("\\") else "\\" + word
    cmd = registry.lookup(name)
    if cmd is None:
        hint = suggestion(name, registry.names())
        raise UserError(f"no meta-command {name}", hint or "\\? lists them all")
    body = textwrap.fill(_describe(cmd), width, initial_indent="  ", subsequent_indent="  ")
    return f"{cmd.usage}\n{body}\n  ({cmd.group})\n"
