"""Where the *server* says the transaction stands: the one reading, per dialect.

The shell's own idea of the transaction (a RootTransaction held, savepoints
named) can drift from the server's: a ``\\;`` compound that holds BEGIN,
MariaDB's implicit commit on DDL, SQLite's ``INSERT OR ROLLBACK``, a
deadlock, a lost connection. Every executor asks this module after every
statement, success or failure, and follows the answer.

It reads a driver attribute that the driver keeps up to date from the
protocol, never a query, so it costs nothing measurable per statement:

* psycopg 3: ``info.transaction_status`` (libpq's ``PQtransactionStatus``);
* sqlite3: ``in_transaction`` (SQLite's autocommit flag);
* pymysql (MySQL/MariaDB): ``server_status`` and the protocol's
  ``SERVER_STATUS_IN_TRANS`` bit, which pymysql takes from OK packets only.

pymysql's reading can be stale. An error packet carries no status flags, and
pymysql keeps none from the EOF packet that ends a result set (its
``_result.server_status`` stays None then, so there is nothing newer to read
there): after either, ``server_status`` is the last OK packet's. After a
result set that is right for the held connection (a query cannot begin or
end a transaction in AUTOCOMMIT, nor end one inside it; the session, whose
connection is not in AUTOCOMMIT, allows for it). After an error it is not: a
statement MariaDB commits implicitly commits *before* it runs, so
``CREATE TABLE`` of a table that exists ends the transaction and fails. So
after an error (``after_error``) a COM_PING is sent, whose OK packet carries
the server's flags as they are now: one round trip, on failures only.

Any other driver answers UNKNOWN, and the shell keeps its own bookkeeping.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

SERVER_STATUS_IN_TRANS = 0x0001  # MySQL protocol: a transaction is open


class ServerTxn(Enum):
    IDLE = "idle"  # no transaction open on the server
    OPEN = "open"  # inside a transaction block
    FAILED = "failed"  # inside a failed transaction block (PostgreSQL)
    BUSY = "busy"  # a command is running (libpq ACTIVE)
    GONE = "gone"  # the connection is closed or broken
    UNKNOWN = "unknown"  # the driver cannot tell


def read(driver_connection: Any, dialect: str, after_error: bool = False) -> ServerTxn:
    """The server's transaction state as the driver last heard it.

    ``driver_connection`` is the DBAPI connection (SQLAlchemy's
    ``Connection.connection.driver_connection``); ``dialect`` its dialect name;
    ``after_error``: a statement just failed (MySQL/MariaDB asks the server then).
    """
    if driver_connection is None:
        return ServerTxn.GONE
    if dialect == "postgresql":
        return _psycopg(driver_connection)
    if dialect == "sqlite":
        try:
            return ServerTxn.OPEN if driver_connection.in_transaction else ServerTxn.IDLE
        except Exception:  # sqlite3.ProgrammingError: the connection is closed
            return ServerTxn.GONE
    if dialect in ("mysql", "mariadb"):
        return _mysql(driver_connection, after_error)
    return ServerTxn.UNKNOWN


def _psycopg(conn: Any) -> ServerTxn:
    # libpq's status, read from the PGconn: psycopg's ``info`` builds an object and
    # an enum on each reading, and this runs after every statement
    pgconn = getattr(conn, "pgconn", None)
    status = getattr(pgconn, "transaction_status", None)
    if status is None:
        return ServerTxn.UNKNOWN
    return _PSYCOPG.get(int(status), ServerTxn.UNKNOWN)


# libpq's PGTransactionStatusType (psycopg.pq.TransactionStatus), keyed by value:
# read after every statement, so no enum hashing and no import on the way
_PSYCOPG = {
    0: ServerTxn.IDLE,  # IDLE
    1: ServerTxn.BUSY,  # ACTIVE
    2: ServerTxn.OPEN,  # INTRANS
    3: ServerTxn.FAILED,  # INERROR
    4: ServerTxn.GONE,  # UNKNOWN
}


def _mysql(conn: Any, after_error: bool = False) -> ServerTxn:
    if getattr(conn, "_sock", True) is None:  # pymysql: closed or broken
        return ServerTxn.GONE
    if after_error and hasattr(conn, "ping"):
        try:
            conn.ping(reconnect=False)  # its OK packet brings the flags up to date
        except Exception:  # the connection broke (pymysql has closed it)
            return ServerTxn.GONE
    status = getattr(conn, "server_status", None)
    if not isinstance(status, int):
        return ServerTxn.UNKNOWN
    return ServerTxn.OPEN if status & SERVER_STATUS_IN_TRANS else ServerTxn.IDLE
