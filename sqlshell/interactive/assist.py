"""psql 11+'s help for people who type words instead of meta-commands:
``help``, ``quit`` and ``exit`` alone on a line (no blanks before them, maybe
one ``;`` after, any case). On an empty input they act; inside an unfinished
statement psql only says what to do instead, and the line stays part of the
statement."""

from __future__ import annotations

import re

_WORD = re.compile(r"(help|quit|exit)\s*;?\s*\Z", re.IGNORECASE)

HELP = (
    "You are using sqlshell, an SQL shell on SQLAlchemy.\n"
    "Type:  \\? for help with meta-commands (\\? COMMAND for one)\n"
    "       \\g or end with a semicolon to run a statement\n"
    "       \\q to quit\n"
)


def assistance_word(line: str) -> str | None:
    """``help`` or ``quit`` (for quit and exit) when ``line`` is one of them, else None."""
    m = _WORD.match(line)
    if m is None:
        return None
    word = m.group(1).lower()
    return "help" if word == "help" else "quit"


def hint(word: str, open_state: str) -> str:
    """psql's line for an assistance word typed inside an unfinished statement."""
    if word == "help":
        return "Use \\? for help or press Ctrl-C to clear the input buffer."
    if open_state in ("-", "("):
        return "Use \\q to quit."
    return "Use Ctrl-C to clear the input buffer, then \\q to quit."
