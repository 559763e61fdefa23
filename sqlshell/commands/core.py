"""General meta-commands: quit, help, mode, status and output settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlshell.commands.registry import Args, CommandSet, registry_of
from sqlshell.errors import QuitRequested, UserError
from sqlshell.output.render import is_format, known_formats
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("General")


@commands.add("\\q", "", "quit sqlshell", aliases=("\\quit",))
def quit_(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\q")
    raise QuitRequested


@commands.add("\\?", "[COMMAND]", "list the meta-commands, or show one", aliases=("\\help",))
def help_(shell: Shell, args: Args) -> Outcome:
    from sqlshell.commands import helptext

    args.at_most(1, "\\? [COMMAND]")
    if args.words:
        return Outcome(raw=[helptext.one(registry_of(shell), args.words[0])])
    return Outcome(raw=[helptext.overview(registry_of(shell))])


@commands.add(
    "\\mode",
    "[engine|connection|session]",
    "show or switch how statements run: pooled one-shot, held connection, ORM session",
    choices=("engine", "connection", "session"),
)
def mode(shell: Shell, args: Args) -> Outcome:
    from sqlshell.executors.contract import Mode

    args.at_most(1, "\\mode [engine|connection|session]")
    if not args.words:
        return Outcome.message(f"{shell.mode.value} mode")
    return Outcome.message(*shell.set_mode(Mode.parse(args.words[0])))


@commands.add("\\status", "", "mode, database, driver, transaction and pool")
def status(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\status")
    db = shell.db
    txn = shell.txn()
    rows = [
        ("mode", shell.mode.value),
        ("database", db.display_url),
        ("dialect", f"{db.dialect} (driver {db.driver})"),
        ("transaction", txn.state + (" (connection lost)" if txn.lost else "")),
    ]
    if txn.state != "idle":
        rows += [
            ("isolation", txn.isolation or "-"),
            ("savepoints", " > ".join(txn.savepoints) or "none"),
            ("statements", str(txn.statements)),
            ("open for", f"{txn.age or 0:.1f}s"),
        ]
    holder = shell.transactional
    if holder is not None:
        if txn.state == "idle":
            rows.append(("next isolation", holder.next_isolation or holder.default_isolation))
        rows.append(("on-error-rollback", "on" if holder.on_error_rollback else "off"))
    if txn.staged is not None:
        rows.append(("staged", "{} new, {} changed, {} deleted".format(*txn.staged)))
    rows += [("pool", str(db.pool_status())), ("format", shell.settings.format)]
    return Outcome.table(["setting", "value"], rows)


@commands.add(
    "\\format", "[FORMAT]", "show or set the output format (aligned, unaligned, csv, tsv, json, jsonl, tabulate names)"
)
def format_(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\format [FORMAT]")
    if not args.words:
        return Outcome.message(f"output format is {shell.settings.format}")
    fmt = args.words[0].lower()
    if not is_format(fmt):
        raise UserError(f"unknown output format {fmt!r}", "one of: " + ", ".join(known_formats()))
    shell.settings.format = fmt
    return Outcome.message(f"output format is {fmt}")


@commands.add("\\x", "[on|off|auto]", "expanded display: one line per column (auto: rows wider than the screen)")
def expanded(shell: Shell, args: Args) -> Outcome:
    from sqlshell.commands.scripting import pset_line

    settings = shell.settings
    if len(args.words) == 1 and args.words[0].lower() == "auto":
        settings.expanded, settings.expanded_auto = False, True
    else:
        # Like psql, \x alone toggles on and off (from auto it goes off).
        settings.expanded = args.switch(settings.expanded or settings.expanded_auto, "\\x [on|off|auto]")
        settings.expanded_auto = False
    return Outcome.answered(pset_line(shell, "expanded"))  # psql's answer, on standard output


@commands.add("\\pager", "[on|off]", "page results taller or wider than the terminal ($PAGER, else less -SRXF)")
def pager(shell: Shell, args: Args) -> Outcome:
    from sqlshell.interactive.pager import pager_command

    shell.settings.pager = args.switch(shell.settings.pager, "\\pager [on|off]")
    if not shell.settings.pager:
        return Outcome.message("pager is off")
    return Outcome.message(f"pager is on ({pager_command(shell.settings.pager_command)}, interactive use only)")


@commands.add("\\timing", "[on|off]", "show how long each statement took")
def timing(shell: Shell, args: Args) -> Outcome:
    shell.settings.timing = args.switch(shell.settings.timing, "\\timing [on|off]")
    return Outcome.answered(f"Timing is {'on' if shell.settings.timing else 'off'}.")  # psql's answer, on stdout


@commands.add("\\echo", "[on|off|TEXT]", "on/off: show the SQL SQLAlchemy sends, in every mode; other text is printed")
def echo(shell: Shell, args: Args) -> Outcome:
    if len(args.words) == 1 and args.words[0].lower() in ("on", "off"):
        shell.settings.echo = args.words[0].lower() == "on"  # the shell follows it (Shell.follow_settings)
        return Outcome.message(f"SQL echo is {args.words[0].lower()}")
    from sqlshell.commands.scripting import echo_text

    return echo_text(shell, args)  # psql's \echo
