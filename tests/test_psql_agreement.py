"""On a sample of PostgreSQL's own regression scripts, the server receives
from sqlshell exactly the statements it receives from psql (read back from
the server's log). The whole corpus: `python tests/support/psql_agreement.py`."""

from __future__ import annotations

import os
import shutil

import pytest
from support import require, require_pg
from support.psql_agreement import CORPUS, LOG, compare

SAMPLE = ["comments.sql", "strings.sql", "create_function_sql.sql", "rules.sql", "copy.sql"]


@pytest.mark.parametrize("name", SAMPLE)
def test_same_statements_as_psql(name: str) -> None:
    base = require_pg()
    require((CORPUS / name).exists(), "shared/corpus is not beside the project")
    require(
        shutil.which("psql") is not None and os.access(LOG, os.R_OK),
        f"needs psql and a readable server log ({LOG}, or $SQLSHELL_PG_LOG)",
    )
    result = compare(CORPUS / name, base)
    assert result.psql, "psql sent nothing: is log_statement honoured?"
    assert result.equal, result.first_difference()
