"""Where ``\\copy`` runs: on the connection the current mode's statements use,
in their transaction, with psql's all-or-nothing result.

Engine mode copies one-shot (committed when it succeeds, nothing left when it
fails), connection mode on the held connection (inside ``\\begin`` if one is
open), session mode in the session's transaction. PostgreSQL's one COPY
statement is atomic by itself; the batched inserts other databases need are
made so by a transaction of their own, or a savepoint inside the user's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sqlshell.errors import UserError

if TYPE_CHECKING:
    from sqlshell.state import Shell


@contextmanager
def mode_connection(shell: Shell, atomic: bool) -> Iterator[Connection]:
    """The connection the current mode's statements use. ``atomic``: make the
    copy all-or-nothing (PostgreSQL's one COPY statement already is)."""
    if shell.txn().state == "failed":
        raise UserError("the transaction has failed, so \\copy cannot run in it", "\\rollback first")
    if shell.held is not None:
        held = shell.held
        if held.lost:
            raise UserError("the transaction was lost with its connection; \\copy was not run", "\\rollback first")
        try:
            if held.txn is None:
                with _one_shot(held.conn, atomic) as conn:
                    yield conn
            else:
                held.statements += 1
                with _statement(held.conn, atomic or held.on_error_rollback) as conn:
                    yield conn
        except DBAPIError as exc:
            # What ConnectionExecutor.run does after a failed statement: a lost connection
            # outside a transaction is replaced; inside one, the transaction shows as lost.
            if held.txn is not None:
                held._after_error(exc, None)
            elif exc.connection_invalidated or held.conn.invalidated:
                held._reopen()
                raise UserError(
                    "the connection was lost; a new one is open and \\copy was not run again",
                    "session settings and temporary tables of the old connection are gone",
                ) from exc
            raise
        return
    session = shell.session
    if session is not None:
        require = getattr(session, "require_usable", None)
        if require is not None:
            require()
        orm = session.session  # type: ignore[attr-defined]
        conn = orm.connection()
        session.statements += 1  # type: ignore[attr-defined]
        with _statement(conn, atomic or session.on_error_rollback) as conn:
            yield conn
        return
    with shell.db.engine.connect() as conn, _one_shot(conn, atomic) as c:
        yield c


@contextmanager
def _one_shot(conn: Connection, atomic: bool) -> Iterator[Connection]:
    """Outside a transaction: PostgreSQL's COPY commits by itself (AUTOCOMMIT);
    batched inserts run in a transaction of their own, then AUTOCOMMIT again."""
    if conn.in_transaction():
        conn.commit()  # AUTOCOMMIT's autobegun bookkeeping, nothing on the server
    if not atomic:
        try:
            yield conn
        finally:
            if not conn.invalidated and conn.in_transaction():
                conn.commit()
        return
    conn.execution_options(isolation_level=conn.default_isolation_level)
    try:
        with conn.begin():
            yield conn
    finally:
        if not conn.invalidated:
            conn.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def _statement(conn: Connection, savepoint: bool) -> Iterator[Connection]:
    """Inside the user's transaction; a savepoint undoes a failed copy alone."""
    if not savepoint:
        yield conn
        return
    sp = conn.begin_nested()
    try:
        yield conn
    except BaseException as exc:
        if sp.is_active and not conn.invalidated:
            sp.rollback()
            if isinstance(exc, DBAPIError):
                exc.add_note("the copy was undone; the transaction is still open")
        raise
    sp.commit()
