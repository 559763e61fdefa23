"""``executor_for``: the executor a mode needs, freshly made (the contract
they share is ``contract``; this module is apart from it so that the
executors, which import the contract, are not imported by it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

from sqlshell.executors.contract import Executor, Mode

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from sqlshell.database import Database
    from sqlshell.executors.connection import ConnectionExecutor
    from sqlshell.executors.engine import EngineExecutor
    from sqlshell.executors.session import SessionExecutor
    from sqlshell.output.streams import Output
    from sqlshell.settings import Settings


@overload
def executor_for(
    mode: Literal[Mode.CONNECTION], db: Database, settings: Settings, output: Output, held: Connection | None = None
) -> ConnectionExecutor: ...
@overload
def executor_for(mode: Literal[Mode.SESSION], db: Database, settings: Settings, output: Output) -> SessionExecutor: ...
@overload
def executor_for(mode: Literal[Mode.ENGINE], db: Database, settings: Settings, output: Output) -> EngineExecutor: ...
@overload
def executor_for(mode: Mode, db: Database, settings: Settings, output: Output) -> Executor: ...
def executor_for(
    mode: Mode, db: Database, settings: Settings, output: Output, held: Connection | None = None
) -> Executor:
    """The executor a mode runs its statements with, freshly made. ``held``
    (connection mode): a connection engine mode found inside a server
    transaction, to be held with it. (The modules are imported here, at first
    use: the session's pulls in the ORM.)"""
    if mode is Mode.CONNECTION:
        from sqlshell.executors.connection import ConnectionExecutor

        return ConnectionExecutor(db, settings, conn=held)
    if mode is Mode.SESSION:
        from sqlshell.executors.session import SessionExecutor

        return SessionExecutor(db, settings, output)
    from sqlshell.executors.engine import EngineExecutor

    return EngineExecutor(db)
