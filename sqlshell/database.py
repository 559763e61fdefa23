"""The one Engine a shell talks through, and what the shell needs to know about it.

SQLAlchemy's Engine owns the pool (``pool_pre_ping`` replaces connections the
server dropped, so a restart between two statements goes unnoticed); this
module only configures it and hooks three events:

* ``after_cursor_execute`` keeps the driver's command tag (``INSERT 0 1``) for
  the renderer: psycopg knows it, SQLAlchemy's result does not expose it;
* on SQLite, ``connect``/``begin`` make pysqlite transactional in the way
  SQLAlchemy's documentation recommends (the driver's own implicit BEGIN is
  switched off and SQLAlchemy's begin emits a real ``BEGIN``), so savepoints
  and transactional DDL behave;
* on PostgreSQL, ``json``/``jsonb`` values are loaded as the server's text so
  they print exactly as psql prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError
from sqlalchemy.pool import QueuePool

from sqlshell.errors import ConnectError, driver_error, one_line
from sqlshell.urls import mask

STATUS_KEY = "sqlshell.status"  # Connection.info key: the last command tag
BEGIN_KEY = "sqlshell.begin"  # Connection.info key: the BEGIN text SQLite should use next


@dataclass(frozen=True)
class PoolStatus:
    """What the pool holds right now (counters exist only on QueuePool)."""

    kind: str
    size: int | None = None
    checked_out: int | None = None
    overflow: int | None = None

    def __str__(self) -> str:
        if self.size is None:
            return self.kind
        return f"{self.kind} size {self.size}, checked out {self.checked_out}, overflow {self.overflow}"


class Database:
    """An Engine plus the facts the shell asks about it."""

    def __init__(self, url: URL, echo: bool = False, pool_size: int = 5) -> None:
        self.url = url
        try:
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"):
                kwargs["pool_size"] = pool_size
            self.engine: Engine = create_engine(url, **kwargs)
        except NoSuchModuleError as exc:
            raise ConnectError(
                f"unknown database driver {url.drivername!r} in {mask(url)}",
                "check the spelling, or install the SQLAlchemy dialect for it",
            ) from exc
        except ModuleNotFoundError as exc:
            raise ConnectError(
                f"the Python driver for {url.drivername} is not installed ({exc.name})",
                f"pip install {exc.name}",
            ) from exc
        except (TypeError, ValueError) as exc:
            raise ConnectError(f"cannot use {mask(url)}: {exc}") from exc
        self.engine.echo = echo
        # Engine mode's one-shot calls: same pool, but each checkout autocommits.
        self.autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.dialect = self.engine.dialect.name
        self.is_postgres = self.dialect == "postgresql"
        self.is_sqlite = self.dialect == "sqlite"
        self._install_events()

    # -- facts ----------------------------------------------------------------

    @property
    def display_url(self) -> str:
        return mask(self.url)

    @property
    def nested_comments(self) -> bool:
        """PostgreSQL nests /* */ comments; SQLite and most others do not."""
        return self.is_postgres

    @property
    def driver(self) -> str:
        return self.engine.dialect.driver

    def pool_status(self) -> PoolStatus:
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            return PoolStatus(type(pool).__name__, pool.size(), pool.checkedout(), max(pool.overflow(), 0))
        return PoolStatus(type(pool).__name__)

    def set_echo(self, on: bool) -> None:
        self.engine.echo = on

    # -- life cycle -----------------------------------------------------------

    def check(self) -> None:
        """Connect once now, so an unreachable server is one clear line and exit 2
        before any statement runs (the connection goes back to the pool for reuse)."""
        try:
            with self.engine.connect():
                pass
        except DBAPIError as exc:
            raise ConnectError(f"cannot connect to {self.display_url}: {one_line(str(driver_error(exc)))}") from exc
        except Exception as exc:  # driver-level failures that SQLAlchemy does not wrap
            raise ConnectError(f"cannot connect to {self.display_url}: {one_line(str(exc))}") from exc

    def dispose(self) -> None:
        self.engine.dispose()

    # -- events ---------------------------------------------------------------

    def _install_events(self) -> None:
        event.listen(self.engine, "after_cursor_execute", _remember_status)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_no_implicit_begin)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.is_postgres:
            event.listen(self.engine, "connect", _pg_text_json)


def _remember_status(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
    conn.info[STATUS_KEY] = getattr(cursor, "statusmessage", None)


def _sqlite_no_implicit_begin(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql(conn.info.pop(BEGIN_KEY, "BEGIN"))


def _pg_text_json(dbapi_connection: Any, record: Any) -> None:
    from psycopg.types.string import TextLoader

    for oid in (114, 3802, 199, 3807):  # json, jsonb, json[], jsonb[] stay text
        dbapi_connection.adapters.register_loader(oid, TextLoader)
