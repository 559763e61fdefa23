"""Property tests (hypothesis) for the statement splitter, on random and
mutated SQL: unbalanced quotes, stray ``$`` and ``\\``, NUL bytes, long
lines, emoji and right-to-left text.

Properties, each for PostgreSQL (nested comments) and SQLite rules:
  * nothing raises;
  * no text is lost: every character outside comments that is not blank or
    ``;`` reaches a statement, in order (checked against a plain
    character-by-character reading of the same lexical rules);
  * feeding the text in any chunks gives what splitting it whole gives;
  * ``is_complete(text)`` is True exactly when nothing is pending: adding a
    ``;`` on a new line changes nothing;
  * line numbers point at the line holding the statement's first character.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import fed_in_chunks

from sqlshell.sqltext.split import Kind, Splitter, is_complete, split

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- input generators -------------------------------------------------------------

FRAGMENTS = [
    "select ",
    "insert into t values (1, 'a;b');",
    " ",
    "\n",
    "\r\n",
    ";",
    "'",
    "''",
    '"',
    "E'",
    "e'",
    "somee'",
    "1e'",
    "\\'",
    "$$",
    "$a$",
    "$fn$",
    "$1",
    "1$$",
    "a$b$",
    "$",
    "--",
    "-- c\n",
    "/*",
    "*/",
    "/* c */",
    "(",
    ")",
    "create function f() returns int language sql begin atomic ",
    "create or replace procedure p() begin atomic ",
    "create trigger t after insert on a begin ",
    "create temp trigger t after insert on a begin ",
    "begin",
    " end",
    " case ",
    "\\x\n",
    "\\g\n",
    "\\gx out\n",
    "\\echo a;b",
    "\\;",
    "\\:",
    "\\",
    "\x00",
    "😀",
    "é",
    "\u202eשלום\u202c",
    "مرحبا",
    "\t",
    "x",
    "1",
]

fragment = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(alphabet="ab1_$'\"\\;()-/*eE \n\r", max_size=6),
    st.text(max_size=3),
)
long_line = st.builds(
    lambda s, k: s * k, st.sampled_from(["x", "$", "'", "-", "é", " ", "a$", "/*", "\\"]), st.integers(200, 2000)
)
random_sql = st.lists(st.one_of(fragment, fragment, fragment, long_line), max_size=40).map("".join)

SEEDS = [
    "select 1;\nselect 'it''s; fine', E'a\\'b;' from t where x = $1;\n",
    "-- header\n/* block /* nested */ ; */\ncreate function f() returns int as $fn$\n"
    "begin return 1; end;\n$fn$ language plpgsql;\n",
    "create rule r as on insert to t do (insert into a values (1); insert into b values (2));\n\\x\nselect 2 \\g\n",
    "create function g() returns int language sql\nbegin atomic\n select case when true then 1 end;\nend;\n",
    'CREATE TRIGGER tr AFTER INSERT ON a BEGIN\r\n INSERT INTO b VALUES (1);\r\nEND;\r\nselect "a;b" from c;',
    "select a$b$ from t; select $q$ $$ ; $q$; select 1 \\; select 2;\n",
]
INSERTIONS = ["'", '"', "$", "$$", "\\", "\x00", "😀", "\u202e", "א", "--", "/*", "*/", ";", "\n", "\r", "E'", "(", ")"]


@st.composite
def mutated_sql(draw: st.DrawFn) -> str:
    text = "".join(draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=3)))
    for _ in range(draw(st.integers(0, 8))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(INSERTIONS)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)) :]
        else:
            text = text[:pos] + text[pos : pos + 40] * draw(st.integers(2, 5)) + text[pos:]
    return text


sql_text = st.one_of(random_sql, mutated_sql())


# -- helpers ----------------------------------------------------------------------


def _cut(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


_NUMBER_PREFIX = re.compile(r"(?:\$?(?:0[xXoObB][0-9A-Fa-f_]+|[0-9](?:_?[0-9])*(?:[eE][0-9]+)?))*")
_DELIM = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)?\$")
# psql's {quotecontinue}; possessive, or a long run of "--" or blanks backtracks exponentially
_CONTINUE = re.compile(r"(?:[ \t\f]++|--[^\n\r]*+)*+[\n\r](?:[ \t\n\r\f]++|--[^\n\r]*+[\n\r])*+'")


def _run_start(text: str, i: int, lo: int) -> int:
    while i > lo and _ident_char(text[i - 1]):
        i -= 1
    return i


def significant(text: str, nested: bool) -> tuple[str, str]:
    """(SQL characters, meta-command characters) that must survive splitting:
    everything outside comments, read one character at a time by psql's rules."""
    sql: list[str] = []
    meta: list[str] = []
    i, n, lo = 0, len(text), 0  # lo: end of the last dollar quote
    boundary = 0  # len(sql) at the last ";" or meta-command line
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if nested and text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "\\":
            if text[i + 1 : i + 2] in (";", ":") and i + 1 < n:
                sql.append(text[i + 1])
                i += 2
            else:
                line_end = text.find("\n", i)
                line = text[i : n if line_end < 0 else line_end]
                if _META_WORD.match(line).group(1) in TERMINATORS and not "".join(sql[boundary:]).strip():
                    pass  # "/* c */ \g": nothing but comments to send; the \g goes with them
                else:
                    meta.extend(line)
                i += len(line)
                boundary = len(sql)
        elif c == "'":
            e = i > lo and text[i - 1] in "eE" and all(ch == "$" for ch in text[_run_start(text, i - 1, lo) : i - 1])
            sql.append(c)
            i += 1
            while i < n:
                ch = text[i]
                if e and ch == "\\":
                    sql.extend(text[i : i + 2])
                    i += 2
                elif ch == "'" and text[i + 1 : i + 2] == "'":
                    sql.extend("''")
                    i += 2
                elif ch == "'":
                    sql.append(ch)
                    i += 1
                    m = _CONTINUE.match(text, i) if e else None
                    if not m:
                        break
                    i = m.end()  # the continuation's blanks and comments: not checked
                else:
                    sql.append(ch)
                    i += 1
        elif c == '"':
            j = text.find('"', i + 1)
            j = n if j < 0 else j + 1
            sql.extend(text[i:j])
            i = j
        elif c == "$" and (m := _DELIM.match(text, i)):
            start = _run_start(text, i, lo)
            rest = text[_NUMBER_PREFIX.match(text, start, i).end() : i]
            if any(ch != "$" for ch in rest):  # inside an identifier such as a$b$: skip to its end
                j = i + 1
                while j < n and _ident_char(text[j]):
                    j += 1
                sql.extend(text[i:j])
                i = j
            else:
                j = text.find(m.group(0), m.end())
                j = n if j < 0 else j + len(m.group(0))
                sql.extend(text[i:j])
                i = lo = j
        else:
            sql.append(c)
            i += 1
            if c == ";":
                boundary = len(sql)
    return "".join(sql), "".join(meta)


