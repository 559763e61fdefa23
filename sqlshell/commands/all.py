"""Every meta-command the shell knows, as one registry.

The caller builds it (the CLI, the test drivers) and hands it to the Shell:
the registry module itself imports no command module, and no command module
imports this one, so the commands never depend on their own table.
"""

from __future__ import annotations

from sqlshell.commands import (
    catalogs,
    connect,
    copy,
    core,
    describe,
    files,
    inspect,
    listing,
    psql,
    scripting,
    session,
    transaction,
)
from sqlshell.commands.registry import Registry


def build_registry() -> Registry:
    """A fresh registry of every command module's declarations (each module
    declares its ``commands`` once, at import)."""
    return Registry(
        [
            core.commands,
            transaction.commands,
            session.commands,
            describe.commands,
            listing.commands,
            catalogs.commands,  # the rest of the \\d family: same group, right after
            copy.commands,
            files.commands,
            connect.commands,
            psql.commands,
            scripting.commands,
            inspect.commands,
        ]
    )
