"""``\\connect URL``: move the shell to another database.

The new database is reached (``Database.check``) before anything changes, so
a bad URL or an unreachable server is one line and the shell stays where it
was; work not yet committed is never dropped to connect elsewhere. Only the
masked URL (``Database.display_url``) is ever shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.database import Database
from sqlshell.errors import UserError
from sqlshell.results import Outcome
from sqlshell.urls import BadURL, resolve

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Connection")

USAGE = "\\connect URL"


@commands.add(
    "\\connect",
    "URL",
    "connect to another database (an SQLAlchemy URL or an SQLite file), keeping the mode",
    aliases=("\\c",),
)
def connect(shell: Shell, args: Args) -> Outcome:
    args.at_most(1, USAGE)
    if not args.words or not args.words[0]:
        raise UserError("\\connect needs a URL", f"usage: {USAGE}")
    shell.ensure_no_open_work("connect elsewhere")  # before trying: nothing to lose then
    staying = f"still connected to {shell.db.display_url}"
    try:
        db = Database(resolve(args.words[0]), echo=shell.settings.echo)
    except BadURL as exc:
        raise UserError(str(exc), staying) from exc
    except UserError as exc:
        raise UserError(exc.message, "; ".join(filter(None, (exc.hint, staying)))) from exc
    try:
        db.check()
    except UserError as exc:
        db.dispose()
        raise UserError(exc.message, "; ".join(filter(None, (exc.hint, staying)))) from exc
    shell.reconnect(db)
    return Outcome.message(f"connected to {db.display_url} ({db.dialect}), {shell.mode.value} mode")
