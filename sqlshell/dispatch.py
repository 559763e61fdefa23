"""Route one statement to where it runs: a meta-command from the registry,
a transaction command (typed as SQL) to the transaction operations, anything
else to the current mode's executor. The splitter already said which kind a
statement is, so nothing here is tried and caught."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from sqlshell.commands import transaction as txn_commands
from sqlshell.errors import UserError
from sqlshell.results import Outcome
from sqlshell.split import Kind, Statement
from sqlshell.state import Shell
from sqlshell.txnsql import TxnCommand, classify
from sqlshell.variables import interpolate


def dispatch(stmt: Statement, shell: Shell) -> AbstractContextManager[Outcome]:
    if stmt.kind is Kind.META:
        if stmt.data is not None:  # \copy … FROM STDIN, with the data lines that followed it
            from sqlshell.commands.copy import script_data

            with script_data(stmt.data, stmt.data_line):
                return nullcontext(shell.registry.run(shell, stmt.text))
        return nullcontext(shell.registry.run(shell, stmt.text))
    if stmt.terminator and stmt.terminator.split()[0] not in ("\\g", "\\gx"):
        raise UserError(f"{stmt.terminator.split()[0]} is not supported", "end the statement with ; or \\g")
    sql = interpolate(stmt.text, shell.variables) if shell.variables else stmt.text
    txn = classify(sql)
    if txn is not None:
        return nullcontext(run_txn_command(txn, shell))
    return shell.executor.run(sql, stmt.data, stmt.data_line)


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
