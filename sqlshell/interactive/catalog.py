"""Table and column names for completion, read with SQLAlchemy's inspector.

Reading a schema can take a moment on a large server, so it happens in a
background thread on a connection of its own (a NullPool engine: never the
shell's pool, so ``\\status`` counts and ``\\echo`` output stay the user's, and
a held transaction is never touched). An in-memory SQLite database exists only
on its one connection, so there the names are read on the caller's thread,
from the driver connection, with nothing begun or committed.

``refresh(db)`` is the hook for DDL and for commands like ``\\refresh``: it is
a no-op when no catalog exists (scripts never build one).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.pool import NullPool, SingletonThreadPool, StaticPool

from sqlshell.database import Database

Names = dict[str, list[str]]  # table or view name -> column names

_catalogs: weakref.WeakKeyDictionary[Database, Catalog] = weakref.WeakKeyDictionary()


def catalog_for(db: Database) -> Catalog:
    """The one catalog of this database (created, and first loaded, on demand)."""
    catalog = _catalogs.get(db)
    if catalog is None:
        catalog = _catalogs[db] = Catalog(db)
    return catalog


def refresh(db: Database) -> None:
    """Reload the names of ``db`` if anything completes on it."""
    catalog = _catalogs.get(db)
    if catalog is not None:
        catalog.refresh()


class Catalog:
    def __init__(self, db: Database) -> None:
        self._db = weakref.ref(db)
        self._url = db.url
        self._on_caller_thread = isinstance(db.engine.pool, (SingletonThreadPool, StaticPool))
        self._names: Names = {}
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._wanted = 0  # generation asked for
        self._loaded = 0  # generation the names are from
        self._running = False  # a worker is loading (set and cleared under the lock)
        self.error: str | None = None  # the last load's failure (completion then offers what it had)
        self.refresh()

    # -- reading ------------------------------------------------------------------

    def tables(self, wait: float = 0.0) -> list[str]:
        return sorted(self._current(wait))

    def columns(self, table: str, wait: float = 0.0) -> list[str]:
        names = self._current(wait)
        if table in names:
            return names[table]
        folded = table.lower()
        found = next((cols for name, cols in names.items() if name.lower() == folded), None)
        if found is None and "." in table:  # public.films: the default schema's tables have no prefix
            return self.columns(table.rsplit(".", 1)[1], wait)
        return found or []

    def _current(self, wait: float) -> Names:
        if self._on_caller_thread:
            if self._loaded < self._wanted:
                self._load_here()
            return self._names
        with self._lock:
            if wait and self._loaded == 0 and self._wanted:
                self._done.wait_for(lambda: self._loaded >= 1, timeout=wait)  # only the first load is waited for
            return self._names

    def wait(self, timeout: float) -> bool:
        """Until the newest refresh is loaded (tests and the first Tab)."""
        if self._on_caller_thread:
            self._current(0)
            return True
        with self._lock:
            return self._done.wait_for(lambda: self._loaded >= self._wanted, timeout=timeout)

    # -- loading ------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask for a reload; a load already running is followed by one more."""
        with self._lock:
            self._wanted += 1
            if self._on_caller_thread or self._running:
                return  # a running worker loops until it has loaded the newest generation
            self._running = True
        threading.Thread(target=self._work, name="sqlshell-catalog", daemon=True).start()

    def _work(self) -> None:
        engine = None
        try:
            engine = create_engine(self._url, poolclass=NullPool)
            while True:
                with self._lock:
                    generation = self._wanted
                    if self._loaded >= generation:
                        self._running = False
                        return
                names, error = _read(engine)
                self._store(generation, names, error)
        except Exception as exc:  # never leave a waiter hanging
            self._store(self._wanted, {}, str(exc))
            with self._lock:
                self._running = False
        finally:
            if engine is not None:
                engine.dispose()

    def _store(self, generation: int, names: Names, error: str | None) -> None:
        with self._lock:
            if error is None:
                self._names = names  # a failed load keeps the names it had
            self.error = error
            self._loaded = generation
            self._done.notify_all()

    def _load_here(self) -> None:
        db = self._db()
        generation = self._wanted
        if db is None or not db.is_sqlite or isinstance(db.engine.pool, StaticPool):
            self._loaded = generation  # one shared connection: reading it could end the user's transaction
            return
        fairy = db.engine.raw_connection()  # this thread's one connection; closing only releases our use
        try:
            self._names, self.error = _read_sqlite(fairy.driver_connection), None
        except Exception as exc:  # completion must never break the prompt
            self.error = str(exc)
        finally:
            fairy.close()
        self._loaded = generation


# Schemas whose tables completion never offers (the server's own).
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"})


def _read(engine: Any) -> tuple[Names, str | None]:
    """The default schema's tables as ``name``, every other schema's as ``schema.name``."""
    try:
        insp = inspect(engine)
        found = insp.get_multi_columns(kind=ObjectKind.ANY)
        names = {table: [c["name"] for c in cols] for (_schema, table), cols in found.items()}
        default = insp.default_schema_name
        for schema in insp.get_schema_names():
            if schema == default or schema in _SYSTEM_SCHEMAS or schema.startswith("pg_"):
                continue
            more = insp.get_multi_columns(schema=schema, kind=ObjectKind.ANY)
            names.update({f"{schema}.{table}": [c["name"] for c in cols] for (_s, table), cols in more.items()})
    except Exception as exc:  # a lost server, missing privileges: keep the old names
        return {}, str(exc)
    return names, None


def _read_sqlite(conn: Any) -> Names:
    names: Names = {}
    rows = conn.execute("select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'")
    for (table,) in rows.fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        names[table] = [row[1] for row in conn.execute(f"pragma table_info({quoted})").fetchall()]
    return names
