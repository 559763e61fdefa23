"""Seam test of the COPY codec (``sqlshell.copyformat``): values in, the exact
lines PostgreSQL writes out, and those lines read back, with no database.

The shell reads and writes these formats itself on the databases without
COPY, so its bytes must be the server's. The expected text here is what
PostgreSQL 15's ``COPY (…) TO STDOUT`` wrote for the same values and options;
the error texts are the server's for the same input (``test_copy.py`` checks
the whole ``\\copy`` against psql, through the databases).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
from typing import Any

import pytest

from sqlshell.copyformat.options import CopyOptions
from sqlshell.copyformat.reader import BadLine, records
from sqlshell.copyformat.writer import Writer, as_text
from sqlshell.errors import UserError

NAMES = ["id", "t", "u"]
# The values of: select * from (values (1, 'a|b', null), (2, E'back\\slash\ttab', ''),
#   (3, E'two\nlines\r', 'x"y'), (4, '\.', 'NUL'), (5, 'a,b', E'\b\fv')) v(id, t, u)
ROWS: list[tuple[Any, ...]] = [
    (1, "a|b", None),
    (2, "back\\slash\ttab", ""),
    (3, "two\nlines\r", 'x"y'),
    (4, "\\.", "NUL"),
    (5, "a,b", "\b\fv"),
]

# Options, and the data PostgreSQL's COPY wrote for ROWS with them.
WRITTEN = {
    "text": (
        CopyOptions(),
        '1\ta|b\t\\N\n2\tback\\\\slash\\ttab\t\n3\ttwo\\nlines\\r\tx"y\n4\t\\\\.\tNUL\n5\ta,b\t\\b\\fv\n',
    ),
    "text, delimiter |, null NULL": (
        CopyOptions(delimiter="|", null="NULL"),
        '1|a\\|b|NULL\n2|back\\\\slash\\ttab|\n3|two\\nlines\\r|x"y\n4|\\\\.|NUL\n5|a,b|\\b\\fv\n',
    ),
    "csv": (
        CopyOptions(format="csv"),
        '1,a|b,\n2,back\\slash\ttab,""\n3,"two\nlines\r","x""y"\n4,\\.,NUL\n5,"a,b",\b\fv\n',
    ),
    "csv, delimiter ;, null NUL, quote '": (
        CopyOptions(format="csv", delimiter=";", null="NUL", quote="'"),
        "1;a|b;NUL\n2;back\\slash\ttab;\n3;'two\nlines\r';x\"y\n4;\\.;'NUL'\n5;a,b;\b\fv\n",
    ),
    "csv, escape \\, quote |": (
        CopyOptions(format="csv", escape="\\", quote="|"),
        '1,|a\\|b|,\n2,back\\slash\ttab,||\n3,|two\nlines\r|,x"y\n4,\\.,NUL\n5,|a,b|,\b\fv\n',
    ),
}


def _read(text: str, opts: CopyOptions, names: list[str] = NAMES) -> list[tuple[int, list[Any]]]:
    """Lines as ``\\copy`` reads a file (``newline=""``: ``\\n``, ``\\r\\n`` or ``\\r`` ends one)."""
    return list(records(io.StringIO(text, newline=""), opts, len(names), names))


# -- writing: copyto.c --------------------------------------------------------------------


@pytest.mark.parametrize("case", list(WRITTEN))
def test_rows_are_written_as_postgresql_writes_them(case: str) -> None:
    opts, expected = WRITTEN[case]
    writer = Writer(opts)
    assert "".join(writer.row(r) for r in ROWS) == expected


def test_headers() -> None:
    # COPY … WITH (format text, header) / (format csv, header)
    assert Writer(CopyOptions(header=True)).header(NAMES) == "id\tt\tu\n"
    assert Writer(CopyOptions(format="csv", header=True)).header(["a", "b,c", 'q"']) == 'a,"b,c","q"""\n'


def test_a_lone_end_of_data_marker_is_quoted_in_csv() -> None:
    # copy (select '\.'::text) to stdout with (format csv): a bare \. line would end the data
    assert Writer(CopyOptions(format="csv")).row(("\\.",)) == '"\\."\n'
    assert Writer(CopyOptions()).row(("\\.",)) == "\\\\.\n"


