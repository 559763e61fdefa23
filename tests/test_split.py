"""Table-driven tests for the statement splitter (sqlshell/sqltext/split.py).

Reference: psql's lexer (src/fe_utils/psqlscan.l).  Every case states the
exact statements expected: kind, text, 1-based line, and the ``\\g``-style
terminator when there is one.  Every case is also fed to an incremental
``Splitter`` in many chunkings, which must give the same statements.
"""

from __future__ import annotations

import random

import pytest
from support import fed_in_chunks

from sqlshell.sqltext.split import Kind, Splitter, Statement, is_complete, split


def S(text: str, line: int = 1, terminator: str = "") -> Statement:
    return Statement(Kind.SQL, text, line, terminator)


def M(text: str, line: int = 1) -> Statement:
    return Statement(Kind.META, text, line)


# (id, input, expected statements, nested_comments)
PG, SQLITE = True, False
CASES: list[tuple[str, str, list[Statement], bool]] = [
    # -- basics ------------------------------------------------------------
    ("one", "select 1;", [S("select 1;")], PG),
    ("two-on-a-line", "select 1; select 2;", [S("select 1;"), S("select 2;")], PG),
    (
        "multi-line",
        "select\n  1\n;\nselect 2;",
        [S("select\n  1\n;"), S("select 2;", 4)],
        PG,
    ),
    ("final-without-semicolon", "select 1;\nselect 2", [S("select 1;"), S("select 2", 2)], PG),
    ("trailing-blanks-stripped", "  select 1  \n\n", [S("select 1")], PG),
    ("leading-blank-lines", "\n\n\n  select 1;", [S("select 1;", 4)], PG),
    ("empty", "", [], PG),
    ("whitespace-only", " \n\t\n  ", [], PG),
    ("empty-statements", ";;\n ; ;", [], PG),
    ("empty-between", "select 1;;;select 2;", [S("select 1;"), S("select 2;")], PG),
    # -- string literals ---------------------------------------------------
    ("string-with-semicolon", "select 'a;b'; select 2;", [S("select 'a;b';"), S("select 2;")], PG),
    ("doubled-quote", "select 'it''s; fine';", [S("select 'it''s; fine';")], PG),
    ("doubled-quote-only", "select '''';select 2;", [S("select '''';"), S("select 2;")], PG),
    (
        "string-across-lines",
        "select 'a\n;b';\nselect 2;",
        [S("select 'a\n;b';"), S("select 2;", 3)],
        PG,
    ),
    (
        "standard-string-backslash-is-plain",
        "select 'C:\\';select 2;",
        [S("select 'C:\\';"), S("select 2;")],
        PG,
    ),
    ("e-string-escaped-quote", "select E'it\\'s; ok';", [S("select E'it\\'s; ok';")], PG),
    ("e-string-lowercase", "select e'\\\\';select 2;", [S("select e'\\\\';"), S("select 2;")], PG),
    ("e-string-doubled-quote", "select E'a''b;c';", [S("select E'a''b;c';")], PG),
    ("e-string-after-paren", "select (E'\\';');", [S("select (E'\\';');")], PG),
    (
        "somee-is-not-an-e-string",
        "select somee'x\\';select 2;",
        [S("select somee'x\\';"), S("select 2;")],
        PG,
    ),
    (
        "e-string-quote-continuation",
        "select E'a'\n'b\\';c';\nselect 2;",
        [S("select E'a'\n'b\\';c';"), S("select 2;", 3)],
        PG,
    ),
    ("e-string-at-statement-start", "select 1;E'\\';';", [S("select 1;"), S("E'\\';';")], PG),
    # -- quoted identifiers ------------------------------------------------
    ("quoted-identifier", 'select 1 as "a;b";', [S('select 1 as "a;b";')], PG),
    ("quoted-identifier-doubled", 'select 1 as "a"";b";select 2;', [S('select 1 as "a"";b";'), S("select 2;")], PG),
    ("quoted-identifier-with-quote", 'select 1 as "it\'s";select 2;', [S('select 1 as "it\'s";'), S("select 2;")], PG),
    # -- line comments -----------------------------------------------------
    (
        "line-comment-with-semicolon",
        "select 1 -- no; split\n, 2;",
        [S("select 1 -- no; split\n, 2;")],
        PG,
    ),
    ("leading-line-comments-dropped", "-- header\n-- more\nselect 1;", [S("select 1;", 3)], PG),
    (
        "line-comment-between-statements",
        "select 1; -- one\n-- two\nselect 2;",
        [S("select 1;"), S("select 2;", 3)],
        PG,
    ),
    ("line-comment-only", "-- just a comment", [], PG),
    ("trailing-line-comment", "select 1;\n-- bye", [S("select 1;")], PG),
    ("unterminated-statement-then-comment", "select 1 -- done", [S("select 1 -- done")], PG),
    ("quote-in-line-comment", "select 1; -- it's\nselect 2;", [S("select 1;"), S("select 2;", 2)], PG),
    # -- block comments ----------------------------------------------------
    ("block-comment-with-semicolon", "select /* ; */ 1;", [S("select /* ; */ 1;")], PG),
    ("leading-block-comment-kept", "/* hi */ select 1;", [S("/* hi */ select 1;")], PG),
    ("block-comment-only-piece", "select 1; /* bye */", [S("select 1;")], PG),
    ("block-comment-and-semicolon", "/* a */;\n/* b */ -- c\n;", [], PG),
    (
        "nested-block-comment-pg",
        "select /* a /* b; */ c; */ 1; select 2;",
        [S("select /* a /* b; */ c; */ 1;"), S("select 2;")],
        PG,
    ),
    (
        "block-comment-not-nested-sqlite",
        "select /* a /* b */ 1; select 2;",
        [S("select /* a /* b */ 1;"), S("select 2;")],
        SQLITE,
    ),
    (
        "unterminated-nested-comment-pg",
        "select /* a /* b */ 1; select 2;",
        [S("select /* a /* b */ 1; select 2;")],
        PG,
    ),
    ("star-slash-star", "select 1 /**/;/*/ x */ select 2;", [S("select 1 /**/;"), S("/*/ x */ select 2;")], PG),
    # -- dollar quotes -----------------------------------------------------
    ("dollar-quote", "select $$a;b$$;", [S("select $$a;b$$;")], PG),
    (
        "tagged-dollar-function-body",
        "create function f() returns int as $fn$\nbegin\n  return 1;\nend;\n$fn$ language plpgsql;\nselect 2;",
        [
            S("create function f() returns int as $fn$\nbegin\n  return 1;\nend;\n$fn$ language plpgsql;"),
            S("select 2;", 6),
        ],
        PG,
    ),
    ("dollar-inner-tag", "select $a$ $b$ ; $b$ $a$;", [S("select $a$ $b$ ; $b$ $a$;")], PG),
    ("dollar-tag-mismatch", "select $a$ x $b$; $ab$; $a$;", [S("select $a$ x $b$; $ab$; $a$;")], PG),
    ("dollar-quote-holds-quotes", "select $$it's \"x;$$;select 2;", [S("select $$it's \"x;$$;"), S("select 2;")], PG),
    ("positional-parameters", "select $1; select $2$3;", [S("select $1;"), S("select $2$3;")], PG),
    ("dollar-in-identifier", "select a$b$ from t; select 2;", [S("select a$b$ from t;"), S("select 2;")], PG),
    ("unicode-dollar-tag", "select $é$ ; $é$;", [S("select $é$ ; $é$;")], PG),
    ("lone-dollar", "select 1 $ 2; select 3;", [S("select 1 $ 2;"), S("select 3;")], PG),
    ("dollar-quote-after-number", "select 1$$;$$;", [S("select 1$$;$$;")], PG),
    ("dollar-quote-after-parameter", "select $1$$;$$;", [S("select $1$$;$$;")], PG),
    ("dollar-quote-after-dollar-quote", "select $a$x$a$$b$;$b$;", [S("select $a$x$a$$b$;$b$;")], PG),
    (
        "number-junk-e-is-not-an-e-string",  # psql 15+: 1e is trailing junk, then a plain '...'
        "select 1e'\\';select 2;",
        [S("select 1e'\\';"), S("select 2;")],
        PG,
    ),
    # -- parentheses -------------------------------------------------------
    (
        "create-rule-semicolons-in-parens",
        "create rule r as on insert to t do (insert into a values (1); insert into b values (2));\nselect 1;",
        [
            S("create rule r as on insert to t do (insert into a values (1); insert into b values (2));"),
            S("select 1;", 2),
        ],
        PG,
    ),
    ("unbalanced-close-paren", "select 1); select 2;", [S("select 1);"), S("select 2;")], PG),
    ("paren-in-string-ignored", "select '(';select 2;", [S("select '(';"), S("select 2;")], PG),
    # -- BEGIN ... END bodies ----------------------------------------------
    (
        "begin-atomic-function",
        "create function f() returns int language sql\nbegin atomic\n  select 1;\n  select 2;\nend;\nselect 3;",
        [
            S("create function f() returns int language sql\nbegin atomic\n  select 1;\n  select 2;\nend;"),
            S("select 3;", 6),
        ],
        PG,
    ),
    (
        "begin-atomic-procedure-with-case",
        "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; INSERT INTO t VALUES (1); END;"
        "\nselect 1;",
        [
            S(
                "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; "
                "INSERT INTO t VALUES (1); END;"
            ),
            S("select 1;", 2),
        ],
        PG,
    ),
    (
        "begin-atomic-after-block-comment",
        "/* helper */ create function f() returns int begin atomic select 1; end;\nselect 2;",
        [S("/* helper */ create function f() returns int begin atomic select 1; end;"), S("select 2;", 2)],
        PG,
    ),
    ("begin-is-a-statement-elsewhere", "begin;\nselect 1;\nend;", [S("begin;"), S("select 1;", 2), S("end;", 3)], PG),
    (
        "case-outside-body-not-tracked",
        "create function f() returns int language sql return case when true then 1 end;\nselect 2;",
        [S("create function f() returns int language sql return case when true then 1 end;"), S("select 2;", 2)],
        PG,
    ),
    (
        "begin-in-parens-not-tracked",
        "create function f(begin int) returns int language sql return 1;\nselect 2;",
        [S("create function f(begin int) returns int language sql return 1;"), S("select 2;", 2)],
        PG,
    ),
    (
        "create-table-begin-column-not-tracked",
        "create table t (x int); select begin from t;\nselect 2;",
        [S("create table t (x int);"), S("select begin from t;"), S("select 2;", 2)],
        PG,
    ),
    (
        "postgres-trigger-not-tracked",  # psql tracks no trigger: a PostgreSQL trigger has no BEGIN body
        "create trigger t before update of begin on x for each row execute function f();\nselect 1;",
        [S("create trigger t before update of begin on x for each row execute function f();"), S("select 1;", 2)],
        PG,
    ),
    (
        "begin-atomic-after-backslash-semicolon",
        "select 1 \\; create function f() returns int begin atomic select 1; end;\nselect 2;",
        [S("select 1 ; create function f() returns int begin atomic select 1; end;"), S("select 2;", 2)],
        PG,
    ),
    (
        "sqlite-trigger",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (1);\n  UPDATE c SET x = 1;\nEND;\nselect 1;",
        [
            S("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (1);\n  UPDATE c SET x = 1;\nEND;"),
            S("select 1;", 5),
        ],
        SQLITE,
    ),
    (
        "sqlite-temp-trigger-with-case",
        "create temp trigger t after insert on a begin "
        "update b set y = case when new.x then 1 else 0 end; delete from c; end; select 1;",
        [
            S(
                "create temp trigger t after insert on a begin "
                "update b set y = case when new.x then 1 else 0 end; delete from c; end;"
            ),
            S("select 1;"),
        ],
        SQLITE,
    ),
    # -- meta-commands -----------------------------------------------------
    ("meta-line", "\\x\nselect 1;", [M("\\x"), S("select 1;", 2)], PG),
    ("meta-after-statement", "select 1; \\x", [S("select 1;"), M("\\x")], PG),
    ("meta-runs-to-end-of-line", "\\echo a; b\nselect 1;", [M("\\echo a; b"), S("select 1;", 2)], PG),
    ("meta-only", "\\q", [M("\\q")], PG),
    (
        "meta-inside-statement",
        "select\n\\x\n1;",
        [M("\\x", 2), S("select\n1;")],  # the meta line leaves no trace, as in psql
        PG,
    ),
    ("indented-meta-line", "select\n  \\x\n1;", [M("\\x", 2), S("select\n1;")], PG),
    ("meta-mid-line-keeps-line-break", "select a\\x\nfrom t;", [M("\\x"), S("select a\nfrom t;")], PG),
    ("g-terminator", "select 1 \\g\nselect 2;", [S("select 1", 1, "\\g"), S("select 2;", 2)], PG),
    ("gx-terminator-with-argument", "select\n1\n\\gx /tmp/out\n", [S("select\n1", 1, "\\gx /tmp/out")], PG),
    ("watch-terminator", "select now()\n\\watch 2\n", [S("select now()", 1, "\\watch 2")], PG),
    ("getenv-is-no-terminator", "select\n\\getenv home HOME\n1;", [M("\\getenv home HOME", 2), S("select\n1;")], PG),
    ("g-after-comment-only", "/* c */ \\g\nselect 1;", [S("select 1;", 2)], PG),
    ("backslash-in-string", "select '\\x';select '\\g';", [S("select '\\x';"), S("select '\\g';")], PG),
    ("backslash-in-dollar-quote", "select $$\n\\x\n$$;", [S("select $$\n\\x\n$$;")], PG),
    (
        "backslash-in-comment",
        "select 1 /* \\x */; -- \\y\nselect 2;",
        [S("select 1 /* \\x */;"), S("select 2;", 2)],
        PG,
    ),
    ("backslash-semicolon", "select 1 \\; select 2;\nselect 3;", [S("select 1 ; select 2;"), S("select 3;", 2)], PG),
    ("backslash-colon", "select 'a' \\:\\: text;", [S("select 'a' :: text;")], PG),
    # -- line numbers, CRLF, unicode ---------------------------------------
    (
        "crlf",
        "select 1;\r\nselect\r\n  2;\r\n\\x\r\n-- c\r\nselect 3\r\n",
        [S("select 1;"), S("select\r\n  2;", 2), M("\\x", 4), S("select 3", 6)],
        PG,
    ),
    (
        "crlf-meta-inside-statement",
        "select\r\n\\x\r\n1;",
        [M("\\x", 2), S("select\r\n1;")],
        PG,
    ),
    (
        "unicode",
        "select 'héllo 😀;';\nselect 'مرحبا' as \"עברית;\";",
        [S("select 'héllo 😀;';"), S("select 'مرحبا' as \"עברית;\";", 2)],
        PG,
    ),
    # -- unterminated constructs at end of input -----------------------------
    ("unterminated-string", "select 1;\nselect 'abc; select 2;", [S("select 1;"), S("select 'abc; select 2;", 2)], PG),
    ("unterminated-dollar", "select $$ abc; select 2;", [S("select $$ abc; select 2;")], PG),
    ("unterminated-identifier", 'select "abc; select 2;', [S('select "abc; select 2;')], PG),
    ("unterminated-comment-is-sent", "select 1; /* open", [S("select 1;"), S("/* open")], PG),
    ("open-paren", "select (1; select 2;", [S("select (1; select 2;")], PG),
]


