"""psql's ``\\copy`` argument syntax: ``TABLE [(COLUMNS)] | (QUERY)``, ``FROM``
or ``TO``, a file, ``STDIN``/``STDOUT`` or ``PROGRAM 'cmd'``, then COPY's
options in the ``WITH (…)`` form or psql's pre-9.0 words.

The arguments are split the way psql's ``parse_slash_copy`` splits them, and
the options text is kept as typed: on PostgreSQL it goes to the server in the
``COPY … FROM STDIN`` / ``TO STDOUT`` psql would send. The options are parsed
too (into ``copyformat.CopyOptions``), for the databases where the shell's own
reader and writer do COPY's work. Text in, plain data out: no database here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlshell.copyformat.options import CopyOptions
from sqlshell.errors import UserError

USAGE = (
    "\\copy TABLE [(COLUMNS)] FROM 'FILE'|STDIN|PROGRAM 'CMD' [WITH (OPTIONS)]  or  "
    "\\copy TABLE|(QUERY) TO 'FILE'|STDOUT|PROGRAM 'CMD' [WITH (OPTIONS)]"
)


@dataclass
class CopySpec:
    """One ``\\copy`` command, split as psql splits it."""

    table: str | None  # the table as typed (quoted parts kept)
    columns: str | None  # the column list as typed, without the parentheses
    query: str | None  # (query) without the parentheses
    direction: str  # from | to
    kind: str  # file | stdio | program
    target: str | None  # the file name or the program's command
    options_text: str  # what follows, passed to the server as it is
    options: CopyOptions

    def server_sql(self) -> str:
        """The ``COPY … FROM STDIN`` / ``TO STDOUT`` psql sends for this command."""
        what = f"({self.query})" if self.query is not None else self.table or ""
        if self.columns is not None:
            what += f" ({self.columns})"
        io = "FROM STDIN" if self.direction == "from" else "TO STDOUT"
        return f"COPY {what} {io} {self.options_text}".rstrip()


# Tokens of psql's \copy syntax: 'strings' (with '' and E'\'' escapes), "identifiers", words, punctuation.
_TOKEN = re.compile(
    r"""\s*(?:([eE]'(?:[^'\\]|''|\\.)*'|'(?:[^']|'')*')|("(?:[^"]|"")*")|([(),])|([^\s(),'"]+))""", re.S
)


def _tokens(text: str, pos: int = 0) -> Iterator[tuple[str, int, int]]:
    """(token, start, end); raises on an unterminated quote."""
    while pos < len(text):
        if not text[pos:].strip():
            return
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise UserError(f"unterminated quoted string in \\copy: {text[pos:].strip()}", f"usage: {USAGE}")
        yield m.group(0).strip(), m.end() - len(m.group(0).lstrip()), m.end()
        pos = m.end()


def _literal(token: str) -> str:
    """The value of a quoted SQL string (or of a bare word)."""
    if token[:1] in "eE" and token[1:2] == "'":
        body = token[2:-1]
        return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), body)
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return token


def _balanced(text: str, start: int) -> int:
    """The index just after the parenthesis that closes the one at ``start``."""
    depth = 0
    for token, _s, end in _tokens(text, start):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth == 0:
                return end
    raise UserError("unbalanced parentheses in \\copy", f"usage: {USAGE}")


def parse_copy(raw: str) -> CopySpec:
    """Split ``\\copy``'s arguments as psql does; the options are parsed too."""
    text = raw.strip()
    if not text:
        raise UserError("\\copy needs arguments", f"usage: {USAGE}")
    table = columns = query = None
    if text.startswith("("):
        end = _balanced(text, 0)
        query, pos = text[1 : end - 1].strip(), end
    else:
        m = re.match(r'(?:"(?:[^"]|"")*"|[^\s("])+', text)
        if not m:
            raise UserError(f"not a table name: {text.split()[0]}", f"usage: {USAGE}")
        table, pos = m.group(0), m.end()
        rest = text[pos:].lstrip()
        if rest.startswith("("):
            start = len(text) - len(rest)
            end = _balanced(text, start)
            columns, pos = text[start + 1 : end - 1].strip(), end
    words = list(_tokens(text, pos))
    if not words or words[0][0].lower() not in ("from", "to"):
        raise UserError("\\copy needs FROM or TO after the table or query", f"usage: {USAGE}")
    direction = words[0][0].lower()
    if query is not None and direction == "from":
        raise UserError("\\copy (query) can only copy TO a file", f"usage: {USAGE}")
    if len(words) < 2:
        raise UserError(f"\\copy … {direction.upper()} needs a file, STDIN, STDOUT or PROGRAM", f"usage: {USAGE}")
    where, i = words[1][0], 2
    low = where.lower()
    if low == "program":
        if len(words) < 3 or not words[2][0].startswith("'"):
            raise UserError("PROGRAM needs a quoted command", "e.g. PROGRAM 'gzip > out.gz'")
        kind, target, i = "program", _literal(words[2][0]), 3
    elif low in ("stdin", "stdout", "pstdin", "pstdout"):
        if low.endswith("in") != (direction == "from"):
            raise UserError(f"\\copy … {direction.upper()} {where.upper()} does not make sense", f"usage: {USAGE}")
        kind, target = "stdio", None
    else:
        kind, target = "file", _literal(where)
    options_text = text[words[i][1] :].strip() if i < len(words) else ""
    options = parse_options(options_text)
    return CopySpec(table, columns, query, direction, kind, target, options_text, options)


