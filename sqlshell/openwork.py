"""What happens to open work when the shell is about to lose it.

Open work is an open transaction, staged or flushed ORM objects, or
``--single-transaction``'s script transaction. Five occasions can lose it:
the end of a script (stdin, ``-f``, ``-c``, or ``\\q`` in one), quitting the
REPL (``\\q``, Ctrl-D), a mode switch, ``\\connect``, and a run that stops
abnormally (output closed, unreadable input, an internal error). ``decide``
is the one table of what each occasion does; ``settle`` carries it out and
is what every caller uses, so the policy cannot drift between them.

The shell is read through ``Holding``, a protocol, so this module sits below
``state`` (which calls it for its own guard) and needs nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, StrEnum, auto
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from sqlshell.errors import OpenWork

if TYPE_CHECKING:
    from sqlshell.output.streams import Output
    from sqlshell.results import Outcome
    from sqlshell.settings import Settings

__all__ = ["Action", "Holding", "Occasion", "OpenWork", "Work", "decide", "settle"]


class Occasion(StrEnum):
    END_OF_INPUT = "end of input"  # a script, -c or stdin ran out, or \q in one
    QUIT = "quit"  # the REPL: \q, Ctrl-D, "quit"
    MODE_SWITCH = "mode switch"  # \mode, --mode
    RECONNECT = "reconnect"  # \connect
    ABORT = "abort"  # the run stops abnormally: output closed, unreadable input, internal error


class Action(Enum):
    GO_ON = auto()  # nothing is lost: go ahead
    REFUSE = auto()  # raise OpenWork: the user commits or rolls back first
    REFUSE_SINGLE = auto()  # the same, inside --single-transaction's transaction
    ASK = auto()  # the REPL asks: commit, roll back, or stay
    COMMIT_SCRIPT = auto()  # -1: commit the whole script
    ROLL_BACK_SCRIPT = auto()  # -1 and a statement failed: roll all of it back
    DISCARD = auto()  # roll back what is open and say so


def decide(occasion: Occasion, work: Work, settings: Settings, failures: int = 0) -> tuple[Action, ...]:
    """The policy, as a table: what ``occasion`` does to ``work``, in order.
    ``failures``: the failed statements of the script (END_OF_INPUT)."""
    if occasion is Occasion.END_OF_INPUT:
        open_now = work.in_transaction or work.what is not None
        if not (settings.single_transaction and open_now):
            return (Action.DISCARD,)
        # psql's -1: a failure rolls everything back, unless the script went on past it
        # (--on-error continue) with --on-error-rollback keeping the transaction alive.
        failed = failures > 0 and (settings.on_error_stop or not settings.on_error_rollback)
        return (Action.ROLL_BACK_SCRIPT if failed else Action.COMMIT_SCRIPT, Action.DISCARD)
    if occasion is Occasion.ABORT:
        return (Action.DISCARD,)
    if occasion is Occasion.QUIT:
        return (Action.ASK,) if work.what is not None else (Action.GO_ON,)
    if settings.single_transaction and work.in_transaction:  # MODE_SWITCH, RECONNECT
        return (Action.REFUSE_SINGLE,)
    return (Action.REFUSE,) if work.what is not None else (Action.GO_ON,)


class _Holder(Protocol):
    @property
    def in_transaction(self) -> bool: ...

    def open_work(self) -> str | None: ...

    def commit(self) -> Outcome: ...

    def rollback(self) -> Outcome: ...


class _Txn(Protocol):
    @property
    def state(self) -> str: ...


class Holding(Protocol):
    """What ``settle`` reads and does of the Shell."""

    settings: Settings
    output: Output

    @property
    def transactional(self) -> _Holder | None: ...

    def txn(self) -> _Txn: ...

    def discard_open_work(self) -> list[str]: ...


class Work:
    """What the current mode holds open, asked of its holder only when the
    policy needs it (asking can mean reading a connection that is gone)."""

    def __init__(self, holder: _Holder | None) -> None:
        self._holder = holder

    @cached_property
    def what(self) -> str | None:
        """The holder's own words ("2 new, 0 changed, 0 deleted objects staged"), or None."""
        return self._holder.open_work() if self._holder is not None else None

    @cached_property
    def in_transaction(self) -> bool:
        return self._holder is not None and self._holder.in_transaction