def _cases() -> list:
    return [pytest.param(text, expected, nested, id=case_id) for case_id, text, expected, nested in CASES]


def test_case_count_and_unique_ids() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 40


@pytest.mark.parametrize(("text", "expected", "nested"), _cases())
def test_split(text: str, expected: list[Statement], nested: bool) -> None:
    assert split(text, nested_comments=nested) == expected


# -- incremental feeding ------------------------------------------------------


def _chunkings(text: str) -> list[list[str]]:
    """1-char chunks; 7-char chunks at every phase; every cut into two pieces;
    a few seeded random chunkings."""
    out = [list(text)]
    for phase in range(7):
        out.append([text[:phase]] + [text[i : i + 7] for i in range(phase, len(text), 7)])
    for cut in range(len(text) + 1):
        out.append([text[:cut], text[cut:]])
    rnd = random.Random(text)
    for _ in range(10):
        cuts = sorted(rnd.sample(range(len(text) + 1), min(len(text) + 1, rnd.randint(1, 8))))
        out.append([text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)])
    return out


@pytest.mark.parametrize(("text", "expected", "nested"), _cases())
def test_incremental_feeding_matches_whole(text: str, expected: list[Statement], nested: bool) -> None:
    for chunks in _chunkings(text):
        assert "".join(chunks) == text
        assert fed_in_chunks(chunks, nested) == expected, chunks


