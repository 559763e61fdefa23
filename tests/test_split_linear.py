"""Splitting is linear in the input whatever the chunking (issue #14).

A statement that spans many chunks used to be rescanned from its start on
every chunk: a 9 MB ``INSERT … VALUES`` read 64 KiB at a time took minutes.
These tests feed one big statement (and one big COPY data block) in 1-byte, 1 KiB,
64 KiB and whole-file chunks and compare the time against an input an eighth
the size: linear work grows ~8x, the old rescanning far more (4 MB in 64 KiB
chunks took 16 s, 64 KiB in 1-byte chunks minutes). Ratios, not seconds, so a
loaded machine does not make them flaky; the best of two runs is taken.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import pytest

from sqlshell.sqltext.split import Kind, Splitter, Statement

RATIO_LIMIT = 14.0  # 8x the input: linear is ~8, the old rescanning 20-40


@functools.cache
def insert_statement(nbytes: int) -> str:
    """One ``INSERT … VALUES`` of about ``nbytes``: quotes, doubled quotes, ``;`` in literals."""
    rows, size, i = [], 0, 0
    while size < nbytes:
        i += 1
        note = "'O''Brien; said ''hi'''" if i % 10 == 3 else f"'note {i}'"
        row = f"({i}, 'name-{i}', {note}, {i * 1.25:.2f}, E'tab\\t{i}', -{i}, now())"
        rows.append(row)
        size += len(row) + 2
    return "insert into t (id, name, note, amount, esc, neg, at) values\n" + ",\n".join(rows) + ";\n"


@functools.cache
def copy_block(nbytes: int) -> str:
    lines, size, i = [], 0, 0
    while size < nbytes:
        i += 1
        line = f"{i}\tname {i}\t\\N\t{i * 3}"
        lines.append(line)
        size += len(line) + 1
    return "copy t from stdin;\n" + "\n".join(lines) + "\n\\.\nselect 1;\n"


def feed_time(text: str, chunk: int, check: Callable[[list[Statement]], None], give_up: float = 1e9) -> float:
    """The best of two runs; past ``give_up`` seconds a run stops (a quadratic
    splitter would take minutes) and infinity is returned."""
    best = float("inf")
    for _ in range(2):
        splitter = Splitter()
        started = time.process_time()
        out: list[Statement] = []
        for n, k in enumerate(range(0, len(text), chunk)):
            out += splitter.feed(text[k : k + chunk])
            if n % 4096 == 0 and time.process_time() - started > give_up:
                return float("inf")
        out += splitter.finish()
        best = min(best, time.process_time() - started)
        check(out)
    return best


def assert_linear(small: str, big: str, chunk: int, check: Callable[[str], Callable[[list[Statement]], None]]) -> None:
    t_small = feed_time(small, chunk or len(small), check(small))
    t_big = feed_time(big, chunk or len(big), check(big), give_up=2 * RATIO_LIMIT * t_small + 1)
    assert t_big / t_small < RATIO_LIMIT, f"{len(small)} bytes: {t_small:.3f} s, {len(big)} bytes: {t_big:.3f} s"


def one_insert(text: str) -> Callable[[list[Statement]], None]:
    def check(out: list[Statement]) -> None:
        assert [s.kind for s in out] == [Kind.SQL]
        assert out[0].text == text.strip()

    return check


def copy_then_select(text: str) -> Callable[[list[Statement]], None]:
    def check(out: list[Statement]) -> None:
        assert [s.text for s in out] == ["copy t from stdin;", "select 1;"]
        assert out[0].data == text.split("\n", 1)[1].split("\\.\n")[0]
        assert out[0].data_line == 2

    return check


@pytest.mark.parametrize("chunk", [1024, 64 * 1024, 0], ids=["1KiB", "64KiB", "whole"])
def test_a_4mb_statement_splits_in_linear_time(chunk: int) -> None:
    assert_linear(insert_statement(512 << 10), insert_statement(4 << 20), chunk, one_insert)


def test_one_byte_chunks_are_linear_too() -> None:
    assert_linear(insert_statement(8 << 10), insert_statement(64 << 10), 1, one_insert)


@pytest.mark.parametrize("chunk", [1024, 16 * 1024], ids=["1KiB", "16KiB"])
def test_copy_data_splits_in_linear_time(chunk: int) -> None:
    assert_linear(copy_block(512 << 10), copy_block(4 << 20), chunk, copy_then_select)
