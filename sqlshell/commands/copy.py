"""``\\copy``: psql's client-side COPY, between a table (or a query) and a file,
the script's own lines, standard output, or a program.

On PostgreSQL it is psql's ``\\copy``: ``COPY … FROM STDIN`` / ``TO STDOUT`` on
the connection the current mode uses, the file's bytes streamed through
psycopg's COPY support a block at a time (memory stays flat for any size), so
the server reads and writes the same bytes psql's would. Elsewhere the shell
reads and writes PostgreSQL's text and CSV formats itself (``sqlshell.copyformat``)
and inserts in batches with ``executemany``.

It runs where the mode's statements run: engine mode one-shot (committed when
it succeeds, nothing left when it fails), connection mode on the held
connection (inside ``\\begin`` if one is open), session mode in the session's
transaction. Without PostgreSQL's single COPY statement, a savepoint makes the
batched inserts all-or-nothing inside an open transaction as well.

This module is the command: it parses the arguments (``sqltext.copyargs``),
refuses what only PostgreSQL can do elsewhere, and joins the parts, one job
each: ``copyconn`` (where it runs), ``copyio`` (where the data comes from and
goes to), ``copypg`` (PostgreSQL's COPY protocol) and ``copyrows`` (batched
inserts and a query on the other databases).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from sqlshell.commands.copyconn import mode_connection
from sqlshell.commands.copyio import sink, source
from sqlshell.commands.copypg import pg_in, pg_out
from sqlshell.commands.copyrows import rows_in, rows_out
from sqlshell.commands.registry import Args, CommandSet
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError
from sqlshell.results import Outcome
from sqlshell.sqltext.copyargs import CopySpec, parse_copy

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Input/Output")

# The data lines that followed ``\copy … FROM STDIN`` in the script (set by dispatch).
_script_data: ContextVar[tuple[str, int] | None] = ContextVar("sqlshell_copy_data", default=None)


@contextmanager
def script_data(data: str, first_line: int) -> Iterator[None]:
    """Hand the data block the splitter found after a ``\\copy … FROM STDIN`` to the command."""
    token = _script_data.set((data, first_line))
    try:
        yield
    finally:
        _script_data.reset(token)


@commands.add(
    "\\copy",
    "TABLE [(COLS)] FROM|TO 'FILE'|STDIN|STDOUT|PROGRAM 'CMD' [WITH (OPTS)]",
    "psql's client-side COPY of a table or (QUERY) to or from a file, the script or a program",
)
def copy(shell: Shell, args: Args) -> Outcome:
    spec = parse_copy(args.raw)
    pg = shell.db.is_postgres and shell.db.engine.dialect.driver == "psycopg"
    if not pg:
        _refuse_unsupported(spec, shell.db.dialect)
    with mode_connection(shell, atomic=not pg) as conn:
        if spec.direction == "from":
            with source(spec, _script_data.get()) as (lines, blocks, first, name):
                rows = pg_in(conn, spec, blocks, first, name) if pg else rows_in(conn, spec, lines, first, name)
        else:
            # PostgreSQL sends the session's client_encoding unless ENCODING says otherwise
            server_enc = psycopg_of(conn).info.encoding if pg else "utf-8"
            with sink(shell, spec, spec.options.encoding or server_enc) as write:
                rows = pg_out(conn, spec, write) if pg else rows_out(conn, spec, write)
    if spec.direction == "to" and spec.kind == "stdio":
        return Outcome()  # psql prints no tag after data it wrote to standard output
    return Outcome(tag=f"COPY {rows}")


def _refuse_unsupported(spec: CopySpec, dialect: str) -> None:
    opts = spec.options
    if opts.format == "binary":
        raise UserError(f"\\copy's binary format exists only on PostgreSQL, not on {dialect}", "use FORMAT csv or text")
    if opts.unsupported:
        raise UserError(f"\\copy option {opts.unsupported[0]} exists only on PostgreSQL, not on {dialect}")
    if opts.where is not None:
        raise UserError(f"\\copy … WHERE exists only on PostgreSQL, not on {dialect}", "copy a (query) instead")
    if opts.encoding is not None:
        try:
            "".encode(opts.encoding)
        except LookupError:
            raise UserError(f'"{opts.encoding}" is not a valid encoding name') from None
