"""Session-mode meta-commands. Each is one Session call on a mapped object:
``\\add`` → ``session.add()``, ``\\get`` → ``session.get()`` (the identity map
first), ``\\change`` → setting attributes, ``\\remove`` → ``session.delete()``,
``\\flush`` → ``session.flush()``. What they show comes from SQLAlchemy too:
``session.new``/``dirty``/``deleted`` and each attribute's history."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column as SAColumn
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from sqlshell.commands.registry import Args, CommandSet, Handler
from sqlshell.errors import UserError, one_line
from sqlshell.results import Column, Outcome
from sqlshell.values_input import (
    Literal,
    coerce,
    find_column,
    parse_assignments,
    parse_values,
    split_leading,
    split_name,
    sql_literal,
)

if TYPE_CHECKING:
    from sqlalchemy import Table

    from sqlshell.executors.session import SessionExecutor
    from sqlshell.state import Shell


def attribute(cls: type, column: Any) -> str:
    """The attribute a column is mapped to. sqlalchemy.orm is imported here, at
    first use: scripts that never enter session mode do not pay for it."""
    from sqlshell.executors.orm import attribute as mapped_attribute

    return mapped_attribute(cls, column)


def _table_of(cls: type) -> Table:
    from sqlshell.executors.orm import table_of  # at first use, as above

    return table_of(cls)


commands = CommandSet("Session")


def _followed(fn: Handler) -> Handler:
    """Session commands that may use the connection: afterwards, success or
    failure, the shell reads where the server's transaction stands and follows
    it (``SessionExecutor.follow``). An unexpected error is one line, and the
    shell goes on with the session's work kept: it never ends the REPL."""

    @functools.wraps(fn)
    def run(shell: Shell, args: Args) -> Outcome:
        follow = getattr(shell.session, "follow", None) if shell.transactional is shell.session else None
        try:
            return follow(lambda: fn(shell, args)) if follow is not None else fn(shell, args)
        except (UserError, SQLAlchemyError):
            raise
        except Exception as exc:
            what = f"{type(exc).__name__}: {one_line(str(exc))}"
            raise UserError(f"the command failed ({what})", "the session and its work are kept") from exc

    return run


def _executor(shell: Shell, what: str, usable: bool = True) -> SessionExecutor:
    """The session executor; ``usable``: refuse while a failed flush awaits \\rollback."""
    from sqlshell.executors.session import SessionExecutor

    if not isinstance(shell.session, SessionExecutor) or shell.transactional is not shell.session:
        raise UserError(f"{what} works in session mode", "\\mode session first")
    if usable:
        shell.session.require_usable()
    return shell.session


def _table(ex: SessionExecutor, raw: str, usage: str) -> tuple[type, str]:
    """The mapped class named first in ``raw``, and the text after the name."""
    name, rest = split_name(raw)
    if not name:
        raise UserError("which table?", f"usage: {usage}")
    return ex.tables.mapped(name), rest


def _key(ex: SessionExecutor, cls: type, lits: list[Literal], usage: str) -> tuple[Any, ...]:
    columns = list(_table_of(cls).primary_key)  # the order _load zips the key with
    if len(lits) != len(columns):
        names = ", ".join(c.name for c in columns)
        raise UserError(
            f"the primary key of {_table_of(cls).name} is ({names}): give {len(columns)} value(s)",
            f"usage: {usage}",
        )
    return tuple(coerce(c, lit, ex.tables.caster) for c, lit in zip(columns, lits, strict=True))


def _values(ex: SessionExecutor, cls: type, raw: str) -> dict[SAColumn[Any], Any]:
    """``col=value …`` as {column: coerced value}, checked before anything is
    staged. Keyed by the Column: automap maps some names under another key
    (``metadata`` → ``metadata_``), so a name is never looked up twice."""
    table, out = _table_of(cls), {}
    for name, lit in parse_assignments(raw):
        column = find_column(table, name)
        if column in out:
            raise UserError(f"{column.name} is given twice")
        out[column] = coerce(column, lit, ex.tables.caster)
    return out


def _set(obj: Any, values: dict[SAColumn[Any], Any]) -> None:
    for column, value in values.items():
        setattr(obj, attribute(type(obj), column), value)


