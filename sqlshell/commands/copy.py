"""``\\copy``: psql's client-side COPY, between a table (or a query) and a file,
the script's own lines, standard output, or a program.

On PostgreSQL it is psql's ``\\copy``: ``COPY … FROM STDIN`` / ``TO STDOUT`` on
the connection the current mode uses, the file's bytes streamed through
psycopg's COPY support a block at a time (memory stays flat for any size), so
the server reads and writes the same bytes psql's would. Elsewhere the shell
reads and writes PostgreSQL's text and CSV formats itself (``sqlshell.copyfmt``)
and inserts in batches with ``executemany``.

It runs where the mode's statements run: engine mode one-shot (committed when
it succeeds, nothing left when it fails), connection mode on the held
connection (inside ``\\begin`` if one is open), session mode in the session's
transaction. Without PostgreSQL's single COPY statement, a savepoint makes the
batched inserts all-or-nothing inside an open transaction as well.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import column, insert, table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.cancel import running
from sqlshell.commands.describe import parse_name
from sqlshell.commands.registry import Args, CommandSet
from sqlshell.copyfmt import BadLine, CopySpec, Writer, parse_copy, records
from sqlshell.driverconn import psycopg_of
from sqlshell.errors import UserError
from sqlshell.executors.pgstream import wrap_error
from sqlshell.results import Outcome

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Input/Output")

BLOCK = 64 * 1024  # bytes read from a file per COPY write
BATCH = 1000  # rows per executemany

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
    with _mode_connection(shell, atomic=not pg) as conn:
        if spec.direction == "from":
            with _source(spec) as (lines, blocks, first, name):
                rows = _pg_in(conn, spec, blocks, first, name) if pg else _rows_in(conn, spec, lines, first, name)
        else:
            # PostgreSQL sends the session's client_encoding unless ENCODING says otherwise
            server_enc = psycopg_of(conn).info.encoding if pg else "utf-8"
            with _sink(shell, spec, spec.options.encoding or server_enc) as write:
                rows = _pg_out(conn, spec, write) if pg else _rows_out(conn, spec, write)
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


# -- where it runs ------------------------------------------------------------------


@contextmanager
def _mode_connection(shell: Shell, atomic: bool) -> Iterator[Connection]:
    """The connection the current mode's statements use. ``atomic``: make the
    copy all-or-nothing (PostgreSQL's one COPY statement already is)."""
    if shell.txn().state == "failed":
        raise UserError("the transaction has failed, so \\copy cannot run in it", "\\rollback first")
    if shell.held is not None:
        held = shell.held
        if held.lost:
            raise UserError("the transaction was lost with its connection; \\copy was not run", "\\rollback first")
        try:
            if held.txn is None:
                with _one_shot(held.conn, atomic) as conn:
                    yield conn
            else:
                held.statements += 1
                with _statement(held.conn, atomic or held.on_error_rollback) as conn:
                    yield conn
        except DBAPIError as exc:
            # What ConnectionExecutor.run does after a failed statement: a lost connection
            # outside a transaction is replaced; inside one, the transaction shows as lost.
            if held.txn is not None:
                held._after_error(exc, None)
            elif exc.connection_invalidated or held.conn.invalidated:
                held._reopen()
                raise UserError(
                    "the connection was lost; a new one is open and \\copy was not run again",
                    "session settings and temporary tables of the old connection are gone",
                ) from exc
            raise
        return
    session = shell.session
    if session is not None:
        require = getattr(session, "require_usable", None)
        if require is not None:
            require()
        orm = session.session  # type: ignore[attr-defined]
        conn = orm.connection()
        session.statements += 1  # type: ignore[attr-defined]
        with _statement(conn, atomic or session.on_error_rollback) as conn:
            yield conn
        return
    with shell.db.engine.connect() as conn, _one_shot(conn, atomic) as c:
        yield c


@contextmanager
def _one_shot(conn: Connection, atomic: bool) -> Iterator[Connection]:
    """Outside a transaction: PostgreSQL's COPY commits by itself (AUTOCOMMIT);
    batched inserts run in a transaction of their own, then AUTOCOMMIT again."""
    if conn.in_transaction():
        conn.commit()  # AUTOCOMMIT's autobegun bookkeeping, nothing on the server
    if not atomic:
        try:
            yield conn
        finally:
            if not conn.invalidated and conn.in_transaction():
                conn.commit()
        return
    conn.execution_options(isolation_level=conn.default_isolation_level)
    try:
        with conn.begin():
            yield conn
    finally:
        if not conn.invalidated:
            conn.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def _statement(conn: Connection, savepoint: bool) -> Iterator[Connection]:
    """Inside the user's transaction; a savepoint undoes a failed copy alone."""
    if not savepoint:
        yield conn
        return
    sp = conn.begin_nested()
    try:
        yield conn
    except BaseException as exc:
        if sp.is_active and not conn.invalidated:
            sp.rollback()
            if isinstance(exc, DBAPIError):
                exc.add_note("the copy was undone; the transaction is still open")
        raise
    sp.commit()


# -- where the data comes from and goes to --------------------------------------------


@contextmanager
def _source(spec: CopySpec) -> Iterator[tuple[Iterable[str], Iterable[bytes], int, str]]:
    """(text lines, byte blocks, input line of the first one, name for messages)."""
    enc = spec.options.encoding or "utf-8"
    if spec.kind == "stdio":
        attached = _script_data.get()
        if attached is not None:
            data, first = attached
            yield data.splitlines(keepends=True), _encoded(data, enc), first, "the input"
        else:
            lines = _stdin_lines()
            yield lines, _encoded_lines(lines, enc), 1, "standard input"
        return
    if spec.kind == "program":
        assert spec.target is not None
        proc = subprocess.Popen(spec.target, shell=True, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        try:
            with open(proc.stdout.fileno(), encoding=enc, newline="", closefd=False) as text:
                yield text, _blocks(proc.stdout), 1, f"program {spec.target!r}"
        except BaseException:  # the copy failed or was interrupted: the program is not needed any more
            proc.stdout.close()
            proc.kill()
            proc.wait()
            raise
        proc.stdout.close()
        _check_program(proc, spec.target)
        return
    assert spec.target is not None
    path = Path(spec.target).expanduser()
    try:
        with open(path, "rb") as binary, open(path, encoding=enc, newline="") as text:
            yield text, _blocks(binary), 1, spec.target
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise UserError(f"{spec.target}: {exc.strerror}") from None


def _stdin_lines() -> Iterator[str]:
    """psql's interactive ``\\copy … FROM STDIN``: lines up to ``\\.`` or end of input."""
    tty = sys.stdin.isatty()
    if tty:
        print(
            "Enter data to be copied followed by a newline.\n"
            "End with a backslash and a period on a line by itself, or an EOF signal.",
            file=sys.stderr,
        )
    while True:
        if tty:
            print(">> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line or line.rstrip("\r\n") == "\\.":
            return
        yield line


def _encoded(data: str, enc: str) -> Iterator[bytes]:
    for i in range(0, len(data), BLOCK):
        yield data[i : i + BLOCK].encode(enc)


def _encoded_lines(lines: Iterable[str], enc: str) -> Iterator[bytes]:
    for line in lines:
        yield line.encode(enc)


def _blocks(f: IO[bytes]) -> Iterator[bytes]:
    while block := f.read(BLOCK):
        yield block


def _check_program(proc: subprocess.Popen[bytes], command: str) -> None:
    code = proc.wait()
    if code < 0:
        raise UserError(f"program {command!r} was terminated by signal {-code}")
    if code:
        raise UserError(f"program {command!r} failed: exit status {code}")


@contextmanager
def _sink(shell: Shell, spec: CopySpec, enc: str) -> Iterator[Any]:
    """A ``write(bytes)`` for the target: a file, a program's input, or the results output."""
    if spec.kind == "stdio":
        out = shell.output
        if spec.options.format == "binary":  # bytes, not text: decoding them broke them
            yield out.write_bytes
        else:
            yield lambda b: out.write(b.decode(enc, errors="replace"))
        out.flush()
        return
    assert spec.target is not None
    if spec.kind == "program":
        proc = subprocess.Popen(spec.target, shell=True, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        try:
            yield proc.stdin.write
        except BaseException:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            proc.wait()  # it has its input so far, and its end: let it finish as psql does
            raise
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        _check_program(proc, spec.target)
        return
    try:
        f = open(Path(spec.target).expanduser(), "wb")  # noqa: SIM115 - closed below, after the copy
    except OSError as exc:
        raise UserError(f"{spec.target}: {exc.strerror}") from None
    with f:
        yield f.write


# -- PostgreSQL: the COPY protocol ------------------------------------------------------


@contextmanager
def _copy_cursor(conn: Connection, sql: str) -> Iterator[Any]:
    """A psycopg cursor on the connection SQLAlchemy holds, marked as running (so
    Ctrl-C cancels it); a driver error comes out as SQLAlchemy's own execute would
    raise it (a dead connection invalidated)."""
    dbapi = psycopg_of(conn)
    cursor = dbapi.cursor()
    running.started(dbapi)
    try:
        yield cursor
    except Exception as exc:
        raise wrap_error(conn, sql, exc, cursor) from exc
    finally:
        cursor.close()


def _pg_in(conn: Connection, spec: CopySpec, blocks: Iterable[bytes], first_line: int, name: str) -> int:
    sql = spec.server_sql()
    try:
        with _copy_cursor(conn, sql) as cursor:
            with cursor.copy(sql) as cp:
                for block in blocks:
                    cp.write(block)
            return int(cursor.rowcount)
    except DBAPIError as wrapped:
        context = getattr(getattr(wrapped.orig, "diag", None), "context", None) or ""
        if (line := _copy_line(context)) is not None:
            wrapped.add_note(f"line {line + first_line - 1} of {name}")
        raise


def _copy_line(context: str) -> int | None:
    m = re.search(r"\bline (\d+)\b", context)
    return int(m.group(1)) if m else None


def _pg_out(conn: Connection, spec: CopySpec, write: Any) -> int:
    sql = spec.server_sql()
    with _copy_cursor(conn, sql) as cursor:
        with cursor.copy(sql) as cp:
            for block in cp:
                write(bytes(block))
        return int(cursor.rowcount)  # before close() forgets it


# -- other databases: batched inserts and a query ------------------------------------------


def _columns(conn: Connection, spec: CopySpec) -> tuple[str | None, str, list[str]]:
    """(schema, table, the columns the data has), as the database spells them."""
    assert spec.table is not None
    schema, name = parse_name(spec.table)
    from sqlalchemy import inspect

    insp = inspect(conn)
    if not insp.has_table(name, schema=schema):
        raise UserError(f'relation "{spec.table}" does not exist')
    known = [c["name"] for c in insp.get_columns(name, schema=schema)]
    if spec.columns is None:
        return schema, name, known
    wanted = [parse_name(c)[1] for c in spec.columns.split(",") if c.strip()]
    by_fold = {k.lower(): k for k in known}
    out = []
    for c in wanted:
        real = c if c in known else by_fold.get(c.lower())
        if real is None:
            raise UserError(f'column "{c}" of relation "{spec.table}" does not exist')
        out.append(real)
    return schema, name, out


def _rows_in(conn: Connection, spec: CopySpec, lines: Iterable[str], first_line: int, name: str) -> int:
    schema, tname, cols = _columns(conn, spec)
    target = table(tname, *[column(c) for c in cols], schema=schema)
    stmt = insert(target)
    count = 0
    batch: list[tuple[int, dict[str, Any]]] = []
    try:
        for line_no, values in records(lines, spec.options, len(cols), cols):
            batch.append((line_no, dict(zip(cols, values, strict=True))))
            if len(batch) >= BATCH:
                count += _insert(conn, stmt, batch, first_line, name)
                batch = []
        if batch:
            count += _insert(conn, stmt, batch, first_line, name)
    except BadLine as exc:
        raise UserError(f"ERROR: {exc.message} [line {exc.line + first_line - 1} of {name}]") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{name} is not valid {spec.options.encoding or 'utf-8'}: {exc.reason}") from None
    return count


def _insert(conn: Connection, stmt: Any, batch: list[tuple[int, dict[str, Any]]], first_line: int, name: str) -> int:
    """One executemany; when it fails, the rows one by one (in a savepoint) to name the bad line."""
    sp = conn.begin_nested()
    try:
        conn.execute(stmt, [row for _n, row in batch])
    except DBAPIError as exc:
        sp.rollback()
        if exc.connection_invalidated:
            raise
        for line_no, row in batch:
            one = conn.begin_nested()
            try:
                conn.execute(stmt, row)
            except DBAPIError as row_exc:
                one.rollback()
                row_exc.add_note(f"line {line_no + first_line - 1} of {name}")
                raise
            one.commit()
        raise
    sp.commit()
    return len(batch)


def _rows_out(conn: Connection, spec: CopySpec, write: Any) -> int:
    if spec.query is not None:
        sql = spec.query
    else:
        schema, tname, cols = _columns(conn, spec)
        quote = conn.dialect.identifier_preparer.quote
        source = ".".join(quote(p) for p in (schema, tname) if p)
        sql = f"SELECT {', '.join(quote(c) for c in cols)} FROM {source}"
    enc = spec.options.encoding or "utf-8"
    writer = Writer(spec.options)
    result = conn.exec_driver_sql(sql, execution_options={"no_parameters": True, "stream_results": True})
    if not result.returns_rows:
        raise UserError("\\copy (query) needs a query that returns rows")
    count = 0
    with result:
        if spec.options.header:
            write(writer.header(result.keys()).encode(enc))
        for part in result.partitions(BATCH):
            write("".join(writer.row(r) for r in part).encode(enc))
            count += len(part)
    return count
