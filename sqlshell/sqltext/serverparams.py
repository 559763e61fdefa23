"""The server parameters that change how input is read, as the driver last heard them.

psql's lexer follows the server's ``standard_conforming_strings``: with it off
(on the database, the role, or ``options=-c …`` in the connection string), a
backslash escapes in every ``'…'`` literal, so ``'a\\'; drop table t; --'`` is
one literal, not a literal and a DROP. The server reports the parameter at
connect and whenever it changes (``SET``, ``RESET``, a function's ``SET``
clause) in a ParameterStatus message; psycopg keeps the last value
(``info.parameter_status``), so reading it costs no query.
"""

from __future__ import annotations

from typing import Any


def standard_strings(driver_connection: Any) -> bool | None:
    """psycopg: is ``standard_conforming_strings`` on? None when unknown
    (another driver, a closed connection, a server that does not report it).
    Read from libpq itself (``PGconn.parameter_status``, one C call): the
    splitter asks before every statement, and psycopg's ``info`` builds an
    object and looks the client encoding up on each reading."""
    pgconn = getattr(driver_connection, "pgconn", None)
    reader = getattr(pgconn, "parameter_status", None)
    if reader is None:
        return None
    try:
        value = reader(b"standard_conforming_strings")
    except Exception:  # psycopg.OperationalError: the connection is closed
        return None
    if value is None:
        return None
    return bytes(value).lower() == b"on"
