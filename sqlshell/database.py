"""The one Engine a shell talks through, and what the shell needs to know about it.

SQLAlchemy's Engine owns the pool; this module configures it and hooks a few
events:

* ``checkin``/``checkout`` ping a connection that rested in the pool before it
  is used, and let the pool replace it when the server dropped it, so a
  server restart between two statements goes unnoticed;
* ``after_cursor_execute`` keeps the driver's command tag (``INSERT 0 1``) for
  statements that go through SQLAlchemy's execute (PostgreSQL statements go to
  psycopg directly and read it there), and ``before_cursor_execute`` tells the
  Ctrl-C handler which connection is busy;
* on SQLite, ``connect``/``begin`` make pysqlite transactional in the way
  SQLAlchemy's documentation recommends (the driver's own implicit BEGIN is
  switched off and SQLAlchemy's begin emits a real ``BEGIN``), so savepoints
  and transactional DDL behave;
* on PostgreSQL, ``json``/``jsonb`` values are loaded as the server's text so
  they print exactly as psql prints them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, NoSuchModuleError
from sqlalchemy.pool import QueuePool

from sqlshell.cancel import running
from sqlshell.driverconn import sqlite_of
from sqlshell.errors import ConnectError, driver_error, one_line, server_message
from sqlshell.observe import poolwatch
from sqlshell.urls import mask

STATUS_KEY = "sqlshell.status"  # Connection.info key: the last command tag
WARNINGS_KEY = "sqlshell.warnings"  # Connection.info key: MySQL's warning count of the last statement
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
        # Where --echo and the server's notices go: stderr, until the Shell hands in its Output.
        self.echo_to: Callable[[str], None] = _stderr_line
        self.notice_to: Callable[[str], None] = _stderr_line
        try:
            # AUTOCOMMIT is the pool's default: engine mode's one-shot statements
            # are committed by the server as they run, with no BEGIN/COMMIT round
            # trips and no isolation switch per checkout. Transactions (connection
            # and session modes) switch their connection to a real isolation level.
            kwargs: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
            if url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"):
                kwargs["pool_size"] = pool_size
            if url.get_backend_name() == "postgresql":
                if "application_name" not in url.query:
                    kwargs["connect_args"] = {"application_name": "sqlshell"}  # so a DBA sees who we are
                if url.get_driver_name() == "psycopg":
                    # hstore values print as the server's text anyway; not asking the
                    # server about the type saves three statements on every start.
                    kwargs["use_native_hstore"] = False
            if _state_readable(url):
                # The reset-on-return rollback only where the driver says a transaction
                # is open (_reset_open_transaction): an idle connection needs none.
                kwargs["pool_reset_on_return"] = None
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
        self.dialect = self.engine.dialect.name
        self.is_postgres = self.dialect == "postgresql"
        self.is_sqlite = self.dialect == "sqlite"
        # The server's standard_conforming_strings on the connection last given
        # back to the pool (what the splitter follows in engine mode); None: unknown.
        self.standard_strings: bool | None = None
        self._server_dbname: str | None = None  # what libpq really connected to (check())
        self._install_events()
        self.echoing = False  # SQL echo's listeners are installed (the Shell follows settings.echo)
        self.set_echo(echo)

    # -- facts ----------------------------------------------------------------

    @property
    def default_isolation(self) -> str:
        """The database's own default level; SQLAlchemy reads it on the first connect."""
        level = getattr(self.engine.dialect, "default_isolation_level", None)
        if level is None:
            with self.engine.connect():
                pass
            level = getattr(self.engine.dialect, "default_isolation_level", None)
        return level or "READ COMMITTED"

    @property
    def transactional_engine(self) -> Engine:
        """The same pool, but every checkout runs transactions (the ORM session's)."""
        return self.engine.execution_options(isolation_level=self.default_isolation)

    @property
    def display_url(self) -> str:
        return mask(self.url)

    @property
    def label(self) -> str:
        """The prompt's name for this database, with its backend: ``pg:shop``,
        ``sqlite:app.db``, ``mariadb:test``. On PostgreSQL the name is the one
        libpq connected to (a URL may leave it to PGDATABASE or a service file)."""
        if self.is_sqlite:
            name = (self.url.database or ":memory:").rsplit("/", 1)[-1] or ":memory:"
            return f"sqlite:{name}"
        backend = {"postgresql": "pg"}.get(self.dialect, self.dialect)
        if self.dialect == "mysql" and getattr(self.engine.dialect, "is_mariadb", False):
            backend = "mariadb"
        return f"{backend}:{self._server_dbname or self.url.database or self.url.host or ''}"

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
        """Show what is sent (on stderr), through SQLAlchemy's events (``echo``)."""
        from sqlshell.output import echo

        if on:
            echo.start(self.engine, lambda text: self.echo_to(text), "AUTOCOMMIT")
        else:
            echo.stop(self.engine)
        self.echoing = on

    # -- life cycle -----------------------------------------------------------

    def check(self) -> None:
        """Connect once now, so an unreachable server is one clear line and exit 2
        before any statement runs (the connection goes back to the pool for reuse)."""
        try:
            with self.engine.connect() as conn:
                info = getattr(conn.connection.dbapi_connection, "info", None)
                self._server_dbname = getattr(info, "dbname", None)  # psycopg's ConnectionInfo
        except DBAPIError as exc:
            raise ConnectError(f"cannot connect to {self.display_url}: {one_line(str(driver_error(exc)))}") from exc
        except Exception as exc:  # driver-level failures that SQLAlchemy does not wrap
            raise ConnectError(f"cannot connect to {self.display_url}: {one_line(str(exc))}") from exc

    def dispose(self) -> None:
        self.set_echo(False)
        self.engine.dispose()

    # -- events ---------------------------------------------------------------

    def _ping_if_idle(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        """Pre-ping, as ``pool_pre_ping`` does, but only a connection that rested
        in the pool: statements of a script follow each other within
        microseconds, and a ping before each would double their round trips.
        A dead connection raises DisconnectionError, on which SQLAlchemy's pool
        drops it and checks out a fresh one (its documented pessimistic recipe)."""
        now = record.info["sqlshell.checkout"] = time.monotonic()  # \pool's "since"
        rested = now - record.info.get("sqlshell.checkin", 0.0)
        if rested < PING_AFTER_IDLE:
            return
        record.info["sqlshell.ping"] = now
        try:
            alive = self.engine.dialect.do_ping(dbapi_connection)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            if not self.engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise DisconnectionError("the pooled connection was closed by the server")

    def _install_events(self) -> None:
        poolwatch.install(self.engine)  # \pool's list of connections (one event per new connection)
        event.listen(self.engine, "before_cursor_execute", _mark_running)
        event.listen(self.engine, "after_cursor_execute", _remember_status)
        event.listen(self.engine.pool, "connect", _mark_checkin)  # a new connection needs no ping
        # One listener on every return (each is a call per engine-mode statement): psycopg
        # and sqlite3 do it all in the reset they need anyway, others on checkin.
        if not _state_readable(self.url):
            event.listen(self.engine.pool, "checkin", self._checkin_pg if self.is_postgres else _mark_checkin)
        event.listen(self.engine.pool, "checkout", self._ping_if_idle)
        if _state_readable(self.url):
            event.listen(self.engine.pool, "reset", self._on_return)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_no_implicit_begin)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.is_postgres:
            event.listen(self.engine, "connect", _pg_text_json)
            event.listen(self.engine, "connect", self._pg_notices)
        elif self.dialect in ("mysql", "mariadb"):
            event.listen(self.engine, "after_cursor_execute", _remember_warnings)

    def _on_return(self, dbapi_connection: Any, record: Any, state: Any) -> None:
        """psycopg and sqlite3: the pool's rollback-on-return, skipped when the
        driver's own state says no transaction is open (the rollback would send
        nothing and change nothing; in engine mode it ran through the driver's
        machinery after every statement); anything else (open, failed, unknown)
        is rolled back, as SQLAlchemy's default reset does, and a failure goes
        to the pool, which then discards the connection. Then what the checkin
        listener does for other drivers: the time, and the server's strings."""
        if dbapi_connection is None:
            return
        if not state.transaction_was_reset and state.asyncio_safe and not _idle(dbapi_connection, self.is_postgres):
            dbapi_connection.rollback()
        record.info["sqlshell.checkin"] = time.monotonic()
        if self.is_postgres:
            value = _pg_standard_strings(dbapi_connection)
            if value is not None:
                self.standard_strings = value

    def _pg_notices(self, dbapi_connection: Any, record: Any) -> None:
        """psycopg's notice handler: NOTICE and WARNING messages, as psql shows
        them, reach stderr while the statement runs (no query of our own)."""
        dbapi_connection.add_notice_handler(lambda diag: self.notice_to(server_message(diag)))

    def _checkin_pg(self, dbapi_connection: Any, record: Any) -> None:
        _mark_checkin(dbapi_connection, record)
        if dbapi_connection is not None:  # None: the connection was invalidated
            from sqlshell.sqltext.serverparams import standard_strings

            value = standard_strings(dbapi_connection)
            if value is not None:
                self.standard_strings = value