def test_incremental_whole_script() -> None:
    script = "\n".join(case[1] for case in CASES if case[3] is PG)
    whole = split(script)
    for size in (1, 2, 3, 7, 64, 1000):
        assert fed_in_chunks([script[i : i + size] for i in range(0, len(script), size)], True) == whole


def test_meta_inside_unfinished_statement_runs_at_once() -> None:
    splitter = Splitter()
    assert splitter.feed("select\n\\x\n") == [M("\\x", 2)]
    assert splitter.feed("1;\n") == [S("select\n1;")]
    assert splitter.finish() == []


def test_line_numbers_continue_across_feeds() -> None:
    splitter = Splitter()
    assert splitter.feed("select 1;\n\n") == [S("select 1;")]
    assert splitter.feed("select\n2;\r\n") == [S("select\n2;", 3)]
    assert splitter.feed("select 3") == []
    assert splitter.finish() == [S("select 3", 5)]


def test_script_of_many_statements() -> None:
    rows = [f"insert into t values ({i}, 'it''s; {i}', $${i};$$);" for i in range(5000)]
    script = "-- generated\n" + "\n".join(rows) + "\n"
    out = split(script)
    assert len(out) == 5000
    assert out[0] == S(rows[0], 2)
    assert out[-1] == S(rows[-1], 5001)


