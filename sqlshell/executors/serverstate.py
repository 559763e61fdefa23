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
  ``SERVER_STATUS_IN_TRANS`` bit, sent with every OK/EOF packet.

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


def read(driver_connection: Any, dialect: str) -> ServerTxn:
    """The server's transaction state as the driver last heard it.

    ``driver_connection`` is the DBAPI connection (SQLAlchemy's
    ``Connection.connection.driver_connection``); ``dialect`` its dialect name.
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
        return _mysql(driver_connection)
    return ServerTxn.UNKNOWN


def _psycopg(conn: Any) -> ServerTxn:
    info = getattr(conn, "info", None)
    status = getattr(info, "transaction_status", None)
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


def _mysql(conn: Any) -> ServerTxn:
    if getattr(conn, "_sock", True) is None:  # pymysql: closed or broken
        return ServerTxn.GONE
    status = getattr(conn, "server_status", None)
    if not isinstance(status, int):
        return ServerTxn.UNKNOWN
    return ServerTxn.OPEN if status & SERVER_STATUS_IN_TRANS else ServerTxn.IDLE
