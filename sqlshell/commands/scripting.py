"""psql's scripting meta-commands: conditionals, query senders, output text,
a shell escape and the ``\\pset`` family.

The conditionals and the query senders act on the input's flow, so the
pipeline runs them (``sqlshell.conditionals``, ``sqlshell.querysend``); they
are declared here so that ``\\?``, completion and the README know them. The
handlers below are reached only when a sender is typed in a way the pipeline
does not route (never, today): they say what the command is for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import TYPE_CHECKING

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.conditionals import parse_bool
from sqlshell.errors import UserError
from sqlshell.results import Outcome
from sqlshell.sqltext import metaargs

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Scripts")


def _flow(name: str) -> Outcome:
    raise UserError(f"{name} is handled by the script runner")


@commands.add("\\if", "EXPR", "run what follows when EXPR is true (on/off, true/false, yes/no, 1/0)")
def if_(shell: Shell, args: Args) -> Outcome:
    return _flow("\\if")


@commands.add("\\elif", "EXPR", "an alternative branch of \\if")
def elif_(shell: Shell, args: Args) -> Outcome:
    return _flow("\\elif")


@commands.add("\\else", "", "the branch of \\if taken when no other was")
def else_(shell: Shell, args: Args) -> Outcome:
    return _flow("\\else")


@commands.add("\\endif", "", "end an \\if block")
def endif(shell: Shell, args: Args) -> Outcome:
    return _flow("\\endif")


@commands.add("\\gset", "[PREFIX]", "run the query; its one row's columns become variables (PREFIX + column name)")
def gset(shell: Shell, args: Args) -> Outcome:
    return _flow("\\gset")


@commands.add("\\gexec", "", "run the query, then run each value of its result as a statement")
def gexec(shell: Shell, args: Args) -> Outcome:
    return _flow("\\gexec")


@commands.add(
    "\\watch", "[SECONDS] [i=SECONDS] [c=COUNT]", "run the query every SECONDS (2), COUNT times; Ctrl-C stops"
)
def watch(shell: Shell, args: Args) -> Outcome:
    return _flow("\\watch")


def _text(shell: Shell, args: Args) -> str:
    """psql's \\echo arguments: words joined by one space, a newline unless -n."""
    words = metaargs.words(args.raw, shell.variables)
    if words[:1] == ["-n"]:
        return " ".join(words[1:])
    return " ".join(words) + "\n"


@commands.add("\\qecho", "TEXT", "write TEXT where query results go (the \\o file)")
def qecho(shell: Shell, args: Args) -> Outcome:
    return Outcome(raw=[_text(shell, args)])  # where results go


@commands.add("\\warn", "TEXT", "write TEXT to standard error")
def warn(shell: Shell, args: Args) -> Outcome:
    return Outcome(stderr=_text(shell, args))


def echo_text(shell: Shell, args: Args) -> Outcome:
    """psql's ``\\echo``: standard output, even when results go to an ``\\o`` file."""
    return Outcome(stdout=_text(shell, args))


def _default_sigint() -> None:
    """In the child: Ctrl-C interrupts the command as usual."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@commands.add("\\!", "[COMMAND]", "run COMMAND in the system shell (none: an interactive shell)")
def shell_escape(shell: Shell, args: Args) -> Outcome:
    command = args.raw or os.environ.get("SHELL") or "/bin/sh"
    shell.output.flush()
    shell.output.stdout.flush()
    # Like psql, Ctrl-C belongs to the command while it runs (an interactive shell
    # survives it); the shell itself ignores it meanwhile.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        done = subprocess.run(command, shell=True, check=False, preexec_fn=_default_sigint)
    except OSError as exc:
        raise UserError(f"\\!: cannot run the command: {exc.strerror or exc}") from exc
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if done.returncode == 127:  # psql's one failure: the shell could not run it
        raise UserError("\\!: failed (the shell could not find the command)")
    return Outcome()


# -- \pset, \t, \a -------------------------------------------------------------

_PSQL_FORMATS = ("aligned", "asciidoc", "csv", "html", "latex", "latex-longtable", "troff-ms", "unaligned", "wrapped")
_PSET_OPTIONS = ("null", "format", "expanded", "pager", "tuples_only", "footer", "fieldsep")
_PSQL_OPTIONS = frozenset(
    [
        "border",
        "columns",
        "csv_fieldsep",
        "fieldsep_zero",
        "linestyle",
        "numericlocale",
        "recordsep",
        "recordsep_zero",
        "tableattr",
        "title",
        "unicode_border_linestyle",
        "unicode_column_linestyle",
        "unicode_header_linestyle",
        "xheader_width",
    ]
)


def _format(value: str) -> str:
    """A psql format name (or an unambiguous prefix), or any of sqlshell's formats."""
    from sqlshell.output.render import is_format, known_formats

    low = value.lower()
    if low in _PSQL_FORMATS or is_format(low):
        name = low
    else:
        matches = [f for f in _PSQL_FORMATS if f.startswith(low)]
        if len(matches) != 1:
            raise UserError(
                f"\\pset: allowed formats are {', '.join(_PSQL_FORMATS)}", "or one of: " + ", ".join(known_formats())
            )
        name = matches[0]
    if name == "aligned" and not is_format(name):
        return "table"  # psql's aligned format is sqlshell's table
    if not is_format(name):
        raise UserError(f"\\pset: format {name} is not supported by sqlshell", "\\format lists the formats")
    return name


