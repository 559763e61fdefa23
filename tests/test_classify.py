"""The one reading of each statement (issue #13): the tokenizer of
``sqltext.words``, the ``Classification`` the splitter attaches to each
statement, and the layers that read it instead of the text.

Table-driven cases for what each question answers, and properties
(hypothesis) that tie the shortcuts to the full readings: the verb the
splitter's scan hands over is the tokenizer's, and a text the splitter read
as one statement is one statement when split again (so pieces() may skip it).
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlshell.sqltext.classify import Classification, classified
from sqlshell.sqltext.destructive import destructive_reason
from sqlshell.sqltext.pieces import pieces, split_texts
from sqlshell.sqltext.split import Kind, Splitter, Statement, split
from sqlshell.sqltext.tags import derive_tag
from sqlshell.sqltext.words import first_word, leading_words, tokens, with_dml

# -- the tokenizer ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "want"),
    [
        ("insert into t (a) values (1, 'x; delete')", ["insert", "into", "t", "(", "a", ")", "values", "(", ")"]),
        ("select $$ delete $$, $f$ (update $f$ from t", ["select", "from", "t"]),
        ('select "update", `delete` from t -- where\n', ["select", "from", "t"]),
        ("/* drop */ select e'it\\'s (' , somee", ["select", "somee"]),
        ("select $1, a$b$ from t", ["select", "a$b$", "from", "t"]),
        ("select 'unterminated update", ["select"]),
        ('Select X FROM "T"', ["select", "x", "from"]),
    ],
)
def test_tokens_skip_strings_names_dollar_quotes_and_comments(sql: str, want: list[str]) -> None:
    assert list(tokens(sql)) == want


@pytest.mark.parametrize(
    ("sql", "want"),
    [
        ("insert into t (id, name) values (1, 'a')", ["insert", "into", "t", "id", "name", "values"]),
        ("-- c\n/* d */ DROP  TABLE t", ["drop", "table", "t"]),
        ("(select 1) union select 2", ["select", "union", "select"]),
        ("e'x' select", ["select"]),
        ("", []),
        ("; ;", []),
    ],
)
def test_leading_words(sql: str, want: list[str]) -> None:
    assert leading_words(sql) == want
    assert first_word(sql) == (want[0] if want else "")


@pytest.mark.parametrize(
    ("sql", "want"),
    [
        ("with x as (select 1) select * from x", None),
        ("with x as (select 'delete') select * from x where a = 'update'", None),
        ("with x as (select 1) insert into t select * from x", "insert"),
        ("with d as (delete from t returning *) select * from d", "delete"),
        ("with d as (delete from t returning *) update u set a = 1", "update"),
        ("with m as (select 1) merge into t using m on true when matched then do nothing", "merge"),
        ("with x as (select $$ update $$) select 1", None),
    ],
)
def test_one_rule_for_a_with_that_changes_data(sql: str, want: str | None) -> None:
    assert with_dml(sql) == want
    info = Classification(sql)
    assert info.with_dml == want
    assert info.streams_rows is (want is None)  # what only reads is streamed
    assert derive_tag(sql, 2, None) == {None: "SELECT 2", "insert": "INSERT 0 2", "merge": "MERGE"}.get(
        want, f"{(want or '').upper()} 2"
    )


# -- the classification -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "action", "name"),
    [
        ("BEGIN ISOLATION LEVEL SERIALIZABLE", "begin", None),
        ("start transaction read only", "begin", None),
        ("/* c */ commit", "commit", None),
        ('rollback to savepoint "Sp"', "rollback_to", "Sp"),
        ("ROLLBACK WORK TO a", "rollback_to", "a"),
        ("savepoint B", "savepoint", "b"),
        ("release savepoint b", "release", "b"),
        ("commit prepared 'x'", None, None),
        ("select 'begin'", None, None),
    ],
)
def test_transaction_commands(sql: str, action: str | None, name: str | None) -> None:
    txn = Classification(sql).txn
    assert (txn.action if txn else None) == action
    assert (txn.name if txn else None) == name


def test_what_the_classification_answers() -> None:
    copy_in = Classification("/* x */ COPY t (a) FROM STDIN WITH (FORMAT csv);")
    assert copy_in.copy_from_stdin and not copy_in.copy_to_stdout
    assert Classification("copy (select 1) to stdout").copy_to_stdout
    assert not Classification("select 'copy t from stdin'").copy_from_stdin
    assert Classification("create unique index i on t (a)").label == "CREATE UNIQUE"
    assert Classification("alter table t add b int").ddl
    assert not Classification("insert into t values (1)").ddl
    assert Classification("set session transaction isolation level read committed").isolation() == (
        "READ COMMITTED",
        True,
    )
    assert Classification("SET standard_conforming_strings = 'off'").standard_strings_set() is False
    assert Classification("reset standard_conforming_strings").standard_strings_set() is True
    assert Classification("create temporary table t (a int)").mysql_implicit_commit() is False
    assert Classification("create table t (a int)").mysql_implicit_commit() is True
    assert Classification("set autocommit = 1").mysql_implicit_commit() is True


def test_the_splitter_attaches_one_classification_that_every_layer_reads() -> None:
    stmts = split("insert into t values ('a;b');\nselect 1 \\; select 2;\ncopy t from stdin;\n1\n\\.\n")
    insert, joined, copy = stmts
    assert insert.info is insert.info and insert.info.verb == "insert"
    assert insert.info.single and not joined.info.single  # "\;" joined two statements
    assert copy.data == "1\n" and copy.info.copy_from_stdin
    # pieces() takes the splitter's classification and does not split the text again
    (part,) = pieces(insert.text, "postgresql", info=insert.info)
    assert part.info is insert.info and part.sql is insert.text
    # the executor, handed the text, gets the same object back
    assert classified(insert.text) is insert.info
    assert classified("insert into t values ('a;b');") is not insert.info  # equal text, another string: new
    assert [p.sql for p in pieces(joined.text, "postgresql", info=joined.info)] == ["select 1 ;", "select 2;"]


def test_a_statement_changed_by_a_variable_is_read_again() -> None:
    (stmt,) = split("select 1;")
    other = "delete from t;"
    assert pieces(other, "postgresql", info=stmt.info)[0].info.verb == "delete"


def test_destructive_reads_the_given_classification() -> None:
    (stmt,) = split("delete from t where a = 'x; y';")
    assert destructive_reason(stmt.text, None, stmt.info) is None
    (stmt,) = split("update t set a = (select 1 where true);")
    assert destructive_reason(stmt.text, None, stmt.info) == "UPDATE without WHERE changes every row"


# -- properties: the shortcuts agree with the full readings -------------------------

FRAGMENTS = [
    "select ", "insert into t values (1, 'a;b');", " ", "\n", ";", "'", "''", '"', "E'", "e'", "x'",
    "somee'", "$$", "$a$", "$1", "a$b$", "$", "--", "-- c\n", "/*", "*/", "/* c */", "(", ")",
    "create function f() returns int language sql begin atomic ", "begin", " end", "copy t from stdin",
    "with x as (", "delete from t", "\\x\n", "\\g\n", "\\;", "\\", "é", "x", "1",
    "set standard_conforming_strings = off;",
]  # fmt: skip
sql_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="ab1_$'\"\\;()-/*eE \n", max_size=6)), max_size=30
).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _statements(text: str, nested: bool) -> list[Statement]:
    splitter = Splitter(nested)
    return [s for s in splitter.feed(text) + splitter.finish() if s.kind is Kind.SQL]


@FAST
@given(sql_text, st.booleans())
def test_the_verb_the_scan_hands_over_is_the_tokenizers(text: str, nested: bool) -> None:
    for stmt in _statements(text, nested):
        assert stmt.info.verb == first_word(stmt.text)
        assert leading_words(stmt.text)[:1] == ([stmt.info.verb] if stmt.info.verb else [])


@FAST
@given(sql_text, st.booleans())
def test_a_text_read_as_one_statement_splits_into_itself(text: str, nested: bool) -> None:
    dialect = "postgresql" if nested else "sqlite"
    for stmt in _statements(text, nested):
        if stmt.info.single and "\\" not in stmt.text:
            assert split_texts(stmt.text, dialect, nested) == [stmt.text]


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE {t}_x (i int)",
        "ANALYZE TABLE {t}",
        "CHECK TABLE {t}",
        "FLUSH TABLES",
        "CREATE TEMPORARY TABLE {t}_tmp (i int)",
        "LOAD INDEX INTO CACHE {t}",
        "CACHE INDEX {t} IN default",
        "SELECT 1",
    ],
)
def test_mysql_implicit_commit_says_what_mariadb_does(mysql_url: str, statement: str) -> None:
    """The one list of implicitly committing statements, asked against the
    server: a row inserted in a transaction survives the ROLLBACK exactly when
    the classification says the statement committed it (seen from a second
    connection). The manual lists CACHE INDEX and LOAD INDEX INTO CACHE; MariaDB
    does not commit on them."""
    from sqlalchemy import create_engine, text

    table = f"ic_{uuid.uuid4().hex[:8]}"
    sql = statement.format(t=table)
    engine = create_engine(mysql_url)
    try:
        with engine.connect() as setup:
            setup.execute(text(f"CREATE TABLE {table} (i int) ENGINE=InnoDB"))
            setup.commit()
        with engine.connect() as conn:
            conn.execute(text(f"INSERT INTO {table} VALUES (1)"))  # SQLAlchemy's connection begins a transaction
            conn.execute(text(sql)).close()
            conn.rollback()
        with engine.connect() as observer:
            kept = observer.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert bool(kept) is Classification(sql).mysql_implicit_commit(), sql
    finally:
        with engine.connect() as cleanup:
            cleanup.execute(text(f"DROP TABLE IF EXISTS {table}, {table}_x"))
            cleanup.commit()
        engine.dispose()


def test_why_a_transaction_ended_is_read_from_the_classification() -> None:
    """``executors.ended.explain`` reads COMMIT / ROLLBACK and MariaDB's implicit
    commit from the classification (it had its own regexes): a string holding
    ``;commit`` is no COMMIT, ROLLBACK TO ends nothing, CREATE TEMPORARY does
    not commit."""
    from sqlshell.executors.ended import Ended, explain

    assert explain("postgresql", "insert into t values (1); commit", None).outcome is Ended.COMMITTED
    assert explain("postgresql", "insert into t values (1);\nrollback", None).outcome is Ended.ROLLED_BACK
    assert explain("postgresql", "select ';commit'", None).outcome is Ended.UNKNOWN
    assert explain("postgresql", "savepoint a; rollback to a", None).outcome is Ended.UNKNOWN
    assert explain("mariadb", "create table x (a int)", None).outcome is Ended.COMMITTED
    assert explain("mariadb", "create temporary table x (a int)", None).outcome is Ended.UNKNOWN
    failed_commit = explain("postgresql", None, Exception("boom"), ran=["insert into t values (1)", "END"])
    assert failed_commit.outcome is Ended.ROLLED_BACK
