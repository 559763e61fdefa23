"""``--echo`` / ``\\echo on``: what the shell sends to the database, on stderr,
one entry per statement, without logging prefixes.

Built on SQLAlchemy's events, installed only while echo is on (the
per-statement path pays nothing otherwise):

* ``before_cursor_execute``: every statement SQLAlchemy executes, the ORM's
  flush SQL and SQLite's ``BEGIN`` and savepoints included;
* ``begin`` / ``commit`` / ``rollback``: the driver-level transaction calls
  that send no statement text through a cursor (psycopg's implicit ``BEGIN``,
  ``connection.commit()``), left out where the connection is in AUTOCOMMIT;
* the pool's ``checkout`` / ``checkin``: engine mode's borrowing, visible.

PostgreSQL statements that the shell hands to psycopg directly (``pgstream``,
``pgcopy``) call ``sent``. Reflection (automap, ``\\d``) runs inside
``reflecting``: its catalog queries are counted and summarised in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

Write = Callable[[str], None]


class Echo:
    """The listeners of one engine (and its pool), and where they write."""

    MAX_PARAMS = 500  # characters of parameters shown per statement

    def __init__(self, engine: Engine, write: Write, default_isolation: str = "AUTOCOMMIT") -> None:
        self.engine, self.write = engine, write
        self.default_isolation = default_isolation
        self.sqlite = engine.dialect.name == "sqlite"
        self.reflected: list[int] | None = None  # queries counted inside reflecting()
        self._engine_listeners: list[tuple[str, Callable[..., Any]]] = [
            ("before_cursor_execute", self._cursor_execute),
            ("begin", self._begin),
            ("commit", self._commit),
            ("rollback", self._rollback),
        ]
        self._pool_listeners: list[tuple[str, Callable[..., Any]]] = [
            ("checkout", self._checkout),
            ("checkin", self._checkin),
        ]

    def install(self) -> None:
        for name, fn in self._engine_listeners:
            event.listen(self.engine, name, fn)
        for name, fn in self._pool_listeners:
            event.listen(self.engine.pool, name, fn)

    def remove(self) -> None:
        for name, fn in self._engine_listeners:
            event.remove(self.engine, name, fn)
        for name, fn in self._pool_listeners:
            event.remove(self.engine.pool, name, fn)

    # -- what is sent ---------------------------------------------------------

    def statement(self, sql: str, params: Any = None, many: bool = False) -> None:
        if self.reflected is not None:
            self.reflected[0] += 1
            return
        text = sql.strip()
        if not text.endswith(";"):
            text += ";"
        if params:
            shown = repr(params)
            shown = shown if len(shown) <= self.MAX_PARAMS else shown[: self.MAX_PARAMS] + "…"
            text += f"\n-- {'parameters (each row)' if many else 'parameters'}: {shown}"
        self.write(text)

    def _cursor_execute(self, conn: Connection, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        self.statement(sql, params, many)

    def _autocommit(self, conn: Connection) -> bool:
        level = conn.get_execution_options().get("isolation_level", self.default_isolation)
        return bool(level == "AUTOCOMMIT")

    def _begin(self, conn: Connection) -> None:
        # SQLite's BEGIN is a statement of its own (database.py), seen by _cursor_execute.
        if not self.sqlite and not self._autocommit(conn):
            self.statement("BEGIN")

    def _commit(self, conn: Connection) -> None:
        if not self._autocommit(conn):
            self.statement("COMMIT")

    def _rollback(self, conn: Connection) -> None:
        if not self._autocommit(conn):
            self.statement("ROLLBACK")

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if self.reflected is None:  # reflection borrows connections too: part of its summary
            self.write(f"-- connection {_label(dbapi_connection)} checked out of the pool")

    def _checkin(self, dbapi_connection: Any, record: Any) -> None:
        if self.reflected is None:
            self.write(f"-- connection {_label(dbapi_connection)} returned to the pool")


def _label(dbapi_connection: Any) -> str:
    pid = getattr(getattr(dbapi_connection, "info", None), "backend_pid", None)
    return f"pid {pid}" if isinstance(pid, int) else f"#{id(dbapi_connection) % 10000:04d}"


_active: dict[Any, Echo] = {}  # by pool: an engine's execution_options() copies share it


def start(engine: Engine, write: Write, default_isolation: str = "AUTOCOMMIT") -> None:
    stop(engine)
    echo = Echo(engine, write, default_isolation)
    echo.install()
    _active[engine.pool] = echo


def stop(engine: Engine) -> None:
    echo = _active.pop(engine.pool, None)
    if echo is not None:
        echo.remove()


def sent(conn: Connection, sql: str) -> None:
    """A statement the shell sends to the driver itself (not through SQLAlchemy's execute)."""
    if _active:
        echo = _active.get(conn.engine.pool)
        if echo is not None:
            echo.statement(sql)


@contextmanager
def reflecting(engine: Engine, summary: Callable[[], str]) -> Iterator[None]:
    """Catalog queries inside are counted, then told in one line: ``summary()``
    says what was reflected."""
    echo = _active.get(engine.pool) if _active else None
    if echo is None or echo.reflected is not None:
        yield
        return
    echo.reflected = counted = [0]
    try:
        yield
    finally:
        echo.reflected = None
        if counted[0]:
            echo.write(f"-- {summary()} ({counted[0]} catalog {'query' if counted[0] == 1 else 'queries'})")
