"""What belongs at the cursor of an SQL statement being typed: a keyword, a
table name, or a column name (and of which tables).

A small tokenizer (strings, quoted identifiers, comments and dollar quotes
are single tokens, so nothing inside them is mistaken for SQL) and a look at
the words before the cursor, the way pgcli's suggestion engine does it, much
simplified: no full parse, because the statement is unfinished by definition.
No prompt_toolkit here, so it is tested as plain functions too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlshell.interactive.sqlwords import COLUMN_BEFORE, NOT_ALIAS, TABLE_BEFORE

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<string>[EeXxBbNn]?'(?:[^']|'')*(?:'|\Z))
    |(?P<qident>"(?:[^"]|"")*(?:"|\Z))
    |(?P<dollar>\$(?P<tag>(?:[A-Za-z_]\w*)?)\$.*?(?:\$(?P=tag)\$|\Z))
    |(?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
    |(?P<number>\d+(?:\.\d*)?)
    |(?P<op>::|<=|>=|<>|!=|\|\||.)""",
    re.S | re.X,
)
_OPERATORS = frozenset({"(", "=", "<", ">", "<=", ">=", "<>", "!=", "+", "-", "*", "/", "||", "%"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # space comment string qident dollar word number op
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        """Words folded to lower case, quoted identifiers unquoted, the rest as typed."""
        if self.kind == "word":
            return self.text.lower()
        if self.kind == "qident":
            return self.text[1:-1].replace('""', '"') if len(self.text) > 1 else ""
        return self.text

    @property
    def name(self) -> str:
        """An identifier as the catalog spells it (case kept; the catalog folds)."""
        return self.value if self.kind == "qident" else self.text

    def is_name(self) -> bool:
        return self.kind == "qident" or (self.kind == "word" and self.value not in NOT_ALIAS)


@dataclass(frozen=True)
class Context:
    want: str  # none | keyword | table | column
    word: str = ""  # the partial word before the cursor (replaced by the completion)
    tables: tuple[str, ...] = ()  # for columns: the tables in the statement (or the one qualified)
    qualified: bool = False  # "alias." typed: only that table's columns


def tokenize(text: str) -> list[Token]:
    return [Token(m.lastgroup or "op", m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _inside_literal(tok: Token, cursor: int) -> bool:
    """The cursor is inside a string, quoted name or comment (nothing to complete there)."""
    if tok.kind not in ("string", "qident", "comment", "dollar") or not tok.start < cursor <= tok.end:
        return False
    if tok.end > cursor or (tok.kind == "comment" and tok.text.startswith("--")):
        return True
    if tok.kind == "dollar":
        opener = tok.text[: tok.text.index("$", 1) + 1]
        return len(tok.text) < 2 * len(opener) or not tok.text.endswith(opener)
    closer = {"string": "'", "qident": '"', "comment": "*/"}[tok.kind]
    return len(tok.text) < 2 or not tok.text.endswith(closer)


def analyze(before: str, after: str = "") -> Context:
    """The completion context at the end of ``before`` (``after`` is the rest
    of the buffer: a FROM typed later still names the tables of a SELECT list)."""
    cursor = len(before)
    tokens = tokenize(before + after)
    if any(_inside_literal(t, cursor) for t in tokens):
        return Context("none")
    statement: list[Token] = []
    for t in tokens:
        if t.kind == "op" and t.text == ";":
            if t.end <= cursor:
                statement = []
                continue
            break
        if t.kind not in ("space", "comment"):
            statement.append(t)
    prior = [t for t in statement if t.end <= cursor]
    word = ""
    if prior and prior[-1].end == cursor and prior[-1].kind != "op":
        if prior[-1].kind != "word":
            return Context("none")  # right after a number, string or quoted name
        word = prior.pop().text
    refs = referenced_tables(statement)
    if len(prior) >= 2 and prior[-1].text == "." and prior[-2].kind in ("word", "qident"):
        qualifier = prior[-2].name.lower()
        return Context("column", word, (refs.get(qualifier, prior[-2].name),), qualified=True)
    want = _want(prior)
    return Context(want, word, tuple(dict.fromkeys(refs.values())) if want == "column" else ())


def _want(prior: list[Token]) -> str:
    if not prior:
        return "keyword"
    prev = prior[-1]
    if prev.kind == "word" and prev.value in TABLE_BEFORE:
        return "table"
    if prev.kind == "op" and prev.text == ",":
        clause = _clause(prior[:-1])
        if clause in TABLE_BEFORE:
            return "table"
        return "column" if clause in COLUMN_BEFORE or clause == "(" else "keyword"
    if (prev.kind == "word" and prev.value in COLUMN_BEFORE) or (prev.kind == "op" and prev.text in _OPERATORS):
        return "column"
    return "keyword"


def _clause(prior: list[Token]) -> str | None:
    """The keyword (or open parenthesis) that governs the list the cursor is in."""
    depth = 0
    for t in reversed(prior):
        if t.kind == "op" and t.text == ")":
            depth += 1
        elif t.kind == "op" and t.text == "(":
            if depth == 0:
                return "("
            depth -= 1
        elif depth == 0 and t.kind == "word" and t.value in TABLE_BEFORE | COLUMN_BEFORE:
            return t.value
    return None


def referenced_tables(statement: list[Token]) -> dict[str, str]:
    """Names and aliases of the tables a statement reads or writes, folded to
    lower case, mapped to the table's name: ``from films f`` → {films, f}."""
    refs: dict[str, str] = {}
    expect = in_from = False
    i, n = 0, len(statement)
    while i < n:
        t = statement[i]
        i += 1
        if t.kind == "word" and t.value in TABLE_BEFORE:
            expect, in_from = True, t.value in ("from", "join")
        elif expect and t.kind in ("word", "qident"):
            name = t.name
            if i + 1 < n and statement[i].text == "." and statement[i + 1].kind in ("word", "qident"):
                name = f"{name}.{statement[i + 1].name}"  # schema.table: the catalog knows it so
                i += 2
            refs[name.lower()] = name
            if i < n and statement[i].kind == "word" and statement[i].value == "as":
                i += 1
            if i < n and statement[i].is_name():
                refs[statement[i].name.lower()] = name
                i += 1
            expect = False
        elif in_from and t.kind == "op" and t.text == ",":
            expect = True
        else:
            expect = False
            if t.kind == "word" and t.value in NOT_ALIAS:
                in_from = False
    return refs