def _bool(value: str | None, current: bool) -> bool:
    return not current if value is None else parse_bool(value, "\\pset")


def pset_line(shell: Shell, option: str) -> str:
    """psql's line for one setting: ``\\pset``'s answer on standard output."""
    s = shell.settings
    if option == "null":
        return f'Null display is "{s.null}".'
    if option == "format":
        return f"Output format is {'aligned' if s.format == 'table' else s.format}."
    if option == "expanded":
        if s.expanded_auto:
            return "Expanded display is used automatically."
        return f"Expanded display is {_on(s.expanded)}."
    if option == "pager":
        return "Pager is used for long output." if s.pager else "Pager usage is off."
    if option == "tuples_only":
        return f"Tuples only is {_on(s.tuples_only)}."
    if option == "footer":
        return f"Default footer is {_on(s.footer)}."
    return f'Field separator is "{s.field_separator}".'


def _on(flag: bool) -> str:
    return "on" if flag else "off"


_ABBREVIATIONS = {"x": "expanded", "t": "tuples_only"}
# psql confirms these only when toggled: given a value, its do_pset returns before
# printing (\pset footer off, \t on say nothing; \t alone does).
_SILENT_WITH_VALUE = ("tuples_only", "footer")


@commands.add(
    "\\pset", "[OPTION [VALUE]]", "psql's output settings: " + ", ".join(_PSET_OPTIONS), choices=_PSET_OPTIONS
)
def pset(shell: Shell, args: Args) -> Outcome:
    words = metaargs.words(args.raw, shell.variables)
    if not words:
        return Outcome.table(["setting", "value"], [(o, pset_line(shell, o)) for o in _PSET_OPTIONS])
    if len(words) > 2:
        raise UserError(f"too many arguments: {' '.join(words[2:])}", "usage: \\pset [OPTION [VALUE]]")
    option = _ABBREVIATIONS.get(words[0], words[0])
    value = words[1] if len(words) > 1 else None
    s = shell.settings
    if option == "null":
        if value is not None:
            s.null = value
    elif option == "format":
        if value is not None:
            s.format = _format(value)
    elif option == "expanded":
        if value is not None and value.lower() == "auto":
            s.expanded, s.expanded_auto = False, True
        else:
            s.expanded, s.expanded_auto = _bool(value, s.expanded or s.expanded_auto), False
    elif option == "pager":
        s.pager = True if value is not None and value.lower() == "always" else _bool(value, s.pager)
    elif option == "tuples_only":
        s.tuples_only = _bool(value, s.tuples_only)
    elif option == "footer":
        s.footer = _bool(value, s.footer)
    elif option == "fieldsep":
        if value is not None:
            s.field_separator = value
    elif option in _PSQL_OPTIONS:
        raise UserError(f"\\pset {option} is not supported by sqlshell", "it has: " + ", ".join(_PSET_OPTIONS))
    else:
        raise UserError(f"\\pset: unknown option: {option}", "options: " + ", ".join(_PSET_OPTIONS))
    if option in _SILENT_WITH_VALUE and value is not None:
        return Outcome()
    return Outcome.answered(pset_line(shell, option))


@commands.add("\\t", "[on|off]", "tuples only: rows without the header and the (N rows) footer")
def tuples_only(shell: Shell, args: Args) -> Outcome:
    words = metaargs.words(args.raw, shell.variables)
    if len(words) > 1:
        raise UserError(f"too many arguments: {' '.join(words[1:])}", "usage: \\t [on|off]")
    shell.settings.tuples_only = _bool(words[0] if words else None, shell.settings.tuples_only)
    return Outcome() if words else Outcome.answered(pset_line(shell, "tuples_only"))  # as psql's \t


@commands.add("\\a", "", "switch between aligned and unaligned output")
def aligned(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\a")
    # psql's \a: aligned becomes unaligned, any other format (csv, json …) aligned.
    aligned_now = shell.settings.format in ("aligned", "table")  # "table": sqlshell's name for it
    shell.settings.format = _format("unaligned" if aligned_now else "aligned")
    return Outcome.answered(pset_line(shell, "format"))
