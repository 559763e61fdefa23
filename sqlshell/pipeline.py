"""Run statements one after another: dispatch, render, report. The REPL and
scripts (stdin, ``-f``, ``-c``) share this; only the source of statements and
the end-of-input policy differ. The on-error policy lives here and nowhere else.

Meta-commands never write or run anything themselves: they return an
``Outcome`` (its text for stdout/stderr, the statements ``\\i``/``\\e`` hand
back), and this module writes it and runs them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from sqlshell import querysend
from sqlshell.conditionals import BadBoolean, Conditions, gate
from sqlshell.dispatch import dispatch_all
from sqlshell.errors import InputError, QuitRequested, UserError, describe_db_error, error_position, one_line
from sqlshell.exitstatus import ExitStatus
from sqlshell.openwork import Occasion, settle
from sqlshell.output.gfile import close_g_file, g_file
from sqlshell.output.render import RenderOptions, render
from sqlshell.results import Outcome, Script
from sqlshell.sqltext.split import Kind, Statement
from sqlshell.state import Shell


class NestedFailure(Exception):
    """A statement of a nested script (``\\i``, ``\\e``) failed and its error was
    shown; the meta-command that handed the script back fails without another
    line, so the outer script stops too under on-error stop, as in psql."""


class Pipeline:
    def __init__(self, shell: Shell, source: str | None = None) -> None:
        self.shell = shell
        self.failures = 0
        self.source = source  # the script's name (a file, "<stdin>"): error lines start FILE:LINE:
        self.on_statement: Callable[[], None] | None = None  # the progress line's tick
        self.conditions = Conditions()  # this input's \if stack

    def _gate(self, stmt: Statement) -> bool | None:
        """psql's conditionals: None runs the statement; else it was an ``\\if``-family
        command or a skipped statement, and this is its success."""
        try:
            return None if gate(self.conditions, stmt, self.shell.variables) else True
        except UserError as exc:
            # After a bad expression psql goes on (in a false branch); other errors fail.
            return self.fail(stmt, str(exc)) or isinstance(exc, BadBoolean)

    def end_of_input(self) -> None:
        """An ``\\if`` left open at the end of a script is an error, as in psql."""
        told = self.conditions.unterminated()
        if told:
            self.failures += 1
            self.shell.output.error(f"{self.source}: {told}" if self.source else told)
        self.conditions = Conditions()

    def execute(self, stmt: Statement, consume: Callable[[Outcome], object] | None = None, raw: bool = False) -> bool:
        """Run one statement and show its outcome (or hand it to ``consume``:
        ``\\gset``, ``\\gexec``); False if it failed. ``raw``: what ``\\gexec``
        runs (not the statement ``\\e`` edits)."""
        shell = self.shell
        gating = stmt.kind is Kind.META or not self.conditions.active or self.conditions.last_line
        if gating and (gated := self._gate(stmt)) is not None:
            return gated
        if (send := querysend.sender(stmt)) is not None:
            return send(self, stmt)
        started = time.perf_counter()
        if stmt.kind is Kind.SQL and not raw:
            shell.last_sql = stmt.text  # what \e edits, whether or not it works
        if shell.trace is not None:  # \trace on: the statement first, then the events it causes
            shell.trace.statement(stmt)
        ok, told, outcome, error = self._dispatch(stmt, consume)
        for line in shell.after_statement(error):  # the server's truth, success or failure
            shell.output.warn(line)
        if shell.single_transaction_ended and ok:
            ok = False  # -1: the rest of the script must not run outside its transaction
        ok = self._flush(stmt) and ok
        if not ok:
            self.failures += 1
        shell.story.record(shell, stmt, ok, outcome)  # \txn: O(1), and nothing outside a transaction
        if shell.settings.timing and stmt.kind is Kind.SQL:  # psql times statements, not meta-commands
            shell.output.timing(f"Time: {(time.perf_counter() - started) * 1000:.3f} ms")
        if not told:
            self._report_state(stmt, ok)
        return ok

    def _dispatch(
        self, stmt: Statement, consume: Callable[[Outcome], object] | None
    ) -> tuple[bool, bool, Outcome | None, BaseException | None]:
        """Run the statement and show what it produced; (ok, failure already
        told, the last outcome, the error). One error line for any failure."""
        out = self.shell.output
        opts = self.shell.settings.render_options()
        if stmt.terminator.startswith("\\gx"):
            opts = type(opts)(**{**opts.__dict__, "expanded": True})
        outcome: Outcome | None = None
        out.context = self.where(stmt)  # server notices say where they come from, as psql's do
        target = None  # \g FILE: this statement's results go to FILE, as in psql
        try:
            target = g_file(stmt, self.shell.variables)
            write = out.write if target is None else target.write
            for run in dispatch_all(stmt, self.shell):  # several results for a compound line
                with run as outcome:
                    self._show(outcome, opts, write, consume)
                if outcome.script is not None:
                    self._run_script(outcome.script)
                self._tell(outcome)
            target, closing = None, target
            close_g_file(closing, failed=False)
        except QuitRequested:
            raise
        except NestedFailure as exc:
            return False, True, outcome, exc  # the nested statement already said what failed
        except (UserError, InputError) as exc:  # InputError: a script \i reads
            out.error(f"{self.where(stmt)}{exc}")
            return False, False, outcome, exc
        except DBAPIError as exc:
            out.error(self._db_error(stmt, exc))
            return False, False, outcome, exc
        except SQLAlchemyError as exc:
            out.error(f"{self.where(stmt)}{one_line(str(exc))}")
            return False, False, outcome, exc
        except BrokenPipeError:
            raise  # nobody reads the output any more: the caller stops
        except (OSError, ValueError) as exc:  # a full \o file, an undecodable COPY …: this statement fails
            out.error(f"{self.where(stmt)}{type(exc).__name__}: {one_line(str(exc))}")
            return False, False, outcome, exc
        finally:
            out.context = ""
            close_g_file(target, failed=True)
        return True, False, outcome, None

    def _show(
        self,
        outcome: Outcome,
        opts: RenderOptions,
        write: Callable[[str], object],
        consume: Callable[[Outcome], object] | None,
    ) -> None:
        """Render an outcome (or hand it to ``consume``), then the text it
        carries for standard output and error, as it is."""
        out = self.shell.output
        try:
            if consume is None:
                render(outcome, opts, write)
            else:
                consume(outcome)
        finally:
            outcome.close()  # a half-read result lets go of its cursor before the connection does
        if outcome.stdout:
            out.verbatim(outcome.stdout)
        if outcome.stderr:
            out.verbatim(outcome.stderr, stderr=True)

    def _tell(self, outcome: Outcome) -> None:
        """The outcome's lines for the user: the server's, psql's answers, the shell's notes."""
        out = self.shell.output
        for line in outcome.warnings:
            out.server(line)
        for line in outcome.answer:
            out.answer(line)
        for line in outcome.notes:
            out.note(line)

    def _flush(self, stmt: Statement) -> bool:
        """The statement's results out of the buffers; False if they could not be written."""
        try:
            self.shell.output.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # \o to a full disk: the results did not arrive
            self.shell.output.error(f"{self.where(stmt)}cannot write the results: {exc.strerror or exc}")
            return False
        return True

    def _run_script(self, script: Script) -> None:
        """Run the statements a meta-command handed back (``\\i``, ``\\e``) exactly
        as the outer input runs: same shell, mode and transaction, same
        rendering and on-error policy. ``\\q`` inside it quits the shell
        (QuitRequested passes through). Raises NestedFailure when one of its
        statements failed."""
        shell = self.shell
        with script.scope:
            inner = Pipeline(shell, script.source)
            rest = iter(script.statements)
            for stmt in rest:
                if not inner.execute(stmt) and (shell.settings.on_error_stop or inner._single_transaction_gone()):
                    skipped = sum(1 for _ in rest)  # read, not run: say how much the error left out
                    if skipped:
                        name = script.source or "the script"
                        shell.output.note(f"{name}: {skipped} more {_plural(skipped)} not run after the error")
                    break
            else:
                inner.end_of_input()
        if inner.failures:
            raise NestedFailure

    def fail(self, stmt: Statement, message: str) -> bool:
        """Report a failure the shell itself found (not an exception); False."""
        self.failures += 1
        self.shell.output.error(f"{self.where(stmt)}{message}")
        return False

    def where(self, stmt: Statement, line: int = 0) -> str:
        """``FILE:LINE: `` in a script; elsewhere (``-c``, the prompt) ``line N: ``
        only for a statement of several lines, as psql names no line there."""
        line = line or stmt.line
        if self.source:
            return f"{self.source}:{line}: "
        return f"line {line}: " if line and "\n" in stmt.text.strip() else ""

    def _db_error(self, stmt: Statement, exc: DBAPIError) -> str:
        """The server's message, with where it points told once: the line in
        the prefix, the column after the message."""
        pos = error_position(exc, stmt.text)
        if pos is None:
            return self.where(stmt) + describe_db_error(exc)
        line = stmt.line + pos[0] if stmt.line else 0
        return f"{self.where(stmt, line)}{describe_db_error(exc)} (at column {pos[1]})"

    def _report_state(self, stmt: Statement, ok: bool) -> None:
        txn = self.shell.txn()
        out = self.shell.output
        if txn.state == "failed":
            if txn.lost:
                pass  # told once, when it was found (Shell.after_statement)
            elif self.shell.settings.single_transaction:
                pass  # -1: the script stops here and says the whole of it was rolled back
            elif not ok:
                out.warn("the transaction has failed: statements are refused until \\rollback (or ROLLBACK)")
        elif (
            txn.state == "open"
            and stmt.kind is Kind.SQL
            and (self.shell.settings.interactive or self.shell.settings.verbose)
        ):
            out.note(f"[{txn.summary()}]")  # for the terminal: a script's stderr stays for what went wrong

    def run(self, statements: Iterable[Statement]) -> ExitStatus:
        """Run a script's statements; stops at the first failure when on-error is stop."""
        if self.shell.settings.single_transaction:  # on PostgreSQL: runs of plain statements pipelined
            from sqlshell.executors.pgpipeline import batched

            statements = batched(self, statements)
        try:
            for stmt in statements:
                ok = self.execute(stmt)
                if self.on_statement is not None:
                    self.on_statement()
                if not ok and (self.shell.settings.on_error_stop or self._single_transaction_gone()):
                    break
            else:
                self.end_of_input()
        except QuitRequested:
            pass
        return ExitStatus.STATEMENT_FAILED if self.failures else ExitStatus.OK

    def _single_transaction_gone(self) -> bool:
        """-1 and the server ended the script's transaction: nothing after may run
        outside it, whatever --on-error says."""
        if not self.shell.single_transaction_ended:
            return False
        self.shell.output.error("--single-transaction: the script's transaction has ended, so the rest is not run")
        return True

    def finish_script(self) -> ExitStatus:
        """End of non-interactive input: nothing may stay open, and nothing is
        dropped without saying so (``openwork`` decides what happens to it)."""
        clean = settle(self.shell, Occasion.END_OF_INPUT, failures=self.failures)
        return ExitStatus.STATEMENT_FAILED if self.failures or not clean else ExitStatus.OK


def _plural(n: int) -> str:
    return "statement was" if n == 1 else "statements were"
