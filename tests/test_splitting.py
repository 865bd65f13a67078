"""Splitting long texts for platforms with a message size limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.splitting import split_first, split_text


def assert_faithful(text: str, parts: list[str]) -> None:
    """The parts appear in `text` in order, with only whitespace around and between."""
    pos = 0
    for part in parts:
        found = text.index(part, pos)
        assert not text[pos:found].strip(), (text[pos:found], part)
        pos = found + len(part)
    assert not text[pos:].strip()


def test_short_text_is_one_part_unchanged() -> None:
    assert split_text("  hello \n", 10) == ["  hello \n"]
    assert split_text("", 10) == [""]


def test_paragraph_boundary_comes_first() -> None:
    text = "one two three\nfour five\n\nsix seven"
    assert split_text(text, 30) == ["one two three\nfour five", "six seven"]


def test_line_boundary_when_no_paragraph_fits() -> None:
    text = "one two three\nfour five six seven"
    assert split_text(text, 20) == ["one two three", "four five six seven"]


def test_word_boundary_when_no_line_fits() -> None:
    assert split_text("alpha beta gamma delta", 12) == ["alpha beta", "gamma delta"]


def test_boundary_right_after_a_full_part_is_used() -> None:
    assert split_text("abcde fghij", 5) == ["abcde", "fghij"]


def test_indentation_of_the_next_line_is_kept() -> None:
    assert split_text("first line\n    indented code", 17) == ["first line", "    indented code"]


def test_hard_cut_keeps_combining_marks_with_their_letter() -> None:
    text = "abcde\u0301fgh"  # é written as e + combining acute accent
    first, second = split_text(text, 5)
    assert first == "abcd" and second == "e\u0301fgh"


def test_whitespace_only_text_longer_than_the_limit_has_no_parts() -> None:
    assert split_text(" \n " * 10, 4) == []


def test_split_first_returns_the_rest() -> None:
    assert split_first("alpha beta gamma", 11) == ("alpha beta", "gamma")


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 0)


@given(st.text(alphabet=st.sampled_from("ab \n\té\u0301"), max_size=300),
       st.integers(min_value=1, max_value=40))
def test_parts_fit_are_not_blank_and_rebuild_the_text(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    if len(text) > limit:
        assert all(p.strip() for p in parts)
    assert_faithful(text, parts)