def parse_options(text: str) -> CopyOptions:
    """``WITH (FORMAT csv, HEADER, …)`` and the old ``csv header delimiter ','``
    forms, plus ``WHERE condition`` (kept as text)."""
    opts = CopyOptions()
    tokens = [t for t, _s, _e in _tokens(text)]
    starts = [s for _t, s, _e in _tokens(text)]
    i = 0
    if i < len(tokens) and tokens[i].lower() == "with":
        i += 1
    new_style = i < len(tokens) and tokens[i] == "("
    i = _new_style(tokens, i + 1, opts) if new_style else _old_style(tokens, i, opts)
    if i < len(tokens):
        if tokens[i].lower() != "where":
            raise UserError(f"\\copy: syntax error at {tokens[i]!r}", f"usage: {USAGE}")
        opts.where = text[starts[i] :][len("where") :].strip()
    opts.check()
    return opts


def _new_style(tokens: list[str], i: int, opts: CopyOptions) -> int:
    while i < len(tokens):
        if tokens[i] == ")":
            return i + 1
        name = tokens[i].lower()
        i += 1
        values: list[str] = []
        if i < len(tokens) and tokens[i] == "(":  # force_quote (a, b)
            while i < len(tokens) and tokens[i] != ")":
                i += 1
            i += 1
            values = ["(…)"]
        while i < len(tokens) and tokens[i] not in (",", ")"):
            values.append(_literal(tokens[i]))
            i += 1
        _set(opts, name, values[0] if values else None)
        if i < len(tokens) and tokens[i] == ",":
            i += 1
    raise UserError("\\copy options: missing )", f"usage: {USAGE}")


def _set(opts: CopyOptions, name: str, value: str | None) -> None:
    if name == "format":
        opts.format = (value or "").lower()
    elif name == "header":
        low = (value or "true").lower()
        if low == "match":
            opts.header = True
        elif low in ("true", "on", "1", "yes", "false", "off", "0", "no"):
            opts.header = low in ("true", "on", "1", "yes")
        else:
            raise UserError(f'header requires a Boolean value or "match", not {value!r}')
    elif name in ("delimiter", "null", "quote", "escape", "encoding"):
        if value is None:
            raise UserError(f"COPY option {name} needs a value")
        setattr(opts, name, value)
    elif name in ("force_quote", "force_not_null", "force_null", "freeze", "on_error", "default", "log_verbosity"):
        opts.unsupported.append(name)
    else:
        raise UserError(f'option "{name}" not recognized')


def _old_style(tokens: list[str], i: int, opts: CopyOptions) -> int:
    """psql's pre-9.0 syntax: BINARY, DELIMITER [AS] 'c', NULL [AS] 's', CSV, HEADER,
    QUOTE [AS] 'c', ESCAPE [AS] 'c', FORCE QUOTE …, FORCE NOT NULL …, ENCODING 'e'."""
    while i < len(tokens):
        word = tokens[i].lower()
        if word == "where":
            return i
        i += 1
        if word == "binary":
            opts.format = "binary"
        elif word == "csv":
            opts.format = "csv"
        elif word == "header":
            opts.header = True
        elif word in ("delimiter", "null", "quote", "escape", "encoding"):
            if i < len(tokens) and tokens[i].lower() == "as":
                i += 1
            if i >= len(tokens):
                raise UserError(f"COPY option {word} needs a value")
            setattr(opts, word, _literal(tokens[i]))
            i += 1
        elif word == "force":
            opts.unsupported.append("force")
            while i < len(tokens) and tokens[i].lower() not in ("where", "csv", "header", "delimiter", "null"):
                i += 1
        else:
            raise UserError(f"\\copy: syntax error at {tokens[i - 1]!r}", f"usage: {USAGE}")
    return i