Ask = Callable[[str], str]  # a question → the user's answer ("" for none)


def settle(
    shell: Holding,
    occasion: Occasion,
    *,
    failures: int = 0,
    ask: Ask | None = None,
    doing: str = "",
    cause: str = "",
) -> bool:
    """Carry out ``decide`` for the current mode's work. True: the caller goes
    on (quits, switches, connects; a script ends cleanly). False: the user
    chose to stay (QUIT), or work was lost or could not be committed
    (END_OF_INPUT: exit 1; ABORT). Raises OpenWork when a switch or \\connect would
    drop work; ``doing`` names it ("leave session mode"). ``cause`` prefixes
    what ABORT tells ("output closed; ")."""
    holder = shell.transactional
    work = Work(holder)
    ok = True
    for action in decide(occasion, work, shell.settings, failures):
        if action is Action.REFUSE_SINGLE:
            raise OpenWork(
                f"cannot {doing} with --single-transaction", "the whole script runs in one transaction, in this mode"
            )
        if action is Action.REFUSE:
            raise OpenWork(f"cannot {doing}: {work.what}", "\\commit or \\rollback first")
        if action is Action.ASK:
            assert ask is not None and holder is not None and work.what is not None, "QUIT asks at the prompt"
            ok = _ask(shell, holder, work.what, ask)
        elif action is Action.ROLL_BACK_SCRIPT and holder is not None:
            holder.rollback()
            shell.output.error(
                "--single-transaction: a statement failed, so the whole script was rolled back; nothing was changed"
            )
            ok = False
        elif action is Action.COMMIT_SCRIPT and holder is not None:
            ok = _commit_script(shell, holder)
        elif action is Action.DISCARD:
            ok = _discard(shell, occasion, cause) and ok
    return ok


def _commit_script(shell: Holding, holder: _Holder) -> bool:
    """--single-transaction: commit the whole script, and say what went wrong.
    False when nothing could be committed."""
    from sqlalchemy.exc import DBAPIError

    from sqlshell.errors import describe_db_error

    try:
        outcome = holder.commit()
    except DBAPIError as exc:
        shell.discard_open_work()
        shell.output.error(f"--single-transaction: COMMIT failed, nothing was changed: {describe_db_error(exc)}")
        return False
    for line in outcome.warnings:
        shell.output.error(line)
    return outcome.tag == "COMMIT"


def _discard(shell: Holding, occasion: Occasion, cause: str) -> bool:
    """Roll back what is open and tell each thing lost; False if anything was."""
    told = shell.discard_open_work()
    prefix = "end of input: " if occasion is Occasion.END_OF_INPUT else f"sqlshell: {cause}"
    for line in told:
        shell.output.error(prefix + line)
    return not told


def _ask(shell: Holding, holder: _Holder, work: str, ask: Ask) -> bool:
    """Never drop open work silently at the prompt: commit, roll back, or stay."""
    out = shell.output
    failed = shell.txn().state == "failed"  # nothing to commit: only roll back or stay
    question = f"{work}: {'' if failed else '[c]ommit, '}[r]ollback, or [s]tay? "
    while True:
        answer = ask(question).strip().lower() or "s"
        if answer in ("c", "commit") and failed:
            out.note("the transaction has failed: it can only be rolled back")
        elif answer in ("c", "commit"):
            return _commit_and_quit(shell, holder)
        elif answer in ("r", "rollback"):
            for line in shell.discard_open_work():
                out.note(line)
            out.note("ROLLBACK")
            return True
        elif answer in ("s", "stay"):
            out.note("still here; the work stays open")
            return False


def _commit_and_quit(shell: Holding, holder: _Holder) -> bool:
    from sqlalchemy.exc import DBAPIError

    from sqlshell.errors import describe_db_error

    out = shell.output
    try:
        outcome = holder.commit()
    except DBAPIError as exc:
        out.error(describe_db_error(exc))
        out.note("still here: the commit failed")
        return False
    for line in outcome.warnings:
        out.warn(line)
    out.note(str(outcome.tag))
    return True
