"""psql meta-commands that scripts use: ``\\set``/``\\unset`` (variables, and
the ON_ERROR_STOP / ON_ERROR_ROLLBACK / QUIET settings scripts set that way), and the guards
``pg_dump`` writes (``\\restrict``/``\\unrestrict``), which sqlshell skips
with a word: they protect psql from meta-commands hidden in a dump's data,
and sqlshell never runs meta-commands from data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.errors import UserError
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Scripts")

_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0")


@commands.add("\\set", "[NAME [VALUE …]]", "set a variable for :NAME, :'NAME', :\"NAME\" in SQL (none: list them)")
def set_(shell: Shell, args: Args) -> Outcome:
    words = _psql_words(args.raw)
    if not words:
        rows = sorted(shell.variables.items())
        return Outcome.table(["name", "value"], rows)
    name, value = words[0], "".join(words[1:])
    if not name.replace("_", "a").isalnum():
        raise UserError(f"invalid variable name {name!r}", "letters, digits and _")
    shell.variables[name] = value
    return Outcome.message(*_special(shell, name, value))


@commands.add("\\unset", "NAME", "remove a variable")
def unset(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\unset NAME")
    if not args.words:
        raise UserError("\\unset needs a NAME", "usage: \\unset NAME")
    shell.variables.pop(args.words[0], None)
    return Outcome()


_WORD = re.compile(r"'((?:[^']|'')*)'|(\S+)")


def _psql_words(raw: str) -> list[str]:
    """psql's argument quoting: 'it''s' is one word, it's."""
    return [m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2) for m in _WORD.finditer(raw)]


def _special(shell: Shell, name: str, value: str) -> list[str]:
    """psql's variables that are settings: scripts set them to control errors."""
    if name not in ("ON_ERROR_STOP", "QUIET", "ON_ERROR_ROLLBACK"):
        return []
    low = value.lower() or "on"
    if name == "ON_ERROR_ROLLBACK" and low == "interactive":  # psql's third value: at the prompt only
        low = "on" if shell.settings.interactive else "off"
    if low not in _TRUE + _FALSE:
        raise UserError(f"{name} must be on or off, not {value!r}")
    on = low in _TRUE
    if name == "ON_ERROR_ROLLBACK":
        shell.settings.on_error_rollback = on  # the same value as --on-error-rollback and \\on-error-rollback
        return [f"on-error-rollback is {'on' if on else 'off'}"] if shell.settings.interactive else []
    if name == "ON_ERROR_STOP":
        shell.settings.on_error_stop = on
        # psql says nothing; at the prompt sqlshell tells the terminal (stderr).
        return [f"on-error is {'stop' if on else 'continue'}"] if shell.settings.interactive else []
    shell.settings.quiet = on
    return []


@commands.add("\\restrict", "KEY", "pg_dump's guard for psql: skipped, with a note")
def restrict(shell: Shell, args: Args) -> Outcome:
    return Outcome(
        warnings=[
            "psql-only \\restrict skipped (it stops psql running meta-commands from a dump's data; sqlshell never does)"
        ]
    )


@commands.add("\\unrestrict", "KEY", "the end of pg_dump's \\restrict: skipped")
def unrestrict(shell: Shell, args: Args) -> Outcome:
    return Outcome()
