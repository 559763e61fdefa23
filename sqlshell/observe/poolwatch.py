"""What ``\\pool`` shows: the engine's pool as SQLAlchemy sees it, connection by
connection.

SQLAlchemy has no public list of a pool's connections, so the pool's
``connect`` event (once per new DBAPI connection, never per statement) puts
each connection record in a weak set. The times come from ``record.info``:
``database.py``'s checkout/checkin listeners, which run anyway, stamp
``sqlshell.checkout``/``sqlshell.checkin`` (the pool resets a connection on
every return) and ``sqlshell.ping`` when a rested connection was pinged.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.pool import QueuePool

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_RECORDS: weakref.WeakKeyDictionary[Any, weakref.WeakSet[Any]] = weakref.WeakKeyDictionary()

CHECKOUT, CHECKIN, PING = "sqlshell.checkout", "sqlshell.checkin", "sqlshell.ping"


def install(engine: Engine) -> None:
    """Remember every connection record the engine's pool makes."""
    records: weakref.WeakSet[Any] = weakref.WeakSet()
    _RECORDS[engine] = records

    def _connected(dbapi_connection: Any, record: Any) -> None:
        records.add(record)

    event.listen(engine.pool, "connect", _connected)


def backend_id(dbapi_connection: Any) -> int | None:
    """The server's id of this connection, read from the driver (no round trip):
    the backend pid on PostgreSQL (psycopg), the connection id on MariaDB/MySQL
    (PyMySQL's ``thread_id()``, what ``CONNECTION_ID()`` returns)."""
    if dbapi_connection is None:
        return None
    info = getattr(dbapi_connection, "info", None)
    pid = getattr(info, "backend_pid", None)
    if isinstance(pid, int):
        return pid
    thread_id = getattr(dbapi_connection, "thread_id", None)
    if callable(thread_id):
        try:
            return int(thread_id())
        except Exception:  # a closed PyMySQL connection
            return None
    return None


def _clock(mono: float | None) -> str:
    if not mono:
        return ""
    wall = time.time() - (time.monotonic() - mono)
    return time.strftime("%H:%M:%S", time.localtime(wall)) + f" ({time.monotonic() - mono:.1f}s ago)"


def pool_rows(engine: Engine, held: dict[int, str]) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    """Sentences about the pool, then the headers and rows of its connections
    (``held``: DBAPI connection id → who in the shell holds it)."""
    pool = engine.pool
    head = [f"{type(pool).__name__} (SQLAlchemy's pool of this engine)"]
    if isinstance(pool, QueuePool):
        most = getattr(pool, "_max_overflow", "?")
        head[0] = (
            f"{type(pool).__name__}: size {pool.size()}, overflow {max(pool.overflow(), 0)} (at most {most}), "
            f"checked in {pool.checkedin()}, checked out {pool.checkedout()}"
        )
    rows = []
    records = [r for r in _RECORDS.get(engine, ()) if r.dbapi_connection is not None]
    for record in sorted(records, key=lambda r: r.starttime):
        dbapi = record.dbapi_connection
        info = record.info
        out = record.fairy_ref is not None
        if out:
            state = "held by " + held.get(id(dbapi), "a statement or the completion reader")
            since = _clock(info.get(CHECKOUT))
        else:
            state, since = "checked in", _clock(info.get(CHECKIN))
        rows.append(
            (
                backend_id(dbapi) or "-",
                state,
                since,
                _clock(record.starttime and time.monotonic() - (time.time() - record.starttime)),
                _clock(info.get(CHECKIN)),
                _clock(info.get(PING)) or "never",
            )
        )
    if not rows:
        head.append("no connection is open")
    return head, ["backend", "state", "since", "connected", "last returned (reset)", "last ping"], rows
