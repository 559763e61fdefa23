"""The SQL words completion offers: keywords common to PostgreSQL and SQLite
(and most of the standard), and the everyday functions. A short list on
purpose: a completion menu of 800 reserved words helps nobody."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


KEYWORDS = _words(
    """
    ABORT ADD ALL ALTER ANALYZE AND ANY AS ASC BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE
    COLUMN COMMENT COMMIT CONFLICT CONSTRAINT COPY CREATE CROSS CURRENT_DATE CURRENT_TIMESTAMP
    DATABASE DEFAULT DEFERRABLE DELETE DESC DISTINCT DO DROP ELSE END ESCAPE EXCEPT EXISTS EXPLAIN
    EXTENSION FALSE FETCH FILTER FIRST FOR FOREIGN FROM FULL FUNCTION GRANT GROUP HAVING IF ILIKE IN
    INDEX INNER INSERT INTERSECT INTERVAL INTO IS ISOLATION JOIN KEY LAST LATERAL LEFT LEVEL LIKE
    LIMIT MATERIALIZED NATURAL NOT NOTHING NULL NULLS OFFSET ON ONLY OR ORDER OUTER OVER PARTITION
    PRIMARY PRAGMA RECURSIVE REFERENCES RELEASE RENAME REPLACE RETURNING REVOKE RIGHT ROLLBACK ROW
    ROWS SAVEPOINT SCHEMA SELECT SEQUENCE SET SHOW TABLE TEMPORARY THEN TO TRANSACTION TRIGGER TRUE
    TRUNCATE UNION UNIQUE UPDATE USING VACUUM VALUES VIEW WHEN WHERE WINDOW WITH
    BIGINT BIGSERIAL BLOB BOOLEAN CHAR DATE DECIMAL DOUBLE FLOAT INTEGER JSON JSONB NUMERIC REAL
    SERIAL SMALLINT TEXT TIME TIMESTAMP TIMESTAMPTZ UUID VARCHAR
    """
)

FUNCTIONS = _words(
    """
    abs avg coalesce count date_trunc extract greatest least length lower max min now nullif
    round string_agg substr sum trim upper array_agg json_agg
    """
)

# After these words a table name comes next.
TABLE_BEFORE = frozenset({"from", "join", "into", "update", "table", "truncate", "describe"})
# After these words (and after commas in their clause) a column or an expression comes next.
COLUMN_BEFORE = frozenset(
    {"select", "where", "and", "or", "on", "by", "set", "having", "distinct", "when", "then", "else", "not"}
    | {"returning", "using", "case", "between", "like", "ilike", "in"}
)
# Words that end a FROM list or cannot be a table alias.
NOT_ALIAS = frozenset(w.lower() for w in KEYWORDS) | {"natural", "lateral"}
