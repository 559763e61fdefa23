"""The ``sqlshell`` command: options → Settings, a Database, a source of
statements (``-c``/``-f``, piped stdin, or the REPL), and the single error
boundary that turns anything unexpected into one line and an exit code.

click parses the options and generates the shell-completion scripts in
``completions/``; prompt_toolkit is imported only for the REPL, so scripted
runs start fast.
"""

from __future__ import annotations

import gc
import os
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click
from click.shell_completion import CompletionItem

from sqlshell import __version__
from sqlshell.cliopts import (
    ORDER_KEY,
    InOrderCommand,
    ScriptStep,
    apply_output_flags,
    read_password,
    script_steps,
    server_options,
    set_variables,
)
from sqlshell.exitstatus import ExitStatus

if TYPE_CHECKING:
    from sqlshell.output.progress import Progress
    from sqlshell.settings import Settings
    from sqlshell.sqltext.split import Statement
    from sqlshell.state import Shell
    from sqlshell.urls import ServerOptions

STDIN_NAME = "<stdin>"  # standard input, in error lines
FORMAT_HELP = (
    "aligned (psql's table, the default; also 'table'), unaligned, csv, tsv, "
    "json (one array per result, each on its own line), jsonl (one object per row), "
    "or a tabulate format (grid, github, …)"
)
# A scripted run that has closed everything may leave without the interpreter's
# teardown (main() then flushes and calls os._exit): nothing is left to clean up.
_leave_fast = False


def _check_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from sqlshell.output.render import is_format, known_formats

    value = value.lower()
    if not is_format(value):
        raise click.BadParameter(f"{value!r} is not a format; one of: {', '.join(known_formats())}")
    return value


