"""Seam test of the renderer (``sqlshell.output.render``): an ``Outcome`` in,
the exact text out, for every format, with no database, shell or CLI between.

The aligned and expanded layouts expected here are psql's own output (15 and
later) for the same values (``psql -X -c …`` / ``-x``, NULL display set to
psql's empty string where the test says so), so a change in spacing fails
here, one layer below the golden comparison in ``test_output.py``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator
from typing import Any

import pytest

from sqlshell.output.cells import display_width, visible
from sqlshell.output.render import NATIVE_FORMATS, RenderOptions, is_format, known_formats, render
from sqlshell.results import Column, Outcome

Rows = list[tuple[Any, ...]]


def rendered(outcome: Outcome, **opts: Any) -> str:
    out: list[str] = []
    render(outcome, RenderOptions(**opts), out.append)
    return "".join(out)


def result(names: str, *rows: tuple[Any, ...], numeric: str = "", tag: str | None = None) -> Outcome:
    """An outcome of ``rows`` under the comma-separated ``names``; the columns
    named in ``numeric`` are typed numeric, the others text (as PostgreSQL's
    types say), so alignment does not depend on the values."""
    columns = [Column(n, numeric=n in numeric.split(",")) for n in names.split(",")]
    return Outcome(columns=columns, batches=[list(rows)] if rows else [], tag=tag)


# psql -c "select 1 as n, 'abc' as name, null::text as note union all select 22, 'x', 'yy'"
TWO_ROWS = result("n,name,note", (1, "abc", None), (22, "x", "yy"), numeric="n", tag="SELECT 2")


# -- psql's aligned table ----------------------------------------------------------


def test_aligned_is_psqls_table() -> None:
    """Centred headers, numbers right, text left, no padding after the last
    column, the footer, a blank line; a SELECT's tag is not shown after rows."""
    assert rendered(TWO_ROWS, null="") == (
        " n  | name | note \n----+------+------\n  1 | abc  | \n 22 | x    | yy\n(2 rows)\n\n"
    )


def test_aligned_shows_null_as_the_null_setting() -> None:
    assert rendered(TWO_ROWS).splitlines()[2] == "  1 | abc  | <null>"
    assert rendered(TWO_ROWS, null="∅").splitlines()[2] == "  1 | abc  | ∅"


def test_table_is_another_name_for_aligned() -> None:
    assert rendered(TWO_ROWS, format="table") == rendered(TWO_ROWS, format="aligned")


def test_one_row_and_no_rows_keep_psqls_footer() -> None:
    assert rendered(result("a", ("x",))) == " a \n---\n x\n(1 row)\n\n"
    # psql -c "select 1 as a where false": an empty result keeps its columns
    assert rendered(result("a", numeric="a")) == " a \n---\n(0 rows)\n\n"


def test_a_result_without_columns() -> None:
    # psql -c "select"
    assert rendered(Outcome(columns=[], batches=[[()]])) == "--\n(1 row)\n\n"


def test_multi_line_cells_continue_with_a_plus() -> None:
    # psql -c "select 'a'||chr(10)||'bb' as t, 5 as n, 'last'||chr(10)||'l' as z"
    outcome = result("t,n,z", ("a\nbb", 5, "last\nl"), numeric="n")
    assert rendered(outcome) == (" t  | n |  z   \n----+---+------\n a +| 5 | last+\n bb |   | l\n(1 row)\n\n")


def test_wide_characters_tabs_and_control_characters() -> None:
    r"""psql -c "select '漢字' as w, E'a\tb' as tab, E'c\x01d' as ctl": a wide
    character takes two columns, a tab moves to the next multiple of 8,
    a control character shows as \xNN."""
    outcome = result("w,tab,ctl", ("漢字", "a\tb", "c\x01d"))
    assert rendered(outcome) == (
        "  w   |    tab    |  ctl   \n------+-----------+--------\n 漢字 | a       b | c\\x01d\n(1 row)\n\n"
    )


def test_a_right_aligned_last_column_is_padded_and_a_left_one_is_not() -> None:
    outcome = result("name,n", ("a", 1), ("bbb", 100), numeric="n")
    assert rendered(outcome, footer=False) == " name |  n  \n------+-----\n a    |   1\n bbb  | 100\n\n"


