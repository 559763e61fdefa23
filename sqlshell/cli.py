"""The ``sqlshell`` command: options → Settings (``cliopts``), a Database, a
Shell handed to the REPL or to the script runner (``scriptrun``: stdin,
``-f``, ``-c``), and the single error boundary that turns anything
unexpected into one line and an exit code.

click parses the options and generates the shell-completion scripts in
``completions/``; prompt_toolkit is imported only for the REPL, so scripted
runs start fast.
"""

from __future__ import annotations

import gc
import os
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from sqlshell import __version__
from sqlshell.cliopts import (
    FORMAT_HELP,
    ORDER_KEY,
    InOrderCommand,
    ScriptStep,
    apply_config_file,
    apply_output_flags,
    check_assignments,
    check_format,
    complete_format,
    complete_path,
    read_password,
    script_steps,
    server_options,
    set_variables,
    settings_from_options,
)
from sqlshell.exitstatus import ExitStatus

if TYPE_CHECKING:
    from sqlshell.database import Database
    from sqlshell.output.streams import Output
    from sqlshell.settings import Settings
    from sqlshell.state import Shell
    from sqlshell.urls import ServerOptions

# A scripted run that has closed everything may leave without the interpreter's
# teardown (main() then flushes and calls os._exit): nothing is left to clean up.
_leave_fast = False


@click.command(cls=InOrderCommand, context_settings={"help_option_names": ["--help"]})
@click.argument("url", required=False, shell_complete=complete_path)
@click.argument("username_arg", metavar="[USERNAME]", required=False)
@click.option(
    "-c",
    "--command",
    "commands",
    multiple=True,
    metavar="SQL",
    help="Run SQL (or a meta-command) and exit; repeatable, in order with -f.",
)
@click.option(
    "-f",
    "--file",
    "files",
    multiple=True,
    metavar="FILE",
    help="Run the statements in FILE ('-': standard input) and exit; repeatable, in order with -c.",
    shell_complete=complete_path,
)
@click.option("-h", "--host", metavar="HOST", help="PostgreSQL server host or socket directory (as psql).")
@click.option("-p", "--port", type=click.IntRange(1, 65535), metavar="PORT", help="PostgreSQL server port (as psql).")
@click.option("-U", "--username", metavar="USER", help="PostgreSQL user name (as psql).")
@click.option("-d", "--dbname", metavar="DBNAME", help="PostgreSQL database name, connection string or URL (as psql).")
@click.option(
    "-v",
    "--set",
    "--variable",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    callback=check_assignments,
    help="Set a variable, as \\set does (NAME alone: unset it).",
)
@click.option(
    "--mode",
    type=click.Choice(["engine", "connection", "session"]),
    default="engine",
    show_default=True,
    help="How statements run: pooled one-shot calls, a held connection, or an ORM session.",
)
@click.option(
    "--format",
    "fmt",
    default="table",
    callback=check_format,
    metavar="FORMAT",
    help=FORMAT_HELP,
    shell_complete=complete_format,
)
@click.option("-A", "--no-align", is_flag=True, help="Unaligned output (--format unaligned), as psql.")
@click.option("--csv", "csv_format", is_flag=True, help="CSV output (--format csv), as psql.")
@click.option("-t", "--tuples-only", is_flag=True, help="Rows only: no column names, no row-count footer.")
@click.option(
    "-F", "--field-separator", metavar="SEP", help="Field separator of unaligned output (default: |), as psql."
)
@click.option("-x", "--expanded", is_flag=True, help="Expanded display: one line per column, as psql -x.")
@click.option(
    "-o",
    "--output",
    "output_file",
    metavar="FILE",
    help="Send results to FILE, as \\o FILE.",
    shell_complete=complete_path,
)
@click.option("-q", "--quiet", is_flag=True, help="No command tags or notes (row counts stay, as in psql).")
@click.option(
    "--on-error",
    type=click.Choice(["stop", "continue"]),
    default="stop",
    show_default=True,
    help="After a failing statement in a script: stop, or run the rest.",
)
@click.option(
    "-1",
    "--single-transaction",
    is_flag=True,
    help="Run the whole script in one transaction; roll it all back if a statement fails.",
)
@click.option(
    "--on-error-rollback",
    is_flag=True,
    help="Inside a transaction, a failing statement only rolls back itself (implicit savepoints).",
)
@click.option("--echo", is_flag=True, help="Show on stderr what is sent to the database, one statement per entry.")
@click.option(
    "--verbose", is_flag=True, help="Scripts too: the transaction's state after each statement inside a transaction."
)
@click.option(
    "--null", "null", default="<null>", show_default=True, metavar="TEXT", help="How NULL is shown in tables."
)
@click.option(
    "-W",
    "--password",
    "ask_password",
    is_flag=True,
    help="Ask for the password (from the terminal, not echoed; without one, the first line of standard input).",
)
@click.option("-X", "--no-config", is_flag=True, help="Ignore the config file (as psql -X ignores psqlrc).")
@click.option("--debug", is_flag=True, help="Log the engine and pool on stderr; show a traceback for internal errors.")
@click.version_option(__version__, "-V", "--version", prog_name="sqlshell", message="%(prog)s %(version)s")
def cli(
    url: str | None,
    username_arg: str | None,
    commands: tuple[str, ...],
    files: tuple[str, ...],
    host: str | None,
    port: int | None,
    username: str | None,
    dbname: str | None,
    assignments: tuple[str, ...],
    mode: str,
    fmt: str,
    no_align: bool,
    csv_format: bool,
    tuples_only: bool,
    field_separator: str | None,
    expanded: bool,
    output_file: str | None,
    quiet: bool,
    on_error: str,
    single_transaction: bool,
    on_error_rollback: bool,
    echo: bool,
    verbose: bool,
    null: str,
    ask_password: bool,
    no_config: bool,
    debug: bool,
) -> None:
    """An SQL shell that shows SQLAlchemy's three levels: engine, connection, session.

    URL is any SQLAlchemy URL (postgresql://user@host/db uses psycopg 3), a libpq
    connection string ('host=… dbname=…'), or an SQLite file (an existing one, or
    a name ending in .db, .sqlite or .sqlite3). -h, -p, -U and -d connect to
    PostgreSQL as psql does, and libpq's environment (PGHOST, PGUSER, PGPASSWORD,
    PGSERVICE, .pgpass, …) fills in the rest. Without any of these:
    $SQLSHELL_URL, else an embedded SQLite database.
    """
    settings = settings_from_options(fmt, null, quiet, on_error, on_error_rollback, echo, verbose, single_transaction)
    order: list[str] = click.get_current_context().meta.get(ORDER_KEY, [])
    if not no_config:
        mode = apply_config_file(settings, mode)
    apply_output_flags(settings, order, fmt, tuples_only, field_separator, expanded)
    from sqlshell import debuglog

    debuglog.enable() if debug else debuglog.silence_drivers()

    def run() -> ExitStatus:
        server, url_text = server_options(url, username_arg, host, port, username, dbname)
        script = script_steps(order, commands, files)
        return _run(url_text, server, script, mode, settings, ask_password, assignments, output_file)

    code = _within_boundary(run, debug)
    global _leave_fast
    _leave_fast = not settings.interactive and not debug  # the REPL and --debug logging end the usual way
    sys.exit(int(code))


