"""Route one statement to where it runs: a meta-command from the registry,
a transaction command (typed as SQL) to the transaction operations, anything
else to the current mode's executor. The splitter already said which kind a
statement is, so nothing here is tried and caught.

A line may hold several statements (``\\;``, or a ``:NAME`` that expands to
several): each is classified once (``sqlshell.sqltext.pieces``) and none is lost.
On PostgreSQL the line goes to the server as one query string, as psql
sends it (one implicit transaction, every result shown); drivers that take
one statement at a time get it piece by piece, each piece dispatched as if
it had been typed alone, with the server's state read between pieces.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext

from sqlshell.commands import transaction as txn_commands
from sqlshell.errors import UserError
from sqlshell.executors.ended import DB_NAMES
from sqlshell.results import Outcome
from sqlshell.sqltext.classify import Classification
from sqlshell.sqltext.pieces import Piece, pieces
from sqlshell.sqltext.split import Kind, Statement
from sqlshell.sqltext.txnsql import TxnCommand
from sqlshell.sqltext.variables import interpolate
from sqlshell.state import Shell


def dispatch_all(stmt: Statement, shell: Shell) -> Iterator[AbstractContextManager[Outcome]]:
    """One context manager per result of ``stmt``, each made when the previous
    one has been rendered (so the statements of a line run in order, and an
    error stops the rest)."""
    shell.line_pieces = ()
    if stmt.kind is Kind.META:
        if stmt.data is not None:  # \copy … FROM STDIN, with the data lines that followed it
            from sqlshell.commands.copy import script_data

            with script_data(stmt.data, stmt.data_line):
                outcome = shell.registry.run(shell, stmt.text)
            yield nullcontext(outcome)
            return
        yield nullcontext(shell.registry.run(shell, stmt.text))
        return
    if stmt.terminator and stmt.terminator.split()[0] not in ("\\g", "\\gx"):
        raise UserError(f"{stmt.terminator.split()[0]} is not supported", "end the statement with ; or \\g")
    sql = interpolate(stmt.text, shell.variables) if shell.variables else stmt.text
    info = None
    if sql == stmt.text:  # no variable changed the text: the splitter's classification holds
        sql, info = stmt.text, stmt.info
    if stmt.data is not None:
        parts = pieces_of_copy(sql, info)
    else:
        scs = shell.standard_conforming_strings() if shell.db.is_postgres and "\\" in sql else None
        parts = pieces(sql, shell.db.dialect, shell.db.nested_comments, scs, info)
    shell.line_pieces = parts
    refuse_escape_from_single_transaction(shell, parts)
    if len(parts) == 1:
        yield _one(parts[0], shell, stmt)
        return
    executor = shell.executor
    run_many = getattr(executor, "run_many", None)
    if shell.db.is_postgres and run_many is not None:
        outcomes: list[Outcome] = []
        try:
            with run_many(sql, parts, outcomes):
                pass  # all fetched: the connection is free before the results are shown
        except Exception:
            # a statement failed: the results before it are shown, then the error (as psql)
            for outcome in outcomes:
                yield nullcontext(outcome)
            raise
        for outcome in outcomes:
            yield nullcontext(outcome)
        return
    for i, part in enumerate(parts):
        yield _one(part, shell, stmt)
        if part.txn is None:
            shell.follow_server((part,))  # before the next piece runs
        shell.line_pieces = parts[i + 1 :]


def pieces_of_copy(sql: str, info: Classification | None = None) -> list[Piece]:
    from sqlshell.sqltext.pieces import piece

    return [piece(sql, "", info)]


def _one(part: Piece, shell: Shell, stmt: Statement) -> AbstractContextManager[Outcome]:
    if part.txn is not None:
        return nullcontext(run_txn_command(part.txn, shell))
    return shell.executor.run(part.sql, stmt.data, stmt.data_line)


def refuse_escape_from_single_transaction(shell: Shell, parts: Sequence[Piece]) -> None:
    """--single-transaction: refuse, before anything runs, a line with a piece
    that would end the script's transaction (COMMIT, ROLLBACK, a BEGIN, or on
    MariaDB a statement that commits implicitly)."""
    if not shell.settings.single_transaction or shell.transactional is None:
        return
    if not shell.transactional.in_transaction:
        return
    for part in parts:
        if part.txn is not None and part.txn.action in ("begin", "commit", "rollback"):
            txn_commands.refuse_inside_single_transaction(shell, part.txn.action.upper())
        if part.implicit_commit:
            raise UserError(
                f"{part.label.split()[0]} is not allowed with --single-transaction: "
                f"{DB_NAMES.get(shell.db.dialect, shell.db.dialect)} commits it implicitly",
                "run it outside the single transaction",
            )


def run_txn_command(cmd: TxnCommand, shell: Shell) -> Outcome:
    if cmd.chain:
        raise UserError(
            f"{cmd.action.upper()} AND CHAIN is not supported: the shell would lose track of the new transaction",
            f"\\{cmd.action} then \\begin",
        )
    if cmd.action in ("begin", "commit", "rollback"):
        txn_commands.refuse_inside_single_transaction(shell, cmd.action.upper())
    if cmd.action == "begin":
        return txn_commands.begin(shell, cmd.isolation, cmd.read_only, cmd.sqlite_mode)
    if cmd.action == "commit":
        return txn_commands.commit(shell)
    if cmd.action == "rollback":
        return txn_commands.rollback(shell)
    if cmd.action == "savepoint":
        return txn_commands.savepoint(shell, cmd.name)
    if cmd.action == "release":
        return txn_commands.release(shell, cmd.name)
    return txn_commands.rollback_to(shell, cmd.name)