def test_widths_come_from_every_batch() -> None:
    """A wider value in a later batch widens the rows of the first (they were
    spilled and are printed with the final widths)."""
    columns = [Column("n", numeric=True), Column("t", numeric=False)]
    batches: list[Rows] = [[(1, "x")], [(2, "yy")], [(3, "a much wider value")]]
    assert rendered(Outcome(columns=columns, batches=batches)) == (
        " n |         t          \n---+--------------------\n 1 | x\n 2 | yy\n 3 | a much wider value\n(3 rows)\n\n"
    )


def test_undecided_columns_are_numeric_when_every_value_is_a_number() -> None:
    """SQLite gives no column types: a column is right-aligned when all its
    values (over every batch) are numbers; a column of only NULLs is text."""
    columns = [Column("a"), Column("b"), Column("c")]
    batches: list[Rows] = [[(1, 1, None)], [(10, "x", None)]]
    assert rendered(Outcome(columns=columns, batches=batches), null="") == (
        " a  | b | c \n----+---+---\n  1 | 1 | \n 10 | x | \n(2 rows)\n\n"
    )


def test_tuples_only_drops_header_and_footer() -> None:
    assert rendered(TWO_ROWS, null="", tuples_only=True) == "  1 | abc  | \n 22 | x    | yy\n\n"


def test_values_are_shown_in_postgresqls_spelling() -> None:
    row = (True, b"\x01\xff", [1, None, "a b"], dt.timedelta(days=1, hours=2), decimal.Decimal("1.50"))
    outcome = result("b,bytes,arr,iv,d", row, numeric="d")
    assert rendered(outcome).splitlines()[2] == ' t | \\x01ff | {1,NULL,"a b"} | 1 day 02:00:00 | 1.50'


# -- expanded ----------------------------------------------------------------------------


def test_expanded_is_psqls_record_layout() -> None:
    # psql -x -c "select 1 as id, 'one'||chr(10)||'two' as txt, null as nothing union all select 2, 'x', 'y'"
    outcome = result("id,txt,nothing", (1, "one\ntwo", None), (2, "x", "y"), numeric="id")
    assert rendered(outcome, null="", expanded=True) == (
        "-[ RECORD 1 ]\n"
        "id      | 1\n"
        "txt     | one+\n"
        "        | two\n"
        "nothing | \n"
        "-[ RECORD 2 ]\n"
        "id      | 2\n"
        "txt     | x\n"
        "nothing | y\n"
        "\n"
    )


def test_expanded_record_lines_reach_the_widest_value() -> None:
    outcome = result("a,bb", ("x", "a longer value"))
    assert rendered(outcome, expanded=True) == "-[ RECORD 1 ]------\na  | x\nbb | a longer value\n\n"


def test_expanded_empty_result_and_tuples_only() -> None:
    # psql -x -c "select 1 as a where false"; psql -x -t -c "select 1 as a, 2 as b union all select 3, 4"
    assert rendered(result("a", numeric="a"), expanded=True) == "(0 rows)\n\n"
    outcome = result("a,b", (1, 2), (3, 4), numeric="a,b")
    assert rendered(outcome, expanded=True, tuples_only=True) == "a | 1\nb | 2\n--+--\na | 3\nb | 4\n\n"


def test_expanded_auto_switches_only_when_the_table_is_too_wide() -> None:
    outcome = result("a,b", ("x", "y" * 30))
    assert rendered(outcome, auto_width=80) == rendered(result("a,b", ("x", "y" * 30)))
    assert rendered(result("a,b", ("x", "y" * 30)), auto_width=20).startswith("-[ RECORD 1 ]")
    one_column = result("a", ("y" * 30,))
    assert rendered(one_column, auto_width=20).startswith(" ")  # one column is never expanded (as in psql)


# -- psql's unaligned format -----------------------------------------------------------

PSQL_A = result("id,t,u,e", (1, "a,b", None, ""), (2, 'q"q', "x", "line\n2"), numeric="id", tag="SELECT 2")


