""" "Did you mean …?" for a meta-command the registry does not know: a close
spelling of a known one (``\\comit`` → ``\\commit``, difflib), or what
sqlshell calls a psql command it spells differently (``\\H`` →
``\\format html``). Consulted only for unknown names, so a command that becomes
real stops being redirected."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# psql's own meta-commands: named as such when a script uses one sqlshell lacks.
_PSQL_NAMES = (
    "\\a \\bind \\C \\cd \\conninfo \\copy \\copyright \\crosstabview \\dD \\da \\db \\dc \\dd \\ddp \\des \\det "
    "\\deu \\dew \\df \\dF \\dg \\di \\dl \\dL \\dm \\dn \\do \\dO \\dp \\dP \\drds \\dRp \\dRs \\ds \\dt \\dT "
    "\\du \\dv \\dx \\dX \\dy \\encoding \\errverbose \\ef \\elif \\else \\endif \\ev \\f \\getenv \\gdesc \\gexec "
    "\\gset \\H \\h \\help \\if \\l \\lo_export \\lo_import \\lo_list \\lo_unlink \\password \\pset \\prompt \\qecho "
    "\\r \\s \\setenv \\sf \\sv \\t \\T \\w \\warn \\watch \\z \\!"
)
PSQL_ONLY = frozenset(_PSQL_NAMES.split())

# psql's spelling → what to use in sqlshell.
SPELLED_DIFFERENTLY = {
    "\\h": "\\? (there is no SQL syntax help)",
    "\\H": "\\format html",
    "\\html": "\\format html",
    "\\f": "\\pset fieldsep",
    "\\r": "Ctrl-C (it clears the input)",
    "\\reset": "Ctrl-C (it clears the input)",
    "\\s": "Ctrl-R (it searches the history)",
    "\\p": "\\e (the last statement, in the editor)",
    "\\print": "\\e (the last statement, in the editor)",
    "\\begin_transaction": "\\begin",
}


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """What to suggest for the unknown meta-command ``name``, as a hint."""
    if name in SPELLED_DIFFERENTLY:
        return f"in sqlshell: {SPELLED_DIFFERENTLY[name]}"
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f"did you mean {close[0]}?" if close else None
