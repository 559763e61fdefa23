"""From what the user typed to an SQLAlchemy URL, and back to something safe to show.

SQLAlchemy's ``make_url`` parses and validates; ``render_as_string(hide_password=True)``
masks. What this module adds is the shell's conveniences: ``postgres://`` means
psycopg 3, a bare file path means SQLite, and no URL at all means the embedded
default database in the user's data directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sqlshell.paths import data_dir

ENV_URL = "SQLSHELL_URL"
DEFAULT_DB_NAME = "default.sqlite3"

# Passwords this process has seen; every message shown to the user is scrubbed of them.
_SECRETS: set[str] = set()


# "postgresql:/x", "sqlite:foo": a URL with a typo, not a file name.
_SCHEME_TYPO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


class BadURL(ValueError):
    """The text is not a database URL we can use."""


def default_database() -> Path:
    """The embedded SQLite database used when no URL is given."""
    return data_dir() / DEFAULT_DB_NAME


def resolve(text: str | None, environ: os._Environ[str] | dict[str, str] | None = None) -> URL:
    """The URL to connect to: the argument, else $SQLSHELL_URL, else the embedded default."""
    environ = os.environ if environ is None else environ
    text = text or environ.get(ENV_URL) or ""
    if not text:
        path = default_database()
        path.parent.mkdir(parents=True, exist_ok=True)
        return make_url(f"sqlite:///{path}")
    if "://" not in text:
        if text == ":memory:":
            return make_url("sqlite://")
        if _SCHEME_TYPO.match(text) and not Path(text).exists():
            raise BadURL(f"not a valid database URL: {mask_text(text)} (expected dialect[+driver]://…)")
        # A bare path: an SQLite file (created on first write, as sqlite3 does).
        return make_url(f"sqlite:///{Path(text).expanduser().resolve()}")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise BadURL(
            f"not a valid database URL: {mask_text(text)} (expected dialect[+driver]://user@host:port/database)"
        ) from exc
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    for secret in (url.password, url.query.get("password")):
        if secret:
            _SECRETS.add(secret if isinstance(secret, str) else str(secret[-1]))
    return url


def with_password(url: URL, password: str) -> URL:
    """The URL with a password given some other way (the -W prompt)."""
    _SECRETS.add(password)
    return url.set(password=password)


def mask(url: URL) -> str:
    """The URL as shown anywhere: banner, prompt, status, errors, history
    (a ``?password=`` in the query is a password too)."""
    if "password" in url.query:
        url = url.update_query_dict({"password": "***"})
    return url.render_as_string(hide_password=True).replace("password=%2A%2A%2A", "password=***")


def mask_text(text: str) -> str:
    """Mask the password in a URL-looking string that may not parse."""
    head, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    creds, at, host = rest.rpartition("@")
    user, colon, _ = creds.partition(":")
    return f"{head}://{user}{':***' if colon else ''}{at}{host}"


def scrub_secrets(text: str) -> str:
    """Replace every known password in a message with ``***`` where it stands
    as a token of its own (a password "test" must not turn the table
    test_missing into ***_missing)."""
    for secret in _SECRETS:
        if secret and secret in text:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", "***", text)
    return text
