"""Windows: calendar buckets agree with pandas periods, small windows are flagged or merged, nothing is dropped."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import fairsynth.foundation.windows as windows
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.samples import SAMPLE_DIR
from fairsynth.foundation.windows import assign_windows, unparseable_count, window_table

TIME = "compas_screening_date"


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    return pd.read_parquet(SAMPLE_DIR / "compas.parquet")


@pytest.mark.parametrize("freq, period", [("D", "D"), ("W", "W"), ("M", "M"), ("Q", "Q"), ("Y", "Y")])
def test_calendar_windows_match_pandas_periods(compas, freq, period):
    starts = assign_windows(compas[TIME], freq=freq)
    expected = compas[TIME].dt.to_period(period).dt.start_time
    assert (starts == expected).all()


def test_monthly_table_counts_every_row(compas):
    table = window_table(compas, TIME, freq="M")
    assert len(table) == 24
    assert table["window"].iloc[0] == pd.Timestamp("2013-01-01")
    assert table["rows"].sum() == len(compas)
    assert (table["end"].iloc[:-1].to_numpy() == table["window"].iloc[1:].to_numpy()).all()
    assert table.attrs["unparseable"] == 0


def test_small_windows_are_flagged_not_dropped(compas):
    table = window_table(compas, TIME, freq="D", min_rows=20)
    assert table["rows"].sum() == len(compas)
    assert (table["small"] == (table["rows"] < 20)).all()
    assert table["small"].any() and not table["small"].all()
    # Calendar days without a row are listed with 0 rows, so a gap in time is visible.
    days = pd.date_range(compas[TIME].min(), compas[TIME].max(), freq="D")
    assert len(table) == len(days)


def test_merge_reaches_min_rows_and_keeps_every_row(compas):
    starts = assign_windows(compas[TIME], freq="D", min_rows=100, small="merge")
    sizes = starts.value_counts()
    assert sizes.sum() == len(compas)
    assert sizes.min() >= 100
    table = window_table(compas, TIME, freq="D", min_rows=100, small="merge")
    heads = table[table["merged_into"].isna()]
    assert set(heads["window"]) == set(sizes.index)
    # Each merged window points at an earlier (or equal-run) head that exists.
    merged = table[table["merged_into"].notna()]
    assert (merged["merged_into"] <= merged["window"]).all()
    assert set(merged["merged_into"]) <= set(heads["window"])


def test_equal_count_windows(compas):
    starts = assign_windows(compas[TIME], n_windows=6)
    sizes = starts.value_counts().sort_index()
    assert len(sizes) <= 6 and sizes.sum() == len(compas)
    # Ties keep a date in one window, so sizes are near but not exactly N/6.
    assert sizes.max() - sizes.min() < 0.1 * len(compas) / 6
    # Every row's window start is at or before its own time, and windows do not overlap.
    assert (starts <= compas[TIME]).all()
    table = window_table(compas, TIME, n_windows=6)
    assert table["rows"].sum() == len(compas)
    assert (table["end"] > table["window"]).all()


def test_unparseable_times_are_counted_not_dropped():
    times = pd.Series(["2013-01-05", "2013-01-20", "yesterday", None, "2013-02-03", "n/a"])
    starts = assign_windows(times, freq="M", min_rows=1)
    assert starts.isna().tolist() == [False, False, True, True, False, True]
    assert unparseable_count(times) == 2
    table = window_table(pd.DataFrame({"t": times}), "t", freq="M", min_rows=1)
    assert table.attrs["unparseable"] == 2
    assert table["rows"].tolist() == [2, 1]


def test_single_window_and_bad_options(compas):
    one_year = compas[compas[TIME] < "2014-01-01"]
    table = window_table(one_year, TIME, freq="Y")
    assert len(table) == 1 and table["rows"].iloc[0] == len(one_year)
    with pytest.raises(InvalidInputError, match="Available: D, W, M, Q, Y"):
        assign_windows(compas[TIME], freq="H")
    with pytest.raises(InvalidInputError, match="flag, merge"):
        window_table(compas, TIME, small="drop")
    with pytest.raises(InvalidInputError, match="not in the table"):
        window_table(compas, "when")


def test_timezone_aware_times_use_wall_clock():
    times = pd.Series(pd.to_datetime(["2013-01-31 23:30", "2013-02-01 00:30"]).tz_localize("UTC"))
    starts = assign_windows(times, freq="M", min_rows=1)
    assert starts.dt.month.tolist() == [1, 2]
    assert not np.isnat(starts.to_numpy()).any()


def test_doctests():
    assert doctest.testmod(windows).failed == 0
