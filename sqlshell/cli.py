"""The ``sqlshell`` command: options → Settings, a Database, a source of
statements (``-c``/``-f``, piped stdin, or the REPL), and the single error
boundary that turns anything unexpected into one line and an exit code.

click parses the options and generates the shell-completion scripts in
``completions/``; prompt_toolkit is imported only for the REPL, so scripted
runs start fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click
from click.shell_completion import CompletionItem

from sqlshell import __version__
from sqlshell.exitstatus import ExitStatus

if TYPE_CHECKING:
    from sqlshell.progress import Progress
    from sqlshell.settings import Settings
    from sqlshell.split import Statement
    from sqlshell.state import Shell

STDIN_NAME = "<stdin>"  # standard input, in error lines
FORMAT_HELP = (
    "aligned (psql's table, the default; also 'table'), unaligned, csv, tsv, "
    "json (one array per result, each on its own line), jsonl (one object per row), "
    "or a tabulate format (grid, github, …)"
)


def _check_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from sqlshell.render import is_format, known_formats

    value = value.lower()
    if not is_format(value):
        raise click.BadParameter(f"{value!r} is not a format; one of: {', '.join(known_formats())}")
    return value


def _complete_format(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from sqlshell.render import known_formats

    return [f for f in known_formats() if f.startswith(incomplete.lower())]


def _complete_path(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion offers file names (an SQLite file, a script)."""
    return [CompletionItem(incomplete, type="file")]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("url", required=False, shell_complete=_complete_path)
@click.option(
    "-c",
    "--command",
    "commands",
    multiple=True,
    metavar="SQL",
    help="Run SQL (or a meta-command) and exit; repeatable.",
)
@click.option(
    "-f",
    "--file",
    "files",
    multiple=True,
    metavar="FILE",
    help="Run the statements in FILE and exit; repeatable.",
    shell_complete=_complete_path,
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
@click.option("-W", "--password", "ask_password", is_flag=True, help="Ask for the password (not echoed).")
@click.option("-X", "--no-config", is_flag=True, help="Ignore the config file (as psql -X ignores psqlrc).")
@click.option("--debug", is_flag=True, help="Log the engine and pool on stderr; show a traceback for internal errors.")
@click.version_option(__version__, prog_name="sqlshell")
def cli(
    url: str | None,
    commands: tuple[str, ...],
    files: tuple[str, ...],
    mode: str,
    fmt: str,
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

    URL is any SQLAlchemy URL (postgresql://user@host/db uses psycopg 3), or
    the path of an SQLite file. Without one: $SQLSHELL_URL, else an embedded
    SQLite database.
    """
    from sqlshell.settings import Settings

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
    if debug:
        from sqlshell import debuglog

        debuglog.enable()
    try:
        code = _run(url, commands, files, mode, settings, ask_password)
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
    commands: tuple[str, ...],
    files: tuple[str, ...],
    mode: str,
    settings: Settings,
    ask_password: bool,
) -> ExitStatus:
    from sqlshell.database import Database
    from sqlshell.errors import UserError
    from sqlshell.output import Output
    from sqlshell.source import InputError
    from sqlshell.state import Mode, Shell
    from sqlshell.urls import BadURL, resolve, with_password

    interactive = not commands and not files and sys.stdin.isatty()
    settings.interactive = interactive
    out = Output(quiet=settings.quiet)
    try:
        url = resolve(url_text)
        if ask_password:
            url = with_password(url, click.prompt("Password", hide_input=True, err=True))
        db = Database(url, echo=settings.echo)
        db.check()
    except (BadURL, UserError) as exc:
        out.error(f"sqlshell: {exc}")
        return ExitStatus.BAD_USAGE
    shell = Shell(db, settings, out)
    try:
        if mode != "engine":
            shell.set_mode(Mode(mode))
        if interactive:
            from sqlshell.repl import run_repl

            return run_repl(shell)
        return _run_script(shell, commands, files)
    except BrokenPipeError:
        # Whoever read our output stopped (| head): stop too, like psql, but never
        # drop open work without saying so.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        for line in shell.discard_open_work():
            out.error(f"sqlshell: output closed; {line}")
        return ExitStatus.STATEMENT_FAILED
    except InputError as exc:
        shell.discard_open_work()
        out.error(f"sqlshell: {exc}")
        return ExitStatus.BAD_USAGE
    except UserError as exc:
        out.error(f"sqlshell: {exc}")
        return ExitStatus.BAD_USAGE
    finally:
        shell.close()


def _run_script(shell: Shell, commands: tuple[str, ...], files: tuple[str, ...]) -> ExitStatus:
    from sqlshell.commands import transaction
    from sqlshell.pipeline import Pipeline

    pipeline = Pipeline(shell)
    settings = shell.settings
    if settings.single_transaction:
        transaction.begin(shell)
    with ExitStack() as stack:
        progress = _progress(shell, files, stack)
        if progress is not None:
            pipeline.on_statement = progress.statement_done
        for path, name, statements in _sources(shell, commands, files, stack, progress):
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


def _progress(shell: Shell, files: tuple[str, ...], stack: ExitStack) -> Progress | None:
    """A progress line when standard error is a terminal (and not -q)."""
    if shell.settings.quiet or not sys.stderr.isatty():
        return None
    from sqlshell.progress import Progress

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
    commands: tuple[str, ...],
    files: tuple[str, ...],
    stack: ExitStack,
    progress: Progress | None = None,
) -> Iterator[tuple[Path | None, str | None, Iterable[Statement]]]:
    """The statement streams in command-line order: -c strings, then -f files,
    else standard input; each with its file's path (for \\ir) and the name its
    error lines give (None for -c, as psql). Every file is
    opened before anything runs, so an unreadable file has no partial effect."""
    from sqlshell.source import InputError, stream_statements, text_statements

    nested = shell.db.nested_comments
    opened: list[tuple[BinaryIO, str, Path | None]] = []
    for path in files:
        if path == "-":
            opened.append((sys.stdin.buffer, "standard input", None))
            continue
        try:
            stream = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - closed by the stack
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
        opened.append((stream, path, Path(path).resolve()))
    for text in commands:
        yield None, None, text_statements(text, nested)
    done = 0  # bytes of the streams already read, for the progress line

    def reader(base: int) -> Callable[[int], None] | None:
        return None if progress is None else (lambda offset: progress.read(base + offset))

    for stream, name, resolved in opened:
        shown = STDIN_NAME if resolved is None else name
        yield resolved, shown, stream_statements(stream, nested, name, reader(done))
        done = progress.bytes if progress is not None else 0
    if not commands and not files:
        yield None, STDIN_NAME, stream_statements(sys.stdin.buffer, nested, "standard input", reader(0))


def main() -> None:
    cli(prog_name="sqlshell")