PING_AFTER_IDLE = 0.5  # seconds a pooled connection may rest before it is pinged again


def _state_readable(url: URL) -> bool:
    """Drivers whose transaction state is read from the protocol (serverstate):
    psycopg and sqlite3."""
    return url.get_backend_name() == "sqlite" or (
        url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg"
    )


def _idle(dbapi_connection: Any, postgres: bool) -> bool:
    """No transaction open, as the driver last heard (psycopg: libpq's status; sqlite3: its flag)."""
    try:
        if postgres:
            return bool(dbapi_connection.pgconn.transaction_status == 0)  # PQTRANS_IDLE
        return not dbapi_connection.in_transaction
    except Exception:  # closed: the rollback will say what it can
        return False


def _pg_standard_strings(dbapi_connection: Any) -> bool | None:
    """serverparams.standard_strings, read from libpq directly (every return in engine mode)."""
    try:
        value = dbapi_connection.pgconn.parameter_status(b"standard_conforming_strings")
    except Exception:  # a closed connection
        return None
    return None if value is None else bytes(value).lower() == b"on"


def _stderr_line(text: str) -> None:
    import sys

    if sys.stderr is not None:  # (closed: 2>&-) the echo and notices are lost, the results are not
        sys.stderr.write(text + "\n")


def _mark_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info["sqlshell.checkin"] = time.monotonic()


