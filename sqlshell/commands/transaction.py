"""Transaction meta-commands: they map one to one onto SQLAlchemy's
Connection.begin / commit / rollback / begin_nested, through the held
connection (``executors/connection.py``). Typed SQL (``BEGIN``, ``SAVEPOINT x``)
reaches the same functions through the dispatcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.errors import UserError
from sqlshell.results import Outcome
from sqlshell.sqltext.txnsql import fold_name

if TYPE_CHECKING:
    from sqlshell.executors.contract import Transactional
    from sqlshell.state import Shell

commands = CommandSet("Transactions")

ISOLATION_LEVELS = ("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")


def parse_isolation(words: list[str]) -> str:
    level = " ".join(words).upper().replace("_", " ")
    if level not in ISOLATION_LEVELS:
        raise UserError(f"unknown isolation level {' '.join(words)!r}", "one of: " + ", ".join(ISOLATION_LEVELS))
    return level


def begin(
    shell: Shell, isolation: str | None = None, read_only: bool = False, sqlite_mode: str | None = None
) -> Outcome:
    holder, notes = shell.transaction_holder()
    outcome = holder.begin(isolation, read_only, sqlite_mode)
    if shell.settings.interactive or shell.settings.verbose:  # a script's BEGIN succeeds silently, as in psql
        outcome.notes[:0] = notes
    return outcome


def refuse_inside_single_transaction(shell: Shell, what: str) -> None:
    """--single-transaction: the script's own BEGIN/COMMIT/ROLLBACK (typed or
    meta-command) would commit or drop part of it; refuse them."""
    holder = shell.transactional
    if shell.settings.single_transaction and holder is not None and holder.in_transaction:
        raise UserError(
            f"{what} is not allowed with --single-transaction", "the whole script already runs in one transaction"
        )


def _no_transaction(shell: Shell, tag: str) -> Outcome:
    return Outcome(tag=tag, warnings=[f"WARNING: there is no transaction in progress ({shell.mode.value} mode)"])


def commit(shell: Shell) -> Outcome:
    holder = shell.transactional
    return holder.commit() if holder is not None else _no_transaction(shell, "COMMIT")


def rollback(shell: Shell) -> Outcome:
    holder = shell.transactional
    return holder.rollback() if holder is not None else _no_transaction(shell, "ROLLBACK")


def _require_holder(shell: Shell, what: str) -> Transactional:
    holder = shell.transactional
    if holder is None:
        raise UserError(f"{what} can only be used in a transaction", "\\begin first")
    return holder


def savepoint(shell: Shell, name: str | None) -> Outcome:
    return _require_holder(shell, "SAVEPOINT").savepoint(name)


def release(shell: Shell, name: str | None) -> Outcome:
    return _require_holder(shell, "RELEASE SAVEPOINT").release(name)


def rollback_to(shell: Shell, name: str | None) -> Outcome:
    return _require_holder(shell, "ROLLBACK TO SAVEPOINT").rollback_to(name)


@commands.add("\\begin", "[ISOLATION LEVEL]", "start a transaction (switches engine mode to connection mode)")
def begin_cmd(shell: Shell, args: Args) -> Outcome:
    refuse_inside_single_transaction(shell, "\\begin")
    return begin(shell, parse_isolation(args.words) if args.words else None)


@commands.add("\\commit", "", "commit the open transaction")
def commit_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\commit")
    refuse_inside_single_transaction(shell, "\\commit")
    return commit(shell)


@commands.add("\\rollback", "[SAVEPOINT]", "roll back the transaction, or only back to SAVEPOINT (which stays)")
def rollback_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\rollback [SAVEPOINT]")
    if args.words:
        return rollback_to(shell, fold_name(args.words[0]))
    refuse_inside_single_transaction(shell, "\\rollback")
    return rollback(shell)


@commands.add("\\savepoint", "[NAME]", "set a savepoint inside the transaction")
def savepoint_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\savepoint [NAME]")
    return savepoint(shell, fold_name(args.words[0]) if args.words else None)


@commands.add("\\release", "[NAME]", "release a savepoint (default: the innermost) and those inside it")
def release_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, "\\release [NAME]")
    return release(shell, fold_name(args.words[0]) if args.words else None)


@commands.add(
    "\\isolation",
    "[LEVEL]",
    "show or set the isolation level of the next transaction",
    choices=tuple(level.lower().replace(" ", "_") for level in ISOLATION_LEVELS),
)
def isolation_cmd(shell: Shell, args: Args) -> Outcome:
    holder = shell.transactional
    if not args.words:
        txn = shell.txn()
        if txn.state != "idle":
            return Outcome.message(f"this transaction: {txn.isolation}")
        if holder is None:
            return Outcome.message("engine mode: each statement runs in autocommit")
        return Outcome.message(f"next transaction: {holder.next_isolation or holder.default_isolation}")
    level = parse_isolation(args.words)
    holder, notes = shell.transaction_holder()
    holder.next_isolation = level
    return Outcome.message(*notes, f"the next transaction will be {level}")


@commands.add(
    "\\on-error-rollback",
    "[on|off]",
    "a savepoint before each statement in a transaction, so an error does not lose it",
)
def on_error_rollback_cmd(shell: Shell, args: Args) -> Outcome:
    shell.settings.on_error_rollback = args.switch(shell.settings.on_error_rollback, "\\on-error-rollback [on|off]")
    return Outcome.message(f"on-error-rollback is {'on' if shell.settings.on_error_rollback else 'off'}")
