"""What session mode needs around its Session: mapped classes, objects kept
alive, and the SQL a flush sends, captured.

Mapped classes are made by ``sqlalchemy.ext.automap``. A table is reflected
the first time a command names it (a database with thousands of tables costs
nothing until used); ``\\refresh`` and DDL start afresh. Automap is asked
for no relationships: the shell stages rows, and a relationship would add
UPDATEs and cascades the user did not ask for. Two gaps of automap are
filled: an association table (all columns foreign keys) is mapped like any
table with a primary key, and a column named like a reserved declarative
attribute (``metadata``) is mapped under ``metadata_``.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Connection, Table, cast, event, inspect, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SAWarning, SQLAlchemyError
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import Session, class_mapper

from sqlshell.database import Database
from sqlshell.errors import UserError, driver_error, one_line
from sqlshell.output import echo

_RESERVED = frozenset({"metadata", "registry"})
NO_PK_HINT = "use plain SQL for it, or give it a primary key"


def _no_relationship(*args: Any, **kwargs: Any) -> None:
    return None


def _safe_key(inspector: Any, table: Table, column_info: dict[str, Any]) -> None:
    name = column_info["name"]
    if name in _RESERVED or name.startswith("_sa_"):
        column_info["key"] = name + "_"


def _class_name(base: Any, tablename: str, table: Table) -> str:
    """A table of another schema is mapped as ``schema.table``, apart from the default schema's."""
    return f"{table.schema}.{tablename}" if table.schema else tablename


class Tables:
    """Table name → mapped class, reflected through ``connect()``'s connection."""

    def __init__(self, db: Database, session: Session, in_transaction: Callable[[], bool]) -> None:
        self.db, self.session, self._in_transaction = db, session, in_transaction
        self.reset()

    @property
    def caster(self) -> Callable[[str, Any], Any] | None:
        """The database's own reading of typed text (PostgreSQL: interval, inet, arrays …)."""
        return functools.partial(cast_by_database, self.db) if self.db.is_postgres else None

    def reset(self) -> None:
        """Forget every mapping; the next use reflects again."""
        self.base: Any = automap_base()
        event.listen(self.base.metadata, "column_reflect", _safe_key)
        self.classes: dict[str, type] = {}

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """The session's connection once its transaction holds one: uncommitted DDL
        is visible only there, and its locks would block a second connection.
        Otherwise a short-lived one, so reflecting begins no transaction."""
        if self._in_transaction():
            yield self.session.connection()
            return
        with self.db.engine.connect() as conn:
            yield conn

    def mapped(self, name: str) -> type:
        """The class for table ``name``, or one clear line why there is none."""
        cls = self.classes.get(name)
        if cls is not None:
            return cls
        schema, _dot, table = name.rpartition(".")  # sales.orders: a table of another schema
        with self.connect() as conn:
            real = self._resolve(table, conn, schema or None)
            real = f"{schema}.{real}" if schema else real
            if real not in self.classes:
                self._prepare(conn, [real])
        cls = self.classes.get(real)
        if cls is None:
            raise UserError(f"table {real} has no primary key, so the ORM cannot map it", NO_PK_HINT)
        return cls

    def reflect_all(self) -> tuple[list[str], list[str], list[str]]:
        """``\\refresh``: every table now; returns mapped, unmappable, warnings."""
        self.reset()
        with self.connect() as conn:
            caught = self._prepare(conn, None)
        tables = [t for t in self.base.metadata.tables.values() if t.schema is None]
        return sorted(self.classes), sorted(t.name for t in tables if not t.primary_key), caught

    def _resolve(self, name: str, conn: Connection, schema: str | None = None) -> str:
        with echo.reflecting(conn.engine, lambda: "read the table names"):
            names = inspect(conn).get_table_names(schema)
        if name in names:
            return name
        matches = [n for n in names if n.lower() == name.lower()]
        if len(matches) == 1:
            return matches[0]
        shown = ", ".join(sorted(names)[:10]) + (", …" if len(names) > 10 else "")
        raise UserError(f"there is no table {name!r}", f"tables: {shown}" if names else "the database has no tables")

    def _prepare(self, conn: Connection, only: list[str] | None) -> list[str]:
        """Reflect (all, or ``only`` and the tables they refer to) and map; returns warnings."""

        def summary() -> str:
            n = len(self.base.metadata.tables)
            return f"reflected {n} table{'' if n == 1 else 's'}"

        with warnings.catch_warnings(record=True) as caught, echo.reflecting(conn.engine, summary):
            warnings.simplefilter("always")
            schema = only[0].rpartition(".")[0] or None if only else None
            try:
                self.base.prepare(
                    autoload_with=conn,
                    schema=schema,
                    reflection_options={"only": [only[0].rpartition(".")[2]]} if only else {},
                    generate_relationship=_no_relationship,
                    classname_for_table=_class_name,
                )
                self.classes.update(self.base.classes.items())
                self._map_association_tables()
                for table in self.base.metadata.tables.values():
                    for column in table.primary_key:
                        # A key is never null (SQLite's INTEGER PRIMARY KEY reflects as nullable);
                        # the unit of work's batched INSERT … RETURNING relies on knowing it.
                        column.nullable = False
            except SQLAlchemyError as exc:
                what = only[0] if only else "the tables"
                raise UserError(f"cannot map {what}: {one_line(str(exc))}") from exc
        return [one_line(str(w.message)) for w in caught]

    def _map_association_tables(self) -> None:
        """Automap keeps tables whose columns are all foreign keys for many-to-many
        relationships and maps no class for them; with a primary key, map one."""
        left = [
            t
            for t in self.base.metadata.tables.values()
            if t.primary_key and t.schema is None and t.name not in self.classes
        ]
        for table in left:
            self.classes[table.name] = type(table.name, (self.base,), {"__table__": table})
        if left:
            self.base.prepare()