def _within_boundary(run: Callable[[], ExitStatus], debug: bool) -> ExitStatus:
    """The process-wide error boundary: anything unexpected is one line and
    exit 2, never a traceback (unless --debug)."""
    try:
        return run()
    except click.UsageError:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return ExitStatus.STATEMENT_FAILED
    except Exception as exc:
        if debug:
            raise
        from sqlshell.errors import one_line
        from sqlshell.urls import scrub_secrets

        what = scrub_secrets(one_line(str(exc)) or type(exc).__name__)
        click.echo(f"sqlshell: internal error: {what} (--debug shows details)", err=True)
        return ExitStatus.BAD_USAGE


def _run(
    url_text: str | None,
    server: ServerOptions,
    script: list[ScriptStep],
    mode: str,
    settings: Settings,
    ask_password: bool,
    assignments: tuple[str, ...] = (),
    output_file: str | None = None,
) -> ExitStatus:
    """Reach the database, build the Shell, and hand it to the REPL (both ends
    a terminal, no script: psql's rule) or to the script runner."""
    from sqlshell.commands.all import build_registry
    from sqlshell.errors import InputError, UserError
    from sqlshell.output.streams import Output
    from sqlshell.scriptrun import run_script, stopped
    from sqlshell.state import Shell

    settings.interactive = not script and sys.stdin.isatty() and sys.stdout is not None and sys.stdout.isatty()
    out = Output(prefs=settings)
    db = _database(url_text, server, settings, ask_password, out)
    if db is None:
        return ExitStatus.BAD_USAGE
    shell = Shell(db, settings, out, build_registry())
    try:
        _prepare(shell, assignments, output_file, mode)
        if settings.interactive:
            from sqlshell.interactive.repl import run_repl

            return run_repl(shell)
        return run_script(shell, script)
    except (BrokenPipeError, InputError) as exc:
        return stopped(shell, exc)
    except UserError as exc:
        out.error(f"sqlshell: {exc}")
        return ExitStatus.BAD_USAGE
    finally:
        shell.close()


def _database(
    url_text: str | None, server: ServerOptions, settings: Settings, ask_password: bool, out: Output
) -> Database | None:
    """The database, reached once (so a bad URL or a down server is one line
    and exit 2 before anything runs); None when it cannot be."""
    from sqlshell.database import Database
    from sqlshell.errors import UserError
    from sqlshell.urls import BadURL, resolve, with_password

    try:
        url = resolve(url_text, server=server)
        if ask_password:
            url = with_password(url, read_password())
        db = Database(url, echo=settings.echo)
        db.check()
    except (BadURL, UserError) as exc:
        out.error(f"sqlshell: {exc}")
        return None
    if not gc.isenabled():
        # Start-up is over (main() switched the collector off for it): what was made
        # so far lives to the end, so later collections need not look at it again.
        gc.freeze()
        gc.enable()
    return db


def _prepare(shell: Shell, assignments: tuple[str, ...], output_file: str | None, mode: str) -> None:
    """-v variables, -o FILE and --mode, before the first statement."""
    from sqlshell.executors.contract import Mode

    set_variables(shell, assignments)
    if output_file is not None:
        shell.registry.run(shell, "\\o " + shlex.quote(output_file))
    if mode != "engine":
        shell.set_mode(Mode(mode))


def main() -> None:
    """The ``sqlshell`` command. Start-up allocates much (SQLAlchemy's import)
    and frees little, so the cyclic collector is off until the database is
    reached; a scripted run ends with os._exit once everything is closed and
    flushed, skipping the interpreter's teardown (tens of milliseconds of
    freeing what the process is about to give back anyway)."""
    gc.disable()
    try:
        cli(prog_name="sqlshell")
    except SystemExit as exc:
        if not _leave_fast:
            raise
        code = exc.code if isinstance(exc.code, int) else 1
        for stream in (sys.stdout, sys.stderr):
            if stream is None:  # closed before the start (>&-): nothing to flush
                continue
            try:
                stream.flush()
            except (OSError, ValueError):  # nobody reads it any more (| head): as Python's own exit would
                code = code or 1
        os._exit(code)