def _mark_running(conn: Connection, cursor: Any, *args: Any) -> None:
    running.started(conn.connection.dbapi_connection)


def _remember_warnings(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    """MySQL/MariaDB: how many warnings the statement left (SHOW WARNINGS reads them)."""
    count = getattr(cursor, "warning_count", 0)
    conn.info[WARNINGS_KEY] = count() if callable(count) else count


def _remember_status(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
    conn.info[STATUS_KEY] = getattr(cursor, "statusmessage", None)


def _sqlite_no_implicit_begin(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None
    # A no-op progress handler hands control back to Python every 100k VM steps,
    # so a Ctrl-C handler can run (and interrupt()) during a long statement.
    dbapi_connection.set_progress_handler(_keep_signals_alive, 100_000)


def _keep_signals_alive() -> int:
    return 0


def _sqlite_begin(conn: Connection) -> None:
    if sqlite_of(conn).isolation_level is None:
        return  # the connection is in AUTOCOMMIT: no transaction to open
    conn.exec_driver_sql(conn.info.pop(BEGIN_KEY, "BEGIN"))


def _pg_text_json(dbapi_connection: Any, record: Any) -> None:
    from psycopg.types.string import TextLoader

    # A shell's statements rarely repeat: skip psycopg's auto-prepare bookkeeping.
    dbapi_connection.prepare_threshold = None
    for oid in (114, 3802, 199, 3807):  # json, jsonb, json[], jsonb[] stay text
        dbapi_connection.adapters.register_loader(oid, TextLoader)