def cast_by_database(db: Database, text: str, type_: Any) -> Any:
    """``CAST('82 minutes' AS INTERVAL)`` on a short-lived autocommit connection,
    so a value that does not fit cannot break the session's transaction."""
    with db.engine.connect() as conn:
        try:
            value = conn.execute(select(cast(literal(text), type_))).scalar_one()
        except DBAPIError as exc:
            diag = getattr(driver_error(exc), "diag", None)
            raise ValueError(diag.message_primary if diag else one_line(str(driver_error(exc)))) from exc
        conn.commit()  # ends SQLAlchemy's bookkeeping; AUTOCOMMIT has nothing to commit
    return value


def attribute(cls: type, column: Column[Any]) -> str:
    """The attribute the column is mapped to (its name, unless reserved)."""
    return class_mapper(cls).get_property_by_column(column).key


def table_of(cls: type) -> Table:
    """The Table a class maps: automap maps each class to exactly one, though
    the mapper types it as any FROM clause."""
    table = class_mapper(cls).local_table
    assert isinstance(table, Table), table
    return table


# -- the session's plumbing -----------------------------------------------------------


def keep_alive(session: Session) -> None:
    """The identity map holds objects weakly: a loaded object nobody refers to is
    gone, and the next \\get would SELECT again. The shell is the user's
    reference, so it keeps each persistent object alive while it is in the
    session (SQLAlchemy's "strong reference" recipe, with lifecycle events)."""
    refs: set[Any] = set()
    session.info["refs"] = refs
    for name in ("pending_to_persistent", "deleted_to_persistent", "detached_to_persistent", "loaded_as_persistent"):
        event.listen(session, name, lambda session, obj: refs.add(obj))
    for name in ("persistent_to_detached", "persistent_to_deleted", "persistent_to_transient"):
        event.listen(session, name, lambda session, obj: refs.discard(obj))


class StatementRecorder:
    """The SQL the engine sends while ``recording()``, with its parameters, from a
    ``before_cursor_execute`` listener: exactly what the unit of work emitted,
    whether or not echo is on. SQLAlchemy's warnings become one line each."""

    MAX_PARAMS = 500  # characters of parameters shown per statement

    def __init__(self, engine: Engine, warn: Callable[[str], None]) -> None:
        self.engine, self.warn = engine, warn
        self._lines: list[str] | None = None
        self._listener = self._capture  # the same object for listen and remove
        event.listen(engine, "before_cursor_execute", self._listener)

    def close(self) -> None:
        if event.contains(self.engine, "before_cursor_execute", self._listener):
            event.remove(self.engine, "before_cursor_execute", self._listener)

    def _capture(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if self._lines is None:
            return
        text = statement.strip() + ";"
        if params:
            shown = repr(params)
            shown = shown if len(shown) <= self.MAX_PARAMS else shown[: self.MAX_PARAMS] + "…"
            text += f"\n-- {'parameters (each row)' if many else 'parameters'}: {shown}"
        self._lines.append(text)

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        self._lines = lines = list[str]()
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", SAWarning)
                yield lines
        finally:
            self._lines = None
            for warning in caught:  # a line, never Python's file:line report
                self.warn(f"WARNING: {one_line(str(warning.message))}")


_WORD = re.compile(r"[^\W\d]\w*")


def tables_named(sql: str, objects: list[Any]) -> list[str]:
    """The tables of ``objects`` that ``sql`` names (quoted or not; a false hit
    only costs a warning)."""
    words = set(_WORD.findall(sql.lower()))
    return sorted({name for name in {inspect(obj).mapper.local_table.name for obj in objects} if name.lower() in words})


_TXN_SQL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def flush_notes(sql: list[str], why: str) -> list[str]:
    """Implicit flushes say what they sent, as notes (the transaction's own
    statements are what the user asked for, so they are left out)."""
    sent = [line for line in sql if not line.startswith(_TXN_SQL)]
    return [f"{why}:", *sent] if sent else []
