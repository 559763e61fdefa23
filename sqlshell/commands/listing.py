"""psql's ``\\d`` family (placeholder, filled in below)."""

from __future__ import annotations

from sqlshell.commands.registry import CommandSet

commands = CommandSet("Introspection")
