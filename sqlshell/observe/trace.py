"""``\\trace on``: the life cycle of pool, connection, transaction and session,
on stderr, as it happens. It is the screen that shows why the three modes
behave differently: engine mode checks a connection out and back in for each
statement, connection mode holds one and begins/commits when told, session
mode begins by itself and flushes its unit of work.

Everything comes from SQLAlchemy's event API, listened to only while the trace
is on (``\\trace off`` removes every listener):

* pool: ``checkout``, ``checkin``, ``reset`` (on return);
* connection: ``begin``, ``commit``, ``rollback``, ``savepoint``,
  ``rollback_savepoint``, ``release_savepoint``, ``before_cursor_execute``
  (SQL that SQLAlchemy sends: a flush's, the shell's own questions);
* session: ``after_begin``, ``before_flush``, ``after_flush``,
  ``after_commit`` (with the expiry of the identity map), ``after_soft_rollback``.

The user's statements are told by the pipeline before they run
(``Tracer.statement``): on PostgreSQL they go to psycopg directly, where no
SQLAlchemy cursor event fires.

Importing this module costs nothing: SQLAlchemy is imported when the trace is
turned on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlshell.observe.txnstory import abbreviate

if TYPE_CHECKING:
    from sqlshell.observe.view import ShellView
    from sqlshell.sqltext.split import Statement

PREFIX = "trace: "


def _autocommit(dbapi_connection: Any) -> bool:
    """Whether the DBAPI connection commits each statement by itself (no BEGIN is sent)."""
    if dbapi_connection is None:
        return False
    if hasattr(dbapi_connection, "in_transaction") and hasattr(dbapi_connection, "isolation_level"):
        return dbapi_connection.isolation_level is None  # sqlite3 (SQLAlchemy's AUTOCOMMIT sets None)
    value = getattr(dbapi_connection, "autocommit", None)  # psycopg
    if isinstance(value, bool):
        return value
    get = getattr(dbapi_connection, "get_autocommit", None)  # PyMySQL: a local flag, no round trip
    return bool(get()) if callable(get) else False


class Tracer:
    def __init__(self, shell: ShellView) -> None:
        self.shell = shell
        self._listening: list[tuple[Any, str, Callable[..., Any]]] = []
        self._engine: Any = None
        self._sessions: set[int] = set()
        self._current_sql: str | None = None
        self._flushing = False  # between before_flush and after_flush: the unit of work's SQL is shown
        self._own_sql = 0  # other SQL SQLAlchemy sent (reflection …): counted, told in one line
        self._install()

    # -- output -----------------------------------------------------------------

    def say(self, line: str) -> None:
        self.shell.output.warn(PREFIX + line)  # stderr, also under -q: it was asked for

    def _who(self, dbapi_connection: Any) -> str:
        from sqlshell.observe.poolwatch import backend_id

        ident = backend_id(dbapi_connection)
        return f"connection {ident}" if ident is not None else f"connection @{id(dbapi_connection) & 0xFFFF:04x}"

    # -- the pipeline's hook ----------------------------------------------------

    def statement(self, stmt: Statement) -> None:
        """Before a statement runs: follow a new engine or session, then tell it."""
        if self.shell.db.engine is not self._engine:
            self._install()
        self._follow_session()
        self._drain()
        self._flushing = False
        self._current_sql = " ".join(stmt.text.split()).removesuffix(";").rstrip()
        self.say(f"statement: {abbreviate(stmt.text)} [{self._where()}]")

    def _where(self) -> str:
        """Where the statement will run, in the current mode's words."""
        shell = self.shell
        if shell.transactional is None:
            return "engine mode: a pooled connection in AUTOCOMMIT, for this statement only"
        state = shell.txn().state
        if shell.transactional is shell.held:
            inside = "inside the transaction" if state != "idle" else "AUTOCOMMIT until \\begin"
            return f"connection mode: the held connection, {inside}"
        inside = "inside its transaction" if state != "idle" else "it begins a transaction when it needs one"
        return f"session mode: the session's connection, {inside}"

    def _drain(self) -> None:
        """Say how many statements SQLAlchemy sent on its own since the last line."""
        if self._own_sql:
            n, self._own_sql = self._own_sql, 0
            self.say(f"SQLAlchemy sent {n} statement{'s' if n != 1 else ''} of its own (reflection, catalog questions)")

    # -- listeners ----------------------------------------------------------------

    def _listen(self, target: Any, name: str, fn: Callable[..., Any]) -> None:
        from sqlalchemy import event

        event.listen(target, name, fn)
        self._listening.append((target, name, fn))

    def _install(self) -> None:
        self._remove_engine()
        engine = self._engine = self.shell.db.engine
        pool = engine.pool
        self._listen(pool, "checkout", lambda dbapi, rec, proxy: self.say(f"pool checkout: {self._who(dbapi)}"))
        self._listen(pool, "checkin", self._on_checkin)
        self._listen(pool, "reset", self._on_reset)
        self._listen(engine, "begin", self._on_begin)
        self._listen(engine, "commit", lambda conn: self._end(conn, "COMMIT"))
        self._listen(engine, "rollback", lambda conn: self._end(conn, "ROLLBACK"))
        self._listen(engine, "savepoint", lambda conn, name: self.say(f"SAVEPOINT {name}"))
        self._listen(engine, "rollback_savepoint", lambda conn, name, ctx: self.say(f"ROLLBACK TO SAVEPOINT {name}"))
        self._listen(engine, "release_savepoint", lambda conn, name, ctx: self.say(f"RELEASE SAVEPOINT {name}"))
        self._listen(engine, "before_cursor_execute", self._on_execute)
        self._follow_session()

    def _follow_session(self) -> None:
        session = getattr(self.shell.session, "session", None)
        if session is None or id(session) in self._sessions:
            return
        self._sessions.add(id(session))
        self._listen(session, "after_begin", self._on_session_begin)
        self._listen(session, "before_flush", self._on_before_flush)
        self._listen(session, "after_flush", self._on_after_flush)
        self._listen(session, "after_commit", self._on_session_commit)
        self._listen(session, "after_soft_rollback", self._on_soft_rollback)

    def _remove_engine(self) -> None:
        from sqlalchemy import event

        for target, name, fn in self._listening:
            with contextlib.suppress(Exception):  # a disposed pool or closed session: nothing to remove
                event.remove(target, name, fn)
        self._listening = []
        self._sessions = set()

    def close(self) -> None:
        self._remove_engine()
        self._engine = None

    # -- what each event says -------------------------------------------------------

    def _on_checkin(self, dbapi: Any, record: Any) -> None:
        self._drain()
        self.say(f"pool checkin: {self._who(dbapi)} returned")

    def _on_after_flush(self, session: Any, flush_context: Any) -> None:
        self._flushing = False
        self.say("session flush done")

    def _on_reset(self, dbapi: Any, record: Any, state: Any) -> None:
        if state.transaction_was_reset:
            self.say(f"pool reset on return: {self._who(dbapi)} (its transaction had ended: nothing sent)")
        else:
            self.say(f"pool reset on return: {self._who(dbapi)} (rollback())")

    def _on_begin(self, conn: Any) -> None:
        dbapi = conn.connection.dbapi_connection
        if _autocommit(dbapi):
            self.say(f"begin (SQLAlchemy's bookkeeping only: {self._who(dbapi)} is in AUTOCOMMIT, no BEGIN sent)")
        else:
            level = conn.get_execution_options().get("isolation_level") or conn.default_isolation_level
            lazy = "; psycopg sends it with the next statement" if hasattr(dbapi, "pgconn") else ""
            self.say(f"BEGIN on {self._who(dbapi)} (isolation {level}{lazy})")

    def _end(self, conn: Any, what: str) -> None:
        self._drain()
        try:
            dbapi = conn.connection.dbapi_connection
        except Exception:  # an invalidated connection
            self.say(f"{what} (the connection is gone)")
            return
        if _autocommit(dbapi):
            self.say(f"{what.lower()} (bookkeeping only: AUTOCOMMIT already committed each statement)")
        else:
            self.say(f"{what} on {self._who(dbapi)}")

    def _on_execute(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        text = " ".join(statement.split()).removesuffix(";").rstrip()
        if text == self._current_sql or text.upper().startswith("BEGIN"):
            return  # the user's statement (told already), or the BEGIN the begin event tells
        if not self._flushing:
            self._own_sql += 1
            return
        shown = abbreviate(statement, 100)
        self.say(f"SQL sent: {shown}" + (f" -- {params!r}"[:100] if params else ""))

    def _on_session_begin(self, session: Any, transaction: Any, connection: Any) -> None:
        if transaction.nested:
            return  # the savepoint event tells it
        self.say(f"session begins its transaction by itself (on {self._who(connection.connection.dbapi_connection)})")

    def _on_before_flush(self, session: Any, flush_context: Any, instances: Any) -> None:
        self._drain()
        self._flushing = True
        changed = sum(1 for obj in session.dirty if session.is_modified(obj))
        self.say(
            f"session flush: {len(session.new)} new, {changed} changed, {len(session.deleted)} deleted "
            "(the unit of work's SQL follows)"
        )

    def _on_session_commit(self, session: Any) -> None:
        held = len(session.identity_map)
        if session.expire_on_commit and held:
            self.say(f"session committed: {held} object(s) expired, the next access reloads them")
        else:
            self.say("session committed")

    def _on_soft_rollback(self, session: Any, previous: Any) -> None:
        if previous.parent is None and not previous.nested:
            self.say("session rolled back: pending objects expunged, persistent ones expired")