def _check_assignments(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    for item in value:
        if not item.partition("=")[0]:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE")
    return value


def _complete_format(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from sqlshell.output.render import known_formats

    return [f for f in known_formats() if f.startswith(incomplete.lower())]


def _complete_path(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion offers file names (an SQLite file, a script)."""
    return [CompletionItem(incomplete, type="file")]


@click.command(cls=InOrderCommand, context_settings={"help_option_names": ["--help"]})
@click.argument("url", required=False, shell_complete=_complete_path)
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
    shell_complete=_complete_path,
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
    callback=_check_assignments,
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
    callback=_check_format,
    metavar="FORMAT",
    help=FORMAT_HELP,
    shell_complete=_complete_format,
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
    shell_complete=_complete_path,
)
@click.option("-q", "--quiet", is_flag=True, help="No command tags, row-count footers or notes.")
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
    from sqlshell.settings import Settings

    ctx = click.get_current_context()
    order: list[str] = ctx.meta.get(ORDER_KEY, [])
    settings = Settings(
        format=fmt,
        null=null,
        quiet=quiet,
        on_error_stop=on_error == "stop",
        on_error_rollback=on_error_rollback,
        echo=echo,
        verbose=verbose,
        single_transaction=single_transaction,
    )
    if not no_config:
        mode = _apply_config_file(settings, mode)
    apply_output_flags(settings, order, fmt, tuples_only, field_separator, expanded)
    if debug:
        from sqlshell import debuglog

        debuglog.enable()
    try:
        server, url = server_options(url, username_arg, host, port, username, dbname)
        script = script_steps(order, commands, files)
        code = _run(url, server, script, mode, settings, ask_password, assignments, output_file)
    except click.UsageError:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = ExitStatus.STATEMENT_FAILED
    except Exception as exc:  # the process-wide error boundary: one line, never a traceback
        if debug:
            raise
        from sqlshell.errors import one_line
        from sqlshell.urls import scrub_secrets

        what = scrub_secrets(one_line(str(exc)) or type(exc).__name__)
        click.echo(f"sqlshell: internal error: {what} (--debug shows details)", err=True)
        code = ExitStatus.BAD_USAGE
    global _leave_fast
    _leave_fast = not settings.interactive and not debug  # the REPL and --debug logging end the usual way
    sys.exit(int(code))


def _apply_config_file(settings: Settings, mode: str) -> str:
    """config.toml's values, where the command line left the option at its
    default; returns the mode to start in."""
    from click.core import ParameterSource

    from sqlshell import config

    cfg, problem = config.load()
    if problem:
        click.echo(problem, err=True)
    ctx = click.get_current_context()
    options = {"format": "fmt", "null": "null", "mode": "mode"}
    given = {key for key, param in options.items() if ctx.get_parameter_source(param) is not ParameterSource.DEFAULT}
    config.apply(cfg, settings, skip=given)
    return mode if "mode" in given else cfg.get("mode", mode)


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
    from sqlshell.database import Database
    from sqlshell.errors import UserError
    from sqlshell.executors.contract import Mode
    from sqlshell.output.streams import Output
    from sqlshell.sqltext.source import InputError
    from sqlshell.state import Shell
    from sqlshell.urls import BadURL, resolve, with_password

    # psql's rule: interactive only when both ends are a terminal.
    interactive = not script and sys.stdin.isatty() and sys.stdout.isatty()
    settings.interactive = interactive
    out = Output(quiet=settings.quiet)
    try:
        url = resolve(url_text, server=server)
        if ask_password:
            url = with_password(url, read_password())
        db = Database(url, echo=settings.echo)
        db.check()
    except (BadURL, UserError) as exc:
        out.error(f"sqlshell: {exc}")
        return ExitStatus.BAD_USAGE
    if not gc.isenabled():
        # Start-up is over (main() switched the collector off for it): what was made
        # so far lives to the end, so later collections need not look at it again.
        gc.freeze()
        gc.enable()
    shell = Shell(db, settings, out)
    try:
        set_variables(shell, assignments)
        if output_file is not None:
            shell.registry.run(shell, "\\o " + shlex.quote(output_file))
        if mode != "engine":
            shell.set_mode(Mode(mode))
        if interactive:
            from sqlshell.interactive.repl import run_repl

            return run_repl(shell)
        return _run_script(shell, script)
    except BrokenPipeError:
        # Whoever read our output stopped (| head): stop too, like psql, but never
        # drop open work without saying so.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        for line in shell.discard_open_work():
            out.error(f"sqlshell: output closed; {line}")
        return ExitStatus.STATEMENT_FAILED
    except InputError as exc:
        out.error(f"sqlshell: {exc}")
        for line in shell.discard_open_work():
            out.error(f"sqlshell: {line}")
        return ExitStatus.BAD_USAGE
    except UserError as exc:
        out.error(f"sqlshell: {exc}")
        return ExitStatus.BAD_USAGE
    finally:
        shell.close()


def _run_script(shell: Shell, script: list[ScriptStep]) -> ExitStatus:
    from sqlshell.commands import transaction
    from sqlshell.pipeline import Pipeline

    pipeline = Pipeline(shell)
    settings = shell.settings
    if settings.single_transaction:
        transaction.begin(shell)
    with ExitStack() as stack:
        progress = _progress(shell, script, stack)
        if progress is not None:
            pipeline.on_statement = progress.statement_done
        for path, name, statements in _sources(shell, script, stack, progress):
            pipeline.source = name  # error lines: FILE:LINE:
            if path is not None:
                shell.scripts.append(path)  # \ir inside the file is relative to it
            try:
                pipeline.run(statements)
            finally:
                if path is not None:
                    shell.scripts.pop()
            if pipeline.failures and settings.on_error_stop:
                break
    holder = shell.transactional
    open_work = holder is not None and (holder.in_transaction or holder.open_work())
    # psql's -1: a failure rolls everything back, unless the script went on past it
    # (--on-error continue) with --on-error-rollback keeping the transaction alive.
    failed = pipeline.failures > 0 and (settings.on_error_stop or not settings.on_error_rollback)
    if settings.single_transaction and open_work and not _end_single_transaction(shell, failed):
        pipeline.failures += 1
    return pipeline.finish_script()


def _end_single_transaction(shell: Shell, failed: bool) -> bool:
    """--single-transaction: commit the whole script, or roll all of it back, and
    say so. False when nothing could be committed."""
    from sqlalchemy.exc import DBAPIError

    from sqlshell.commands import transaction
    from sqlshell.errors import describe_db_error

    out = shell.output
    if failed:
        transaction.rollback(shell)
        out.error("--single-transaction: a statement failed, so the whole script was rolled back; nothing was changed")
        return False
    try:
        outcome = transaction.commit(shell)
    except DBAPIError as exc:
        shell.discard_open_work()
        out.error(f"--single-transaction: COMMIT failed, nothing was changed: {describe_db_error(exc)}")
        return False
    for line in outcome.warnings:
        out.error(line)
    return outcome.tag == "COMMIT"


def _progress(shell: Shell, script: list[ScriptStep], stack: ExitStack) -> Progress | None:
    """A progress line when standard error is a terminal (and not -q)."""
    if shell.settings.quiet or not sys.stderr.isatty():
        return None
    from sqlshell.output.progress import Progress

    files = [step.text for step in script if step.is_file]

    sizes = [_size(path) for path in files] if files else [_size("-")]
    total = None if None in sizes else sum(s or 0 for s in sizes)
    progress = Progress(sys.stderr, total)
    shell.output.status = progress
    stack.callback(progress.clear)
    return progress


def _size(path: str) -> int | None:
    """Bytes in a file or a redirected standard input; None for a pipe."""
    import stat

    try:
        info = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _sources(
    shell: Shell,
    script: list[ScriptStep],
    stack: ExitStack,
    progress: Progress | None = None,
) -> Iterator[tuple[Path | None, str | None, Iterable[Statement]]]:
    """The statement streams in command-line order (-c and -f interleaved, as
    psql runs them), else standard input; each with its file's path (for
    \\ir) and the name its error lines give (None for -c, as psql). Every file
    is opened before anything runs, so an unreadable file has no partial effect."""
    from sqlshell.sqltext.source import InputError, StdinData, stream_statements

    nested = shell.db.nested_comments
    server = shell.standard_conforming_strings  # the splitter follows the server, as psql does
    opened: dict[int, tuple[BinaryIO, str, Path | None]] = {}
    for index, step in enumerate(script):
        if not step.is_file:
            continue
        if step.text == "-":
            opened[index] = (sys.stdin.buffer, "standard input", None)
            continue
        try:
            stream: BinaryIO = stack.enter_context(open(step.text, "rb"))  # noqa: SIM115 - closed by the stack
        except OSError as exc:
            raise InputError(f"cannot read {step.text}: {exc.strerror or exc}") from exc
        opened[index] = (stream, step.text, Path(step.text).resolve())
    done = 0  # bytes of the streams already read, for the progress line

    def reader(base: int) -> Callable[[int], None] | None:
        return None if progress is None else (lambda offset: progress.read(base + offset))

    stdin_data = StdinData()  # COPY … FROM STDIN in a -c string reads standard input, as in psql
    for index, step in enumerate(script):
        if not step.is_file:
            yield None, None, stdin_data.statements(step.text, nested, server)
            continue
        stream, name, resolved = opened[index]
        shown = STDIN_NAME if resolved is None else name
        yield resolved, shown, stream_statements(stream, nested, name, reader(done), server)
        done = progress.bytes if progress is not None else 0
    if not script:
        yield None, STDIN_NAME, stream_statements(sys.stdin.buffer, nested, "standard input", reader(0), server)


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
            try:
                stream.flush()
            except (OSError, ValueError):  # nobody reads it any more (| head): as Python's own exit would
                code = code or 1
        os._exit(code)