def _require_values(cls: type, values: dict[SAColumn[Any], Any]) -> None:
    """A new object has no second chance to get a value (a pending object has no
    key \\change could name), and a failed flush loses all staged work: so the
    columns the database would refuse as null are asked for now."""
    table = _table_of(cls)
    missing = [
        c.name
        for c in table.c
        if c not in values
        and not c.nullable
        and c.default is None
        and c.server_default is None
        and c.identity is None
        and c.computed is None
        and c is not table.autoincrement_column
    ]
    if missing:
        given = ", ".join(f"{name}=…" for name in missing)
        raise UserError(f"{table.name} needs a value for {', '.join(missing)} (NOT NULL, no default)", f"add {given}")


def _load(ex: SessionExecutor, cls: type, key: tuple[Any, ...]) -> tuple[Any, list[str]]:
    """``session.get()``: the identity map first, else one SELECT; returns the SQL sent."""
    with ex.capturing() as sql:
        obj = ex.session.get(cls, key)
    if obj is None:
        table = _table_of(cls)
        where = ", ".join(f"{c.name}={sql_literal(v)}" for c, v in zip(table.primary_key, key, strict=True))
        raise UserError(f"{table.name} has no row with {where}")
    return obj, sql


def _selects(sql: list[str]) -> str:
    n = sum(1 for line in sql if line.startswith("SELECT"))
    return f"{n} SELECT" + ("s" if n != 1 else "")


# -- describing objects -------------------------------------------------------------


def _name(obj: Any) -> str:
    return _table_of(type(obj)).name


def _key_text(obj: Any) -> str:
    state = inspect(obj)
    if state.identity is None:
        return ""
    columns = state.mapper.primary_key
    return ", ".join(f"{c.name}={sql_literal(v)}" for c, v in zip(columns, state.identity, strict=True))


def _values_text(obj: Any, every_column: bool) -> str:
    """The values set on a new object, or (after a flush) all of them, defaults included."""
    state, parts = inspect(obj), []
    for column in state.mapper.local_table.c:
        key = attribute(state.class_, column)
        if every_column or key in state.dict:
            parts.append(f"{column.name}={sql_literal(getattr(obj, key))}")
    return ", ".join(parts)


def _changes_text(obj: Any) -> str:
    state, parts = inspect(obj), []
    for column in state.mapper.local_table.c:
        history = state.attrs[attribute(state.class_, column)].history
        if history.has_changes():
            old = sql_literal(history.deleted[0]) if history.deleted else "(not loaded)"
            new = sql_literal(history.added[0]) if history.added else "null"
            parts.append(f"{column.name}: {old} → {new}")
    return ", ".join(parts)


def _staged(ex: SessionExecutor) -> tuple[list[Any], list[Any], list[Any]]:
    s = ex.session
    new = sorted(s.new, key=lambda obj: inspect(obj).insert_order or 0)
    return new, [obj for obj in s.dirty if s.is_modified(obj)], list(s.deleted)


def _row(obj: Any, what: str, values: str) -> tuple[str, str, str, str]:
    return (what, _name(obj), _key_text(obj), values)


HEADERS = ["object", "table", "key", "values"]


# -- commands -----------------------------------------------------------------------


@commands.add("\\add", "TABLE col=value …", "stage a new object (session.add): nothing is sent until \\flush")
@_followed
def add_cmd(shell: Shell, args: Args) -> Outcome:
    ex = _executor(shell, "\\add")
    cls, rest = _table(ex, args.raw, "\\add TABLE col=value …")
    values = _values(ex, cls, rest)
    _require_values(cls, values)
    obj = cls()
    _set(obj, values)
    ex.session.add(obj)
    return Outcome.message(f"staged new {_name(obj)}: {_values_text(obj, False) or 'all defaults'}")


@commands.add("\\get", "TABLE KEY …", "load one object by primary key into the identity map and show it")
@_followed
def get_cmd(shell: Shell, args: Args) -> Outcome:
    ex = _executor(shell, "\\get")
    cls, rest = _table(ex, args.raw, "\\get TABLE KEY …")
    obj, sql = _load(ex, cls, _key(ex, cls, parse_values(rest), "\\get TABLE KEY …"))
    columns = list(_table_of(cls).c)
    row = tuple(getattr(obj, attribute(cls, c)) for c in columns)
    notes = ["from the identity map: no SQL sent" if not sql else f"loaded from the database ({_selects(sql)})"]
    if obj in ex.session.deleted:
        notes.append("it is staged for deletion")
    elif ex.session.is_modified(obj):
        notes.append(f"with staged changes: {_changes_text(obj)}")
    # The tag (never printed after rows) puts the load in \\txn's story when it sent SQL.
    tag = "SELECT 1" if sql else None
    return Outcome(columns=[Column(c.name) for c in columns], batches=[[row]], footer=False, notes=notes, tag=tag)


