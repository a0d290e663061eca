"""The one column-kind rule: numbers and dates are numeric, booleans and text categorical."""

from __future__ import annotations

import doctest

import pandas as pd

from fairsynth.foundation import kinds
from fairsynth.foundation.kinds import (
    CATEGORICAL,
    NUMERIC,
    NUMERIC_MIN_DISTINCT,
    column_kind,
    is_number,
    is_ordered,
)


def test_kinds_of_each_dtype():
    many = pd.Series(range(10))
    dates = pd.Series(pd.date_range("2020-01-01", periods=10))
    flags = pd.Series([True, False] * 5)
    text = pd.Series(list("abcdefghij"))
    assert [column_kind(s) for s in (many, dates, flags, text)] == [NUMERIC, NUMERIC, CATEGORICAL,
                                                                   CATEGORICAL]
    # Dates have an order but are not numbers (privacy distances scale numbers only).
    assert is_ordered(dates) and not is_number(dates)
    assert not is_number(flags) and not is_ordered(flags)


def test_few_distinct_numbers_are_categories_only_when_asked():
    few = pd.Series([1, 2, 3, 4, 5] * 4 + [None])
    assert column_kind(few) == NUMERIC
    assert column_kind(few, min_distinct=NUMERIC_MIN_DISTINCT) == CATEGORICAL
    six = pd.Series([1, 2, 3, 4, 5, 6])
    assert column_kind(six, min_distinct=NUMERIC_MIN_DISTINCT) == NUMERIC


def test_doctests():
    assert doctest.testmod(kinds).failed == 0
