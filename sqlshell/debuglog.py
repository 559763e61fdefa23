"""``--debug``: SQLAlchemy's own engine and pool log on stderr (connections
made, checked out and returned, statements sent), with every known password
scrubbed from each line before it is written."""

from __future__ import annotations

import logging
import sys

from sqlshell.urls import scrub_secrets


class _Scrubbed(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub_secrets(super().format(record))


def silence_drivers() -> None:
    """Without ``--debug``, psycopg's own log stays out of the user's stderr.

    psycopg logs a warning ("error ignored terminating <psycopg.Pipeline [BAD]>")
    when a pipeline or COPY it was closing meets a dead connection; with no
    handler configured, Python's last-resort handler prints that raw line
    beside the shell's own message about the same failure."""
    logging.getLogger("psycopg").addHandler(logging.NullHandler())


def enable() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Scrubbed("debug: %(name)s: %(message)s"))
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "psycopg"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG if name == "sqlalchemy.pool" else logging.INFO)
        logger.addHandler(handler)