_META_WORD = re.compile(r"\\([^\s\\]*)")
TERMINATORS = frozenset({"g", "gx", "gset", "gexec", "gdesc", "watch", "crosstabview"})


def _squeeze(s: str) -> str:
    return "".join(ch for ch in s if not ch.isspace() and ch != ";")


def _is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


# -- properties -------------------------------------------------------------------


@FAST
@given(text=sql_text, nested=st.booleans())
def test_nothing_raises_and_shapes_are_sane(text: str, nested: bool) -> None:
    statements = split(text, nested_comments=nested)
    is_complete(text, nested_comments=nested)
    lines = text.split("\n")
    for stmt in statements:
        assert 1 <= stmt.line <= len(lines)
        assert stmt.text == stmt.text.strip()
        if stmt.kind is Kind.META:
            assert stmt.text.startswith("\\") and not stmt.terminator
            assert stmt.text in lines[stmt.line - 1]
        else:
            assert stmt.text
            head = re.split(r"[\n\\;:]", stmt.text, maxsplit=1)[0]
            assert head in lines[stmt.line - 1]
            assert not stmt.terminator or stmt.terminator.startswith("\\")


@FAST
@given(text=sql_text, nested=st.booleans())
@example(text="/* c */\\g\n", nested=False)  # a terminator after nothing but a comment goes with it
def test_no_text_outside_comments_is_lost(text: str, nested: bool) -> None:
    statements = split(text, nested_comments=nested)
    sql_chars, meta_chars = significant(text, nested)
    out_sql = "".join(s.text for s in statements if s.kind is Kind.SQL)
    out_meta = "".join(s.text if s.kind is Kind.META else s.terminator for s in statements)
    assert _is_subsequence(_squeeze(sql_chars), _squeeze(out_sql))
    assert _is_subsequence(_squeeze(meta_chars), _squeeze(out_meta))


@FAST
@given(text=sql_text, nested=st.booleans(), cuts=st.lists(st.integers(0, 4000), max_size=8))
def test_chunked_feeding_matches_whole(text: str, nested: bool, cuts: list[int]) -> None:
    assert fed_in_chunks(_cut(text, cuts), nested) == split(text, nested_comments=nested)


@settings(max_examples=150, deadline=None)
@given(text=random_sql.filter(lambda t: len(t) < 300), nested=st.booleans())
def test_one_character_chunks_match_whole(text: str, nested: bool) -> None:
    assert fed_in_chunks(list(text), nested) == split(text, nested_comments=nested)


@FAST
@given(text=sql_text, nested=st.booleans())
def test_is_complete_iff_nothing_pending(text: str, nested: bool) -> None:
    # Nothing pending <=> a ";" on a new line ends no statement and joins no string.
    nothing_pending = split(text + "\n", nested_comments=nested) == split(text + "\n;", nested_comments=nested)
    assert is_complete(text, nested_comments=nested) is nothing_pending


@FAST
@given(text=sql_text, nested=st.booleans())
def test_is_complete_agrees_with_a_fed_splitter(text: str, nested: bool) -> None:
    splitter = Splitter(nested)
    splitter.feed(text if text.endswith("\n") else text + "\n")
    assert is_complete(text, nested_comments=nested) is splitter.pending_is_blank()
    assert splitter.pending_is_blank() is (splitter.finish() == [])
