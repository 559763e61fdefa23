"""From what the user typed to an SQLAlchemy URL, and back to something safe to show.

SQLAlchemy's ``make_url`` parses and validates; ``render_as_string(hide_password=True)``
masks. What this module adds is the shell's conveniences: ``postgres://`` means
psycopg 3; a libpq connection string (``host=… dbname=…``) or psql's connection
flags (``-h``, ``-p``, ``-U``, ``-d``) mean PostgreSQL; an existing file or a name
with an SQLite suffix means SQLite; no URL at all means the embedded default
database in the user's data directory.

For PostgreSQL, libpq does the rest: whatever the URL leaves out comes from the
libpq environment (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE``,
``PGPASSWORD``, ``PGSERVICE`` with ``pg_service.conf``, ``.pgpass``), exactly as
for psql, because the shell never fills those parts in itself.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
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


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")

# "host=h dbname=d": a libpq connection string starts with a keyword and "=".
_CONNINFO = re.compile(r"^\s*[A-Za-z_]+\s*=")
# password=… inside a connection string, quoted or not.
_CONNINFO_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
# A host that fits in a URL's host part (not a socket directory, not a list).
_PLAIN_HOST = re.compile(r"^[A-Za-z0-9.-]+$")


class BadURL(ValueError):
    """The text is not a database URL we can use."""


@dataclass(frozen=True)
class ServerOptions:
    """psql's connection flags (-h, -p, -U, -d): whatever is given means PostgreSQL
    (or sets that part of a server URL); whatever is not is left to libpq."""

    host: str | None = None
    port: int | None = None
    username: str | None = None
    dbname: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.host, self.port, self.username, self.dbname))


def default_database() -> Path:
    """The embedded SQLite database used when no URL is given."""
    return data_dir() / DEFAULT_DB_NAME


def resolve(
    text: str | None,
    environ: os._Environ[str] | dict[str, str] | None = None,
    server: ServerOptions | None = None,
) -> URL:
    """The URL to connect to: the argument, else $SQLSHELL_URL, else the embedded
    default; psql's flags in ``server`` name PostgreSQL or set parts of the URL."""
    environ = os.environ if environ is None else environ
    server = server or ServerOptions()
    if text is None and server.dbname is not None:
        text, server = server.dbname, ServerOptions(server.host, server.port, server.username)
        if not text or ("://" not in text and not _CONNINFO.match(text)):
            return _server_url(server, text or None)  # -d NAME: psql's database name
    if not text and server:
        return _server_url(server, None)  # -h/-p/-U alone: libpq's environment does the rest
    text = text or environ.get(ENV_URL) or ""
    if not text:
        path = default_database()
        path.parent.mkdir(parents=True, exist_ok=True)
        return make_url(f"sqlite:///{path}")
    if "://" in text:
        url = _parse_url(text)
    elif _CONNINFO.match(text) and not Path(text).expanduser().exists():
        url = _conninfo_url(text)
    elif server:
        if Path(text).expanduser().is_file() or Path(text).suffix.lower() in SQLITE_SUFFIXES:
            raise BadURL(f"-h, -p, -U and -d name a database server; {text} is an SQLite file")
        return _server_url(server, text)  # sqlshell -h host -U me shop: as psql
    else:
        url = _local_url(text)
    if server:
        url = _with_server_options(url, server)
    _remember_secrets(url)
    return url


def _parse_url(text: str) -> URL:
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise BadURL(
            f"not a valid database URL: {mask_text(text)} (expected dialect[+driver]://user@host:port/database)"
        ) from exc
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _local_url(text: str) -> URL:
    """A word that is not a URL: an SQLite file, if it clearly is one. A word that
    names no file and has no SQLite suffix is refused rather than silently made
    into a new empty database (psql users type ``sqlshell shop`` for a server)."""
    if text == ":memory:":
        return make_url("sqlite://")
    path = Path(text).expanduser()
    if _SCHEME_TYPO.match(text) and not path.exists():
        raise BadURL(f"not a valid database URL: {mask_text(text)} (expected dialect[+driver]://…)")
    if path.is_dir():
        raise BadURL(f"{text} is a directory, not a database file")
    if not path.exists() and path.suffix.lower() not in SQLITE_SUFFIXES:
        name = path.name or text
        raise BadURL(
            f"no database file {text!r}: for the PostgreSQL database write postgresql:///{name} (or -d {name}), "
            f"for a new SQLite file {name}.db or sqlite:///{text}"
        )
    # An SQLite file (created on first write, as sqlite3 does).
    return make_url(f"sqlite:///{path.resolve()}")


def _one_line(text: str) -> str:
    """psycopg's message on one line (``errors.one_line``'s rule: errors imports
    this module, so this one folds its own)."""
    return re.sub(r"\s*\n\s*", "; ", text.strip())


def _conninfo_url(text: str) -> URL:
    """A libpq connection string as a psycopg URL. libpq parses it (psycopg's
    ``conninfo_to_dict``); the parts a URL has a place for go there (so the
    password is masked like any other), the rest (``service``, ``sslmode``,
    ``options``, socket directories, host lists) travel as query parameters,
    which SQLAlchemy hands to psycopg as they are."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = {k: str(v) for k, v in conninfo_to_dict(text).items()}
    except ProgrammingError as exc:
        raise BadURL(f"not a valid connection string: {mask_conninfo(text)} ({_one_line(str(exc))})") from exc
    password = params.pop("password", None)
    if password:
        _SECRETS.add(password)
    fields: dict[str, object] = {
        "username": params.pop("user", None),
        "password": password,
        "database": params.pop("dbname", None),
    }
    host, port = params.get("host"), params.get("port")
    if host is None or _PLAIN_HOST.match(host):
        fields["host"] = params.pop("host", None)
        if port is not None and port.isdigit():
            fields["port"] = int(params.pop("port"))
    return URL.create("postgresql+psycopg", query=params, **fields)  # type: ignore[arg-type]


def _server_url(server: ServerOptions, dbname: str | None) -> URL:
    """PostgreSQL through libpq, with only what was given: libpq's environment
    and service files supply the rest."""
    url = URL.create("postgresql+psycopg", database=dbname)
    return _with_server_options(url, server)


def _with_server_options(url: URL, server: ServerOptions) -> URL:
    if url.get_backend_name() == "sqlite":
        raise BadURL(
            f"-h, -p, -U and -d name a database server; {mask(url)} is an SQLite file (give a server URL instead)"
        )
    changes: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "database": server.dbname,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if "host" in changes and not _PLAIN_HOST.match(str(changes["host"])):
        # a socket directory or a host list: libpq's host parameter, not the URL's
        query = dict(url.query)
        query["host"] = str(changes.pop("host"))
        url = url.set(query=query)
    return url.set(**changes) if changes else url  # type: ignore[arg-type]


def _remember_secrets(url: URL) -> None:
    for secret in (url.password, url.query.get("password")):
        if secret:
            _SECRETS.add(secret if isinstance(secret, str) else str(secret[-1]))


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


def mask_conninfo(text: str) -> str:
    """A libpq connection string with its password masked."""
    return _CONNINFO_PASSWORD.sub(lambda m: m.group(1) + "***", text)


def scrub_secrets(text: str) -> str:
    """Replace every known password in a message with ``***`` where it stands
    as a token of its own (a password "test" must not turn the table
    test_missing into ***_missing)."""
    for secret in _SECRETS:
        if secret and secret in text:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", "***", text)
    return text
