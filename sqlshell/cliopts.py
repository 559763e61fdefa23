"""What psql's command-line options mean, apart from their declaration in
``cli.py``: the order they were given in (``-c``/``-f`` interleaved, the last
format flag wins), the options as the run's one Settings (config.toml where
the command line left a default), the connection flags and positionals as
ServerOptions, ``-v`` as ``\\set``, ``-W``'s password read, and the options'
checks and shell completions."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from sqlshell.settings import Settings
    from sqlshell.state import Shell
    from sqlshell.urls import ServerOptions

FORMAT_HELP = (
    "aligned (psql's table, the default; also 'table'), unaligned, csv, tsv, "
    "json (one array per result, each on its own line), jsonl (one object per row), "
    "or a tabulate format (grid, github, …)"
)
ORDER_KEY = "sqlshell.order"  # ctx.meta: the options' names in command-line order, one per occurrence


class InOrderCommand(click.Command):
    """Records the order options were given in, one entry per occurrence, so
    ``-c`` and ``-f`` run in command-line order and the last of ``--format``,
    ``-A`` and ``--csv`` wins, as in psql (click keeps each option's values
    apart and would lose the interleaving)."""

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def recording(args: list[str]) -> Any:
            opts, largs, order = parse(args)
            ctx.meta[ORDER_KEY] = [param.name for param in order]
            return opts, largs, order

        # this one parser's method, wrapped: click has no hook that sees the order
        parser.parse_args = recording  # type: ignore[method-assign]
        return parser


# The options that choose the output format; the last one given wins (psql's rule).
FORMAT_FLAGS = {"fmt": None, "no_align": "unaligned", "csv_format": "csv"}


def apply_output_flags(
    settings: Settings,
    order: list[str],
    fmt: str,
    tuples_only: bool,
    field_separator: str | None,
    expanded: bool,
) -> None:
    """psql's -A, --csv, -t, -F and -x, on top of --format and the config file."""
    given = [name for name in order if name in FORMAT_FLAGS]
    if given:
        settings.format = FORMAT_FLAGS[given[-1]] or fmt
    if tuples_only:
        settings.tuples_only = True
    if field_separator is not None:
        settings.field_separator = field_separator
    if expanded:
        settings.expanded = True
        settings.expanded_auto = False


def server_options(
    url: str | None,
    username_arg: str | None,
    host: str | None,
    port: int | None,
    username: str | None,
    dbname: str | None,
) -> tuple[ServerOptions, str | None]:
    """psql's connection flags and positionals: ``[DBNAME [USERNAME]]``; with
    ``-d``, a plain first positional is the user name, as in psql (with a URL or
    connection string, -d sets its database, as -h/-p/-U set their parts)."""
    from sqlshell.urls import ServerOptions

    if dbname is not None and url is not None and "://" not in url and "=" not in url:
        if username_arg is not None:
            raise click.UsageError(f"unexpected argument {username_arg!r}: -d names the database already")
        url, username_arg = None, url
    if username_arg is not None:
        if username is not None:
            raise click.UsageError("the user name is given twice (-U and an argument)")
        username = username_arg
    return ServerOptions(host, port, username, dbname), url


@dataclass(frozen=True)
class ScriptStep:
    """One -c string or -f file, in command-line order."""

    text: str
    is_file: bool


def script_steps(order: list[str], commands: tuple[str, ...], files: tuple[str, ...]) -> list[ScriptStep]:
    queues = {"commands": iter(commands), "files": iter(files)}
    steps = [ScriptStep(next(queues[name]), name == "files") for name in order if name in queues]
    # Without a recorded order (never from the command line): -c, then -f.
    return steps or [ScriptStep(c, False) for c in commands] + [ScriptStep(f, True) for f in files]


def set_variables(shell: Shell, assignments: tuple[str, ...]) -> None:
    """-v NAME=VALUE: exactly what ``\\set NAME 'VALUE'`` does (so ON_ERROR_STOP
    and QUIET are settings here too); -v NAME unsets, as in psql."""
    for item in assignments:
        name, eq, value = item.partition("=")
        if eq:
            shell.registry.run(shell, f"\\set {name} '{value.replace(chr(39), chr(39) * 2)}'")
        else:
            shell.registry.run(shell, f"\\unset {name}")


def read_password() -> str:
    """-W: the password from the terminal, not echoed, when one of the standard
    streams is a terminal (psql reads /dev/tty the same way); otherwise exactly
    one line of standard input, so the script after it is still there to run."""
    import getpass

    if any(_isatty(stream) for stream in (sys.stdin, sys.stdout, sys.stderr)):
        try:
            os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        except OSError:
            pass
        else:
            return getpass.getpass("Password: ")  # prompts and reads on /dev/tty
    line = sys.stdin.buffer.readline()
    return line.decode("utf-8", "replace").rstrip("\r\n")


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def check_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from sqlshell.output.render import is_format, known_formats

    value = value.lower()
    if not is_format(value):
        raise click.BadParameter(f"{value!r} is not a format; one of: {', '.join(known_formats())}")
    return value


def check_assignments(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    for item in value:
        if not item.partition("=")[0]:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE")
    return value


def complete_format(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from sqlshell.output.render import known_formats

    return [f for f in known_formats() if f.startswith(incomplete.lower())]


def complete_path(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion offers file names (an SQLite file, a script)."""
    return [CompletionItem(incomplete, type="file")]


def settings_from_options(
    fmt: str,
    null: str,
    quiet: bool,
    on_error: str,
    on_error_rollback: bool,
    echo: bool,
    verbose: bool,
    single_transaction: bool,
) -> Settings:
    """The options that are settings, as the one Settings object of the run."""
    from sqlshell.settings import Settings

    return Settings(
        format=fmt,
        null=null,
        quiet=quiet,
        on_error_stop=on_error == "stop",
        on_error_rollback=on_error_rollback,
        echo=echo,
        verbose=verbose,
        single_transaction=single_transaction,
    )


def apply_config_file(settings: Settings, mode: str) -> str:
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