# -- is_complete ----------------------------------------------------------------

COMPLETE = [
    ("empty", "", True),
    ("blank", "  \n", True),
    ("unterminated", "select 1", False),
    ("terminated", "select 1;", True),
    ("terminated-newline", "select 1;\n", True),
    ("second-unterminated", "select 1; select 2", False),
    ("meta", "\\q", True),
    ("meta-with-args", "\\echo hi there", True),
    ("g-terminator", "select 1 \\g", True),
    ("meta-inside-statement", "select 1 \\x", False),
    ("open-string", "select 'abc;", False),
    ("open-e-string", "select E'\\';", False),
    ("open-dollar", "select $$ abc;", False),
    ("open-tagged-dollar", "select $a$ abc; $b$;", False),
    ("open-identifier", 'select "abc;', False),
    ("open-comment", "select 1; /* abc;", False),
    ("open-nested-comment", "/* a /* b */ ;", False),
    ("closed-comment", "/* a */", True),
    ("line-comment", "-- abc", True),
    ("statement-then-comment", "select 1; -- done", True),
    ("unterminated-with-comment", "select 1 -- done;", False),
    ("open-paren", "select (1;", False),
    ("open-begin-atomic", "create function f() returns int begin atomic select 1;", False),
    ("closed-begin-atomic", "create function f() returns int begin atomic select 1; end;", True),
    ("comment-and-meta", "/* c */\n\\x", True),
    ("unterminated-string-after-newline", "select 'a'\n'", False),
    ("string-across-lines", "select 'a\n;", False),
]


@pytest.mark.parametrize(("text", "complete"), [pytest.param(t, c, id=i) for i, t, c in COMPLETE])
def test_is_complete(text: str, complete: bool) -> None:
    assert is_complete(text) is complete


def test_is_complete_sqlite() -> None:
    assert is_complete("/* a /* b */ ;", nested_comments=False) is True
    assert is_complete("/* a /* b */ ;", nested_comments=True) is False
    trigger = "create trigger t after insert on a begin insert into b values (1);"
    assert is_complete(trigger, nested_comments=False) is False
    assert is_complete(trigger + " end;", nested_comments=False) is True
    assert is_complete(trigger, nested_comments=True) is True  # PostgreSQL: no trigger bodies


def test_standard_conforming_strings_off_makes_backslash_escape() -> None:
    """psql follows the server's setting: with it off, '\\'' does not end a literal."""
    text = "set standard_conforming_strings = off;\nselect 'a\\'b;c';\n"
    text += "reset standard_conforming_strings;\nselect 'x\\';\n"
    assert [s.text for s in split(text)] == [
        "set standard_conforming_strings = off;",
        "select 'a\\'b;c';",
        "reset standard_conforming_strings;",
        "select 'x\\';",
    ]