def test_unaligned_is_psql_dash_a() -> None:
    # psql -A -c "select 1 as id, 'a,b' as t, null::text as u, '' as e union all select 2, 'q\"q', 'x', …"
    assert rendered(PSQL_A, format="unaligned", null="") == 'id|t|u|e\n1|a,b||\n2|q"q|x|line\n2\n(2 rows)\n'


def test_unaligned_separator_tuples_only_and_expanded() -> None:
    # psql -A -t -F ';' …
    assert rendered(PSQL_A, format="unaligned", null="", tuples_only=True, field_separator=";") == (
        '1;a,b;;\n2;q"q;x;line\n2\n'
    )
    # psql -A -x …
    assert rendered(PSQL_A, format="unaligned", null="", expanded=True) == (
        'id|1\nt|a,b\nu|\ne|\n\nid|2\nt|q"q\nu|x\ne|line\n2\n'
    )


# -- machine formats: data only ------------------------------------------------------------


def test_csv_quotes_what_needs_it_and_keeps_empty_apart_from_null() -> None:
    assert rendered(PSQL_A, format="csv") == 'id,t,u,e\r\n1,"a,b",,""\r\n2,"q""q",x,"line\n2"\r\n'


def test_csv_tuples_only_and_expanded() -> None:
    assert rendered(PSQL_A, format="csv", tuples_only=True).startswith('1,"a,b",,""\r\n')
    assert rendered(result("a,b c", (1, "x,y"), numeric="a"), format="csv", expanded=True) == 'a,1\r\nb c,"x,y"\r\n'


def test_tsv_is_postgresqls_text_copy_format() -> None:
    outcome = result("id,t\tab", (1, "back\\slash"), (2, None), (3, "tab\tnew\nline\r"), numeric="id")
    assert rendered(outcome, format="tsv") == ("id\tt\\tab\n1\tback\\\\slash\n2\t\\N\n3\ttab\\tnew\\nline\\r\n")


def test_json_is_one_array_per_result_with_typed_values() -> None:
    columns = [
        Column("n", numeric=True),
        Column("t"),
        Column("j", json=True),
        Column("b"),
        Column("ns", number_items=True),
    ]
    rows: Rows = [(1, "x", '{"k": [1]}', True, [1, 2]), (decimal.Decimal("2.50"), None, None, False, [])]
    text = rendered(Outcome(columns=columns, batches=[rows[:1], rows[1:]], tag="SELECT 2"), format="json")
    assert text == (
        '[{"n": 1, "t": "x", "j": {"k": [1]}, "b": true, "ns": [1, 2]}, '
        '{"n": 2.50, "t": null, "j": null, "b": false, "ns": []}]\n'
    )
    assert json.loads(text)[1]["n"] == 2.5
    assert rendered(result("a"), format="json") == "[]\n"


def test_jsonl_is_one_object_per_row() -> None:
    assert rendered(TWO_ROWS, format="jsonl") == (
        '{"n": 1, "name": "abc", "note": null}\n{"n": 22, "name": "x", "note": "yy"}\n'
    )
    assert rendered(result("a"), format="jsonl") == ""


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_machine_formats_write_no_footer_and_no_select_tag(fmt: str) -> None:
    text = rendered(TWO_ROWS, format=fmt)
    assert "rows)" not in text and "SELECT" not in text and not text.endswith("\n\n")


# -- tabulate's formats ------------------------------------------------------------------


def test_tabulate_formats_align_by_column_type_and_show_null() -> None:
    outcome = result("n,code", (1, "00123"), (22, None), numeric="n")
    assert rendered(outcome, format="github") == (
        "|   n | code   |\n|-----|--------|\n|   1 | 00123  |\n|  22 | <null> |\n"
    )
    assert rendered(outcome, format="plain", tuples_only=True, null="") == " 1  00123\n22\n"


def test_markdown_tables_escape_pipes_and_line_breaks() -> None:
    """A "|" or a line break inside a value would end the cell or the row of a
    Markdown table: GitHub's and pipe format escape them; grid keeps them raw."""
    outcome = result("a|b", ("x|y\nz\\w",))
    assert rendered(outcome, format="github") == "| a\\|b         |\n|--------------|\n| x\\|y<br>z\\\\w |\n"
    assert rendered(outcome, format="pipe").splitlines()[2] == "| x\\|y<br>z\\\\w |"
    assert "x|y" in rendered(outcome, format="grid")


