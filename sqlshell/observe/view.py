"""What the inspection views (``\\locks``, ``\\trace``, ``\\txn``) read of the
shell, as protocols: they sit below the Shell (``state.Shell`` matches these
by its shape), so they never import it, not even for an annotation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from sqlshell.database import Database
    from sqlshell.output.streams import Output


class TxnView(Protocol):
    """Where a transaction stands (``executors.connection.TxnSnapshot``)."""

    @property
    def state(self) -> str: ...  # idle | open | failed

    @property
    def savepoints(self) -> tuple[str, ...]: ...


class HolderView(Protocol):
    """The current mode's transaction holder: the held connection or the session."""

    @property
    def in_transaction(self) -> bool: ...

    def snapshot(self) -> TxnView: ...


class HeldView(HolderView, Protocol):
    """Connection mode's holder, with its one SQLAlchemy Connection."""

    @property
    def conn(self) -> Connection: ...


class ShellView(Protocol):
    """The parts of the shell the views read."""

    @property
    def db(self) -> Database: ...

    @property
    def output(self) -> Output: ...

    @property
    def held(self) -> HeldView | None: ...

    @property
    def session(self) -> object: ...  # the ORM session's executor: read with getattr (its ``session``)

    @property
    def transactional(self) -> HolderView | None: ...

    def txn(self) -> TxnView: ...


def held_connections(shell: ShellView) -> dict[int, str]:
    """DBAPI connection id → who in the shell holds it (``\\pool``'s state column)."""
    held: dict[int, str] = {}
    if shell.held is not None and not shell.held.conn.closed and not shell.held.conn.invalidated:
        held[id(shell.held.conn.connection.dbapi_connection)] = "connection mode"
    session: Any = getattr(shell.session, "session", None)
    if session is not None and session.in_transaction():
        try:
            conn = session.connection()  # the transaction's own connection: no new BEGIN
            held[id(conn.connection.dbapi_connection)] = "the session"
        except Exception:  # an invalidated connection: not held any more
            pass
    return held