def test_values_are_spelled_as_postgresqls_output_functions() -> None:
    # copy (select true, '\x01ff'::bytea, 2.0::float8, 'nan'::float8, '-infinity'::float8,
    #   1.5::float8, '2020-01-02 03:04:05'::timestamp, 1.50::numeric) to stdout
    row = (True, b"\x01\xff", 2.0, float("nan"), float("-inf"), 1.5, dt.datetime(2020, 1, 2, 3, 4, 5))
    row += (decimal.Decimal("1.50"),)
    assert Writer(CopyOptions()).row(row) == "t\t\\\\x01ff\t2\tNaN\t-Infinity\t1.5\t2020-01-02 03:04:05\t1.50\n"
    assert [as_text(v) for v in (False, 1e20, dt.date(2020, 1, 2), "s")] == ["f", "1e+20", "2020-01-02", "s"]


# -- reading: copyfrom.c -------------------------------------------------------------------


@pytest.mark.parametrize("case", list(WRITTEN))
def test_what_postgresql_writes_reads_back_as_the_same_values(case: str) -> None:
    opts, written = WRITTEN[case]
    got = _read(written, opts)
    want = [[None if v is None else as_text(v) for v in row] for row in ROWS]
    assert [values for _n, values in got] == want
    lines = [n for n, _v in got]
    # In CSV, row 3's quoted "\\n" and "\\r" end two lines of the input, inside the record.
    assert lines == ([1, 2, 3, 6, 7] if opts.csv else [1, 2, 3, 4, 5])


def test_text_escapes_null_and_line_ends() -> None:
    """Backslash escapes (octal, hex, an escaped delimiter), ``\\N``, an empty
    field (not NULL), ``\\r\\n`` line ends: PostgreSQL read these lines to the same values."""
    text = "a\\tb\\\\c\t\\N\t\\101\\x41\\7\r\n\\z\\\t\t\t\r\n"
    assert _read(text, CopyOptions()) == [(1, ["a\tb\\c", None, "AA\x07"]), (2, ["z\t", "", ""])]


def test_the_header_is_skipped_and_end_of_data_stops_reading() -> None:
    assert _read("id\tt\tu\n1\tx\ty\n\\.\n2\tnot\tread\n", CopyOptions(header=True)) == [(2, ["1", "x", "y"])]
    assert _read('id,t,u\n1,"x",\n\\.\n2,,\n', CopyOptions(format="csv", header=True)) == [(2, ["1", "x", None])]


def test_csv_quoting_decides_null() -> None:
    """An unquoted field equal to the NULL string is NULL, a quoted one never is."""
    assert _read('1,,""\n', CopyOptions(format="csv")) == [(1, ["1", None, ""])]
    assert _read("1,NUL,'NUL'\n", CopyOptions(format="csv", null="NUL", quote="'")) == [(1, ["1", None, "NUL"])]


@pytest.mark.parametrize(
    ("text", "opts", "message", "line"),
    [
        # \copy t from … csv, on PostgreSQL 15: the same message and line number
        ('1,"a\nb",x,extra\n', CopyOptions(format="csv"), "extra data after last expected column", 1),
        ('1,"a\nb",x\n2,y\n', CopyOptions(format="csv"), 'missing data for column "u"', 3),
        ("1,2\n", CopyOptions(format="csv"), 'missing data for column "u"', 1),
        ('1,x,y\n1,"open\n', CopyOptions(format="csv"), "unterminated CSV quoted field", 2),
        ("1\t2\t3\t4\n", CopyOptions(), "extra data after last expected column", 1),
    ],
)
def test_a_line_the_format_cannot_read_is_named(text: str, opts: CopyOptions, message: str, line: int) -> None:
    with pytest.raises(BadLine) as caught:
        _read(text, opts)
    assert (caught.value.message, caught.value.line) == (message, line)


# -- the options -------------------------------------------------------------------------------


def test_defaults_follow_the_format() -> None:
    text, csv = CopyOptions(), CopyOptions(format="csv")
    assert (text.delim, text.null_text, csv.delim, csv.null_text, csv.escape_char) == ("\t", "\\N", ",", "", '"')
    assert CopyOptions(format="csv", quote="'").escape_char == "'"


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        # PostgreSQL 15's words for the same options
        (CopyOptions(delimiter="ab"), "COPY delimiter must be a single one-byte character"),
        (CopyOptions(delimiter="\n"), "COPY delimiter cannot be newline or carriage return"),
        (CopyOptions(format="csv", delimiter='"'), "COPY delimiter and quote must be different"),
        (CopyOptions(delimiter="x"), 'COPY delimiter cannot be "x"'),
        (CopyOptions(format="xml"), 'COPY format "xml" not recognized'),
    ],
)
def test_impossible_options_are_refused_as_postgresql_refuses_them(opts: CopyOptions, message: str) -> None:
    with pytest.raises(UserError) as caught:
        opts.check()
    assert caught.value.message == message
