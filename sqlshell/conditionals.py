"""psql's ``\\if`` / ``\\elif`` / ``\\else`` / ``\\endif``: a stack of branch
states, checked before every statement runs.

The states are psql's (``conditional.h``): a branch is *active* (its
statements run), *false* (not taken yet: a later ``\\elif``/``\\else`` may
be), *done* (a branch of this block already ran, or the whole block sits in
a skipped branch: nothing more of it runs). Statements in a skipped branch
are not run and not even interpolated: their variables are never read.
An expression is read with psql's boolean rules (``parse_bool``); a bad one
is an error and the branch is taken as false, as psql does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlshell.errors import UserError
from sqlshell.sqltext import metaargs
from sqlshell.sqltext.split import Kind, Statement

NAMES = frozenset({"\\if", "\\elif", "\\else", "\\endif"})


class Branch(Enum):
    ACTIVE = "active"
    FALSE = "false"  # not taken yet
    DONE = "done"  # taken earlier, or inside a skipped branch


class BadBoolean(UserError):
    """An ``\\if``/``\\elif`` expression psql would not read as a boolean."""


def parse_bool(value: str, what: str) -> bool:
    """psql's ParseVariableBool: true/false/yes/no and their unambiguous
    prefixes, on/off (at least two letters), 1/0, in any case."""
    low = value.lower()
    n = len(low)
    if (n and "true".startswith(low)) or (n and "yes".startswith(low)):
        return True
    if (n and "false".startswith(low)) or (n and "no".startswith(low)):
        return False
    if n >= 2 and "on".startswith(low):
        return True
    if n >= 2 and "off".startswith(low):
        return False
    if low == "1":
        return True
    if low == "0":
        return False
    raise BadBoolean(f'unrecognized value "{value}" for "{what}": Boolean expected')


@dataclass
class _Frame:
    branch: Branch
    seen_else: bool = False


@dataclass
class Conditions:
    """One input's ``\\if`` stack (each script file has its own, as in psql)."""

    frames: list[_Frame] = field(default_factory=list)
    # Input line of the last conditional command since the last SQL statement: an SQL
    # statement that starts before it had the command inside it (see ``gate``).
    last_line: int = 0

    @property
    def active(self) -> bool:
        return not self.frames or self.frames[-1].branch is Branch.ACTIVE

    def apply(self, name: str, expression: str | None) -> None:
        """Run one conditional command. ``expression`` is the interpolated
        argument text of ``\\if``/``\\elif``, read only when needed (None when
        the command is not evaluated). Raises UserError as psql complains."""
        if name == "\\if":
            if not self.active:
                self.frames.append(_Frame(Branch.DONE))
                return
            self.frames.append(_Frame(Branch.FALSE))
            self.frames[-1].branch = Branch.ACTIVE if parse_bool(expression or "", "\\if expression") else Branch.FALSE
            return
        if not self.frames:
            raise UserError(f"{name}: no matching \\if")
        top = self.frames[-1]
        if name == "\\endif":
            self.frames.pop()
            return
        if top.seen_else:
            raise UserError(f"{name}: cannot occur after \\else")
        if name == "\\else":
            top.seen_else = True
            top.branch = Branch.ACTIVE if top.branch is Branch.FALSE else Branch.DONE
            return
        # \elif
        if top.branch is Branch.FALSE:
            top.branch = Branch.ACTIVE if parse_bool(expression or "", "\\elif expression") else Branch.FALSE
        else:
            top.branch = Branch.DONE

    def needs_expression(self, name: str) -> bool:
        """Is this command's expression evaluated (and so interpolated)?"""
        if name == "\\if":
            return self.active
        return name == "\\elif" and bool(self.frames) and self.frames[-1].branch is Branch.FALSE

    def unterminated(self) -> str | None:
        """What to say at the end of the input when an ``\\if`` is still open."""
        return "reached EOF without finding closing \\endif(s)" if self.frames else None


def gate(conditions: Conditions, stmt: Statement, variables: dict[str, str]) -> bool:
    """Should the pipeline run ``stmt``? Conditional commands are applied here
    (False: nothing more to run), and a skipped branch's statements are dropped
    unread. Raises UserError (BadBoolean for a bad expression) as psql complains."""
    if stmt.kind is Kind.META:
        name, raw = metaargs.split_meta(stmt.text)
        if name in NAMES:
            conditions.last_line = stmt.line
            expression = None
            if conditions.needs_expression(name):
                expression = " ".join(metaargs.words(raw, variables))
            conditions.apply(name, expression)
            return False
    elif conditions.last_line:
        # The splitter hands out the meta-command lines met inside a statement before
        # the statement (without them): psql would keep only the taken branch's text.
        inside, conditions.last_line = conditions.last_line > stmt.line, 0
        if inside:
            raise UserError(
                "a statement with \\if/\\elif/\\else/\\endif lines inside it is not supported; it was not run",
                "end the statement inside each branch",
            )
    return conditions.active
