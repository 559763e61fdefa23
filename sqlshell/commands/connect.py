"""``\\connect URL``: move the shell to another database.

The new database is reached (``Database.check``) before anything changes, so
a bad URL or an unreachable server is one line and the shell stays where it
was; work not yet committed is never dropped to connect elsewhere. Only the
masked URL (``Database.display_url``) is ever shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import URL

from sqlshell.commands.registry import Args, CommandSet
from sqlshell.database import Database
from sqlshell.errors import UserError
from sqlshell.openwork import Occasion, settle
from sqlshell.results import Outcome
from sqlshell.urls import BadURL, resolve

if TYPE_CHECKING:
    from sqlshell.state import Shell

commands = CommandSet("Connection")

USAGE = "\\connect URL | DBNAME [USER [HOST [PORT]]]"


@commands.add(
    "\\connect",
    "URL | DBNAME [USER [HOST [PORT]]]",
    "connect to another database (a URL, an SQLite file, or psql's DBNAME … on this server), keeping the mode",
    aliases=("\\c",),
)
def connect(shell: Shell, args: Args) -> Outcome:
    args.at_most(4, USAGE)
    if not args.words or not args.words[0]:
        raise UserError("\\connect needs a URL", f"usage: {USAGE}")
    settle(shell, Occasion.RECONNECT, doing="connect elsewhere")  # before trying: nothing to lose then
    staying = f"still connected to {shell.db.display_url}"
    try:
        db = Database(_target(shell, args.words), echo=shell.settings.echo)
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


def _target(shell: Shell, words: list[str]) -> URL:
    """psql's ``\\c DBNAME [USER [HOST [PORT]]]`` on a server database ("-" keeps
    a part, as in psql); anything else is a URL or an SQLite file."""
    words = [words[0].rstrip(";"), *words[1:]]  # scripts write "\\c chinook;"
    first = words[0]
    plain = "://" not in first and "/" not in first and "." not in first and "=" not in first  # "=": conninfo
    on_server = not shell.db.is_sqlite and plain
    if not on_server:
        if len(words) > 1:
            raise UserError(f"too many arguments: {' '.join(words[1:])}", f"usage: {USAGE}")
        return resolve(first)
    url = shell.db.url
    parts = dict(zip(("database", "username", "host", "port"), words, strict=False))
    try:
        given = {k: v for k, v in parts.items() if v != "-"}
        port = int(given["port"]) if "port" in given else None
        # set() leaves a part given as None as it was
        return url.set(
            database=given.get("database"), username=given.get("username"), host=given.get("host"), port=port
        )
    except ValueError as exc:
        raise BadURL(f"bad port {parts.get('port')!r}") from exc
