"""What ``\\objects`` shows: every object the session holds, in the state
``sqlalchemy.inspect()`` gives it, without loading anything (an expired
attribute stays expired: looking must not change what is seen).

The session knows its pending objects (``session.new``), the persistent ones
(the identity map, ``session.deleted`` among them) and, until the
transaction ends, the objects a flush deleted (the session executor keeps
the states its flushes sent).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import InstanceState

from sqlshell.executors.orm import table_of
from sqlshell.values_input import sql_literal


def _key(state: InstanceState[Any]) -> str:
    if state.identity is None:
        return ""
    columns = state.mapper.primary_key
    return ", ".join(f"{c.name}={sql_literal(v)}" for c, v in zip(columns, state.identity, strict=True))


def _loaded_values(state: InstanceState[Any]) -> str:
    """The column values in the object's __dict__ (never loads an expired one)."""
    parts = []
    for prop in state.mapper.column_attrs:
        if prop.key in state.dict:
            parts.append(f"{prop.columns[0].name}={sql_literal(state.dict[prop.key])}")
    return ", ".join(parts)


def _changes(state: InstanceState[Any]) -> str:
    parts = []
    for prop in state.mapper.column_attrs:
        history = state.attrs[prop.key].history  # passive: nothing is loaded
        if history.has_changes():
            old = sql_literal(history.deleted[0]) if history.deleted else "(not loaded)"
            new = sql_literal(history.added[0]) if history.added else "null"
            parts.append(f"{prop.columns[0].name}: {old} → {new}")
    return ", ".join(parts)


def _expired(state: InstanceState[Any]) -> str:
    expired = state.expired_attributes
    if not expired:
        return "no"
    columns = {prop.key for prop in state.mapper.column_attrs}
    if columns <= expired:
        return "all: the next access reloads them"
    return ", ".join(sorted(expired))


def _describe(state: InstanceState[Any], session: Any, flushed: set[Any]) -> tuple[str, str]:
    """The state words and the values (or changes) to show."""
    if state.transient:
        return "transient", _loaded_values(state)
    if state.pending:
        return "pending (INSERT at the next flush)", _loaded_values(state)
    if state.deleted or state.was_deleted:
        return "deleted (flushed DELETE, gone at COMMIT)", ""
    if state.detached:
        return "detached", _loaded_values(state)
    obj = state.obj()
    if obj is not None and obj in session.deleted:
        return "persistent, marked for deletion (DELETE at the next flush)", ""
    if obj is not None and state.modified and session.is_modified(obj):
        return "persistent dirty (UPDATE at the next flush)", _changes(state)
    if state in flushed:
        return "persistent clean (flushed, not yet committed)", _loaded_values(state)
    return "persistent clean", _loaded_values(state)


def object_rows(executor: Any) -> list[tuple[str, str, str, str, str]]:
    """One row per object, pending first, then in identity-map order."""
    session = executor.session
    states: list[InstanceState[Any]] = sorted((inspect(obj) for obj in session.new), key=lambda s: s.insert_order or 0)
    seen = {id(s) for s in states}
    for state in session.identity_map.all_states():
        if id(state) not in seen:
            states.append(state)
            seen.add(id(state))
    flushed = set(getattr(executor, "flushed", ()))
    for state in flushed:  # flushed deletes left the identity map
        if id(state) not in seen and (state.deleted or state.was_deleted):
            states.append(state)
            seen.add(id(state))
    rows = []
    for state in states:
        words, values = _describe(state, session, flushed)
        rows.append((words, table_of(state.class_).name, _key(state), values, _expired(state)))
    return rows
