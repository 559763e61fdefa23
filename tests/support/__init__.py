"""Test helpers, imported by test modules (``from support import run_cli``);
``tests/conftest.py`` keeps only fixtures.

- ``servers``: the PostgreSQL and MariaDB test servers, required or skipped; ``drop``, ``count``.
- ``cli``: ``run_cli``, the real entry point in-process.
- ``driver``: ``ShellDriver`` (a Shell statement by statement) and ``fed_in_chunks``.
- ``repl_harness``: the real REPL driven through prompt_toolkit's pipe input.
- ``psql_agreement``: the same corpus script through psql and sqlshell, compared.
- ``fake_pg_auth``: a loopback server that asks for a password and refuses it.
"""

from support.cli import Run, run_cli
from support.driver import ShellDriver, fed_in_chunks
from support.servers import (
    MYSQL_URL,
    PG_URL,
    REQUIRE_MYSQL,
    REQUIRE_PG,
    count,
    drop,
    require,
    require_mysql,
    require_pg,
    sqlalchemy_url,
)

__all__ = [
    "MYSQL_URL",
    "PG_URL",
    "REQUIRE_MYSQL",
    "REQUIRE_PG",
    "Run",
    "ShellDriver",
    "count",
    "drop",
    "fed_in_chunks",
    "require",
    "require_mysql",
    "require_pg",
    "run_cli",
    "sqlalchemy_url",
]