@commands.add("\\change", "TABLE KEY … col=value …", "change an object (loaded first if needed): staged as dirty")
@_followed
def change_cmd(shell: Shell, args: Args) -> Outcome:
    usage = "\\change TABLE KEY … col=value …"
    ex = _executor(shell, "\\change")
    cls, rest = _table(ex, args.raw, usage)
    lits, rest = split_leading(rest, len(_table_of(cls).primary_key))
    key, values = _key(ex, cls, lits, usage), _values(ex, cls, rest)
    if not values:
        raise UserError("nothing to change", f"usage: {usage}")
    obj, _ = _load(ex, cls, key)
    _set(obj, values)
    if not ex.session.is_modified(obj):
        return Outcome.message(f"no change: {_name(obj)} {_key_text(obj)} already has these values")
    return Outcome.message(f"staged change of {_name(obj)} {_key_text(obj)}: {_changes_text(obj)}")


@commands.add("\\remove", "TABLE KEY …", "mark an object for deletion (session.delete)")
@_followed
def remove_cmd(shell: Shell, args: Args) -> Outcome:
    ex = _executor(shell, "\\remove")
    cls, rest = _table(ex, args.raw, "\\remove TABLE KEY …")
    obj, _ = _load(ex, cls, _key(ex, cls, parse_values(rest), "\\remove TABLE KEY …"))
    ex.session.delete(obj)
    return Outcome.message(f"staged deletion of {_name(obj)} {_key_text(obj)}")


@commands.add("\\staged", "", "what the session holds: new, changed (old → new) and deleted objects")
@_followed
def staged_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\staged")
    ex = _executor(shell, "\\staged", usable=False)
    new, changed, deleted = _staged(ex)
    rows = [_row(o, "new", _values_text(o, False)) for o in new]
    rows += [_row(o, "changed", _changes_text(o)) for o in changed]
    rows += [_row(o, "deleted", "") for o in deleted]
    notes = [f"{len(ex.flushed)} object(s) flushed but not committed"] if ex.flushed else []
    if not rows:
        return Outcome.message("nothing is staged", *notes)
    return Outcome(columns=[Column(h, numeric=False) for h in HEADERS], batches=[rows], footer=False, notes=notes)


@commands.add("\\flush", "", "send the staged objects in the session's transaction and show the SQL it took")
@_followed
def flush_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\flush")
    ex = _executor(shell, "\\flush")
    new, changed, deleted = _staged(ex)
    before = [_row(o, "updated", _changes_text(o)) for o in changed] + [_row(o, "deleted", "") for o in deleted]
    sql = ex.flush()
    if not new and not before:
        return Outcome.message("nothing to flush")
    rows = [_row(o, "inserted", _values_text(o, True)) for o in new] + before
    return Outcome(
        raw=["".join(line + "\n" for line in sql) + "\n"],  # the SQL it took, before the table
        columns=[Column(h, numeric=False) for h in HEADERS],
        batches=[rows],
        footer=False,
        notes=["flushed inside the session's transaction: \\commit keeps it, \\rollback undoes it"],
    )


@commands.add("\\refresh", "", "reflect the tables again (after DDL the shell does it by itself)")
@_followed
def refresh_cmd(shell: Shell, args: Args) -> Outcome:
    args.at_most(0, "\\refresh")
    mapped, unmappable, caught = _executor(shell, "\\refresh").refresh()
    notes = [f"mapped {len(mapped)} table(s): {', '.join(mapped) or 'none'}"]
    if unmappable:
        notes.append(f"without a primary key, not mapped: {', '.join(unmappable)}")
    return Outcome.message(*notes, *caught)


@commands.add("\\autoflush", "[on|off]", "flush staged objects before every SQL statement in session mode")
def autoflush_cmd(shell: Shell, args: Args) -> Outcome:
    ex = _executor(shell, "\\autoflush", usable=False)
    ex.autoflush = args.switch(ex.autoflush, "\\autoflush [on|off]")
    if ex.autoflush:
        return Outcome.message("autoflush is on: staged objects are flushed before each SQL statement")
    return Outcome.message("autoflush is off: SQL statements do not see staged objects until \\flush")