def test_tabulate_html_and_grid() -> None:
    outcome = result("a", ("<b>",))
    assert rendered(outcome, format="html") == (
        "<table>\n<thead>\n<tr><th>a  </th></tr>\n</thead>\n<tbody>\n<tr><td>&lt;b&gt;</td></tr>\n</tbody>\n</table>\n"
    )
    assert rendered(outcome, format="grid") == "+-----+\n| a   |\n+=====+\n| <b> |\n+-----+\n"


# -- tags, raw text, footers and counts ---------------------------------------------------


def test_a_row_changing_tag_follows_its_rows() -> None:
    outcome = result("id", (7,), numeric="id", tag="INSERT 0 1")
    assert rendered(outcome) == " id \n----\n  7\n(1 row)\n\nINSERT 0 1\n"
    assert rendered(result("id", (7,), numeric="id", tag="DELETE 1"), format="csv") == "id\r\n7\r\nDELETE 1\n"


def test_a_statement_without_rows_shows_its_tag_unless_quiet() -> None:
    assert rendered(Outcome(tag="CREATE TABLE")) == "CREATE TABLE\n"
    assert rendered(Outcome(tag="CREATE TABLE"), quiet=True) == ""
    assert rendered(Outcome()) == ""


def test_a_lazy_tag_is_read_after_the_rows() -> None:
    seen: list[int] = []

    def batches() -> Iterator[Rows]:
        seen.append(1)
        yield [(1,)]

    def tag() -> str:
        return f"UPDATE {len(seen)}"

    outcome = Outcome(columns=[Column("n", numeric=True)], batches=batches(), tag=tag)
    assert rendered(outcome, format="unaligned") == "n\n1\n(1 row)\nUPDATE 1\n"


def test_raw_text_comes_first_as_it_is() -> None:
    assert rendered(Outcome(raw=["1\tx\n", "2\ty\n"], tag="COPY 2")) == "1\tx\n2\ty\nCOPY 2\n"


def test_footer_off_drops_the_row_count_and_quiet_keeps_it_as_psql() -> None:
    assert rendered(TWO_ROWS, null="", footer=False).endswith(" 22 | x    | yy\n\n")
    assert rendered(TWO_ROWS, null="", quiet=True) == rendered(TWO_ROWS, null="")
    assert rendered(Outcome(tag="INSERT 0 1"), quiet=True) == ""  # -q drops tags
    listing = Outcome.table(["Name"], [("t",)], footer=False)  # a meta-command's listing
    assert rendered(listing) == " Name \n------\n t\n\n"


def test_render_returns_the_rows_written() -> None:
    assert render(TWO_ROWS, RenderOptions(format="json"), lambda _s: None) == 2
    batches: list[Rows] = [[(i,) for i in range(3)], [(3,)]]
    assert render(Outcome(columns=[Column("n")], batches=batches), RenderOptions(), lambda _s: None) == 4
    assert render(Outcome(tag="SET"), RenderOptions(), lambda _s: None) == 0


# -- the names and the cell rules ------------------------------------------------------------


def test_format_names() -> None:
    assert all(is_format(f) for f in NATIVE_FORMATS)
    assert is_format("github") and not is_format("nope")
    assert known_formats()[: len(NATIVE_FORMATS)] == list(NATIVE_FORMATS)


@pytest.mark.parametrize(
    ("text", "shown", "width"),
    [
        ("abc", "abc", 3),
        ("漢字", "漢字", 4),
        ("e\u0301", "e\u0301", 1),  # a combining accent takes no column
        ("a\tb", "a       b", 9),
        ("x\ry", "x\\ry", 4),
        ("\x7f\x85", "\\x7F\\u0085", 10),
    ],
)
def test_cells_as_a_terminal_shows_them(text: str, shown: str, width: int) -> None:
    assert visible(text) == shown
    assert display_width(shown) == width
