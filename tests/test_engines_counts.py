"""The pandas count engine: counts equal plain pandas groupbys, results are cached by content, and
the counts-first metrics keep their invariants (a pair against itself) on the bundled samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairsynth.drift.timeline import drift_over_time
from fairsynth.engines import as_counter
from fairsynth.engines.pandas_counts import PandasCounter, counter_for, favourable
from fairsynth.engines.pandas_encoding import encode
from fairsynth.engines.tables import NEVER
from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import disparate_impact
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.codes import MISSING
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import load_sample
from fairsynth.foundation.windows import assign_windows, windowed


@pytest.fixture(scope="module")
def compas():
    return load_sample("compas")


@pytest.fixture(scope="module")
def adult():
    return load_sample("adult")


def _crosstab(frame: pd.DataFrame, attrs: list[str]) -> pd.Series:
    keys = [frame[a].astype(object).where(frame[a].notna(), MISSING).astype(str) for a in attrs]
    return pd.Series(1, index=frame.index).groupby(keys).sum()


def test_cell_counts_equal_pandas_groupby(compas):
    # Setup: missing values in a protected attribute form the "(missing)" group.
    real = compas.real.copy()
    real.loc[real.index[::17], "race"] = None
    pair = make_pair(real, compas.synthetic, compas.roles)
    cells = PandasCounter(pair).cells()
    # Assert: every cell's row count is the groupby count; favourable counts likewise.
    for side, frame in (("real", pair.real), ("synthetic", pair.synthetic)):
        expected = _crosstab(frame, ["race", "sex"])
        got = cells.counts[side]["rows"]
        for (race, sex), n in expected.items():
            i, j = cells.labels["race"].index(race), cells.labels["sex"].index(sex)
            assert got[i, j] == n
        assert got.sum() == len(frame)
        fav = (frame["two_year_recid"] == 0).groupby(frame["sex"].astype(str)).sum()
        for sex, n in fav.items():
            assert cells.marginal(side, "fav", ("sex",))[cells.labels["sex"].index(sex)] == n
    assert MISSING in cells.labels["race"] and cells.labels["race"][-1] == MISSING


def test_first_rows_are_first_appearance(compas):
    cells = PandasCounter(compas).cells()
    for a in ("race", "sex"):
        values = compas.real[a].astype(str)
        for label, row in zip(cells.labels[a], cells.first["real"][a], strict=True):
            assert row == int(np.flatnonzero(values.to_numpy() == label)[0])


def test_first_rows_per_window_and_among_known_outcomes_are_first_appearance(compas):
    # Setup: some rows have no date, so they are in no window.
    real = compas.real.copy()
    real.loc[real.index[::7], compas.roles.time] = None
    real.loc[real.index[5::13], "race"] = None
    pair = make_pair(real, compas.synthetic, compas.roles)
    counter = PandasCounter(pair)
    cells, win = counter.cells(), counter.windows(freq="M", n_windows=None, min_rows=30)
    block = windowed(pair, freq="M", min_rows=30).block_ids
    assert (block < 0).any()
    for a in ("race", "sex"):
        values = real[a].astype(object).where(real[a].notna(), MISSING).astype(str).to_numpy()
        # Assert: the first row of each label in each window is where plain numpy finds it.
        for b in range(len(win.starts)):
            for label, row in zip(cells.labels[a], win.first[a][b], strict=True):
                rows = np.flatnonzero((block == b) & (values == label))
                assert row == (int(rows[0]) if len(rows) else NEVER)
        # ...and among rows whose outcome is known (here: every row), over the whole table.
        for label, row in zip(cells.labels[a], cells.first_both.get("real", cells.first["real"])[a],
                              strict=True):
            assert row == int(np.flatnonzero(values == label)[0])


def test_column_counts_equal_value_counts(adult):
    counter = PandasCounter(adult)
    for column in ("workclass", "age", "fnlwgt", "capital-gain"):
        counts = counter.column(column)
        for side, frame in (("real", adult.real), ("synthetic", adult.synthetic)):
            values = frame[column]
            expected = values.value_counts(dropna=True)
            slots = dict(zip(counts.labels(), counts.overall[side][:counts.width], strict=True))
            for value, n in expected.items():
                key = str(value) if not counts.numeric else str(int(value))
                assert slots[key] == n
            assert counts.overall[side][-1] == values.isna().sum()
            by_sex = counts.by_attribute[side]["sex"]
            assert by_sex.sum() == len(frame)
            female = counter.cells().labels["sex"].index("Female")
            assert by_sex[female].sum() == (frame["sex"] == "Female").sum()


@pytest.mark.parametrize("values", [
    [3, 1, 2, 2, 1000],                      # small integers: offset coding
    [3.5, np.nan, -1.25, 3.5, 1e12],         # floats: hashed and sorted
    [1, 2**40, 5, 5, 7],                     # integers spanning too far for offsets
    [1.0, 2.0, np.nan, 4.0, 2.0],            # integral floats with a missing value
    [17, 18, 19, 20, 18],                    # every value from the minimum up: codes are value - lo
    [-3, 4, -1, 4, 0],                       # negative integers: offsets from the minimum
    [40, 45, None, 90, 45],                  # nullable integers with gaps and a missing value
    [1_600_000_000, 1_600_000_007, 1_600_000_003, 1_600_000_003, 1_600_000_001],  # far from 0
])
@pytest.mark.parametrize("repeat", [1, 2000])  # few rows: buckets marked; many: counted
def test_numeric_encoding_is_a_sorted_support(values, repeat):
    real = pd.Series(values * repeat, dtype="Int64" if None in values else None)
    synth = pd.Series((values[::-1] + [values[0]]) * repeat)
    enc = encode({"real": real, "synthetic": synth})
    present = np.unique(np.concatenate([real.dropna(), synth.dropna()]).astype(float))
    assert np.array_equal(enc.values, present)
    for side, series in (("real", real), ("synthetic", synth)):
        decoded = np.append(enc.values, np.nan)[enc.codes[side].astype(np.int64)]
        assert np.array_equal(decoded, series.to_numpy(dtype=float), equal_nan=True)


def test_category_encoding_drops_unused_categories_and_merges_sides():
    real = pd.Series(pd.Categorical(["b", "a", None, "b"], categories=["a", "b", "zz"]))
    synth = pd.Series(["c", "a", "a", None], dtype=object)
    enc = encode({"real": real, "synthetic": synth})
    assert list(enc.values) == ["a", "b", "c"]
    assert enc.codes["real"].tolist() == [1, 0, 3, 1]
    assert enc.codes["synthetic"].tolist() == [2, 0, 0, 3]


def test_counter_is_shared_by_content_not_identity(adult):
    first = make_pair(adult.real, adult.synthetic, adult.roles)
    same = make_pair(adult.real.copy(), adult.synthetic.copy(), adult.roles)
    assert counter_for(first) is counter_for(same)
    other_roles = make_pair(adult.real, adult.synthetic, adult.roles.with_changes(protected=("sex",)))
    assert counter_for(other_roles) is not counter_for(first)
    # A second call reuses the counts: the same cell arrays, not a recount.
    assert as_counter(first).cells() is counter_for(same).cells()


def test_pair_against_itself_has_no_gap_no_drift_full_fidelity(compas):
    pair = make_pair(compas.real, compas.real.copy(), compas.roles)
    gaps = subgroup_gaps(pair)
    assert np.allclose(gaps["gap"], 0)
    fidelity = column_fidelity(pair)
    overall = fidelity[fidelity["attribute"].isna()]
    assert np.allclose(overall["score"], 1.0)
    drift = drift_over_time(pair, reference="synthetic")
    # Each window against the whole table may drift; the whole table against itself may not.
    impact = disparate_impact(pair)
    real = impact[impact["dataset"] == "real"].reset_index(drop=True)
    synth = impact[impact["dataset"] == "synthetic"].reset_index(drop=True)
    assert np.allclose(real["ratio"], synth["ratio"], equal_nan=True)
    assert set(drift["window"]) == {str(w.date()) for w in windowed(pair).starts}


@pytest.mark.parametrize("freq", ["D", "W", "M", "Q", "Y"])
def test_calendar_windows_match_pandas_periods(freq):
    # Setup: sub-day times, dates before 1970, a missing and an unparseable value.
    times = pd.Series(pd.to_datetime(["1969-12-31 23:59:00", "2013-01-05 10:00:00", "2013-03-31 23:59:59",
                                      "2014-12-29 00:00:00", None, "2012-02-29 12:00:00"]))
    starts = assign_windows(times, freq=freq, min_rows=1)
    period = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}[freq]
    expected = times.dt.to_period(period).dt.start_time
    assert starts.isna().equals(expected.isna())
    assert (starts.dropna() == expected.dropna()).all()


def test_a_value_spelled_like_the_missing_label_is_the_missing_group():
    import pandas as pd

    from fairsynth.engines.pandas_encoding import encode
    from fairsynth.foundation.codes import MISSING

    # Text "(missing)" in a categorical column (e.g. filled in by an upstream tool) used to crash.
    real = pd.Series(["a", MISSING, None, "b"], dtype="category")
    synthetic = pd.Series(["a", "a", MISSING, "b"])
    coded = encode({"real": real, "synthetic": synthetic})
    assert list(coded.values) == ["a", "b"]
    width = len(coded.values)
    assert list(coded.codes["real"]) == [0, width, width, 1]
    assert list(coded.codes["synthetic"]) == [0, 0, width, 1]


def test_columns_counted_ahead_on_threads_equal_those_counted_one_by_one(compas, monkeypatch):
    import fairsynth.engines.pandas_counts as pandas_counts

    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "2")
    ahead, one_by_one = PandasCounter(compas), PandasCounter(compas)
    coded = []
    real_encode = pandas_counts.encode
    monkeypatch.setattr(pandas_counts, "encode",
                        lambda frames: coded.append(frames["real"].name) or real_encode(frames))
    windows = {"freq": "M", "n_windows": None, "min_rows": 30}
    names = ahead.analysis_columns
    # Each column asked for twice at once: it is still coded once.
    ahead.prefetch(names + names, **windows)
    assert sorted(coded) == sorted(names)
    for name in names:
        a, b = ahead.column(name), one_by_one.column(name)
        assert np.array_equal(a.values, b.values)
        for side in ("real", "synthetic"):
            assert np.array_equal(a.overall[side], b.overall[side])
            for attr in compas.roles.protected:
                assert np.array_equal(a.by_attribute[side][attr], b.by_attribute[side][attr])
        assert np.array_equal(ahead.column_windows(name, **windows),
                              one_by_one.column_windows(name, **windows))


def test_the_exchanged_pairs_counter_reads_the_pairs_codes_and_counts_the_same(compas, monkeypatch):
    import fairsynth.engines.pandas_counts as pandas_counts
    from fairsynth.drift.over_time import swapped

    counter = PandasCounter(compas)
    counter.cells()
    fresh = PandasCounter(swapped(compas))
    windows = {"freq": "M", "n_windows": None, "min_rows": 30}
    expected = fresh.windows(**windows)
    coded = []
    real_encode = pandas_counts.encode
    monkeypatch.setattr(pandas_counts, "encode",
                        lambda frames: coded.append(frames["real"].name) or real_encode(frames))
    mirrored = counter.mirrored(swapped(compas))
    got = mirrored.windows(**windows)
    assert coded == []
    assert counter.mirrored(swapped(compas)) is mirrored
    assert mirrored.cells().counts["real"]["rows"].sum() == len(compas.synthetic)
    for measure, values in expected.cells.items():
        assert np.array_equal(got.cells[measure], values)
    for attr, values in expected.first.items():
        assert np.array_equal(got.first[attr], values)
    assert got.table.equals(expected.table)


def test_categorical_codes_in_support_order_keep_their_values_and_missing_moves_last(adult):
    import numpy as np

    from fairsynth.engines.pandas_encoding import encode

    # The real Adult's text columns are categoricals in support order (the byte-wide fast path); the
    # synthetic side as plain text goes through factorize and the gather. Both must give one coding.
    for name in ("workclass", "occupation", "race"):
        real = adult.real[name].astype("category")
        real = real.where(np.arange(len(real)) % 97 != 0)  # some missing rows
        coded = encode({"real": real, "synthetic": adult.real[name].astype(object)})
        labels = list(coded.values)
        width = len(labels)
        expected = np.array([labels.index(v) if isinstance(v, str) else width for v in real],
                            dtype=np.int64)
        assert np.array_equal(coded.codes["real"].astype(np.int64), expected), name
        assert coded.codes["real"].dtype == coded.codes["synthetic"].dtype == np.uint8


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_calendar_windows_are_the_same_whatever_the_time_unit(compas, unit):
    # Parquet gives microseconds and a CSV nanoseconds: the days (and so the windows) must agree.
    times = compas.real["compas_screening_date"]
    times = times.where(times.index % 50 != 0)
    expected = assign_windows(times.astype("datetime64[ns]"), freq="M", min_rows=1)
    starts = assign_windows(times.astype(f"datetime64[{unit}]"), freq="M", min_rows=1)
    assert starts.isna().equals(expected.isna())
    assert (starts.dropna() == expected.dropna()).all()
    assert starts.notna().sum() > 0.9 * len(times)


def test_one_pass_column_and_window_counts_keep_rows_outside_every_window(compas, monkeypatch):
    # Rows with no date are in no window but still in the column's counts.
    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "2")
    real = compas.real.copy()
    time = compas.roles.time
    real[time] = real[time].where(real.index % 7 != 0)
    pair = make_pair(real, compas.synthetic, compas.roles)
    ahead, one_by_one = PandasCounter(pair), PandasCounter(pair)
    windows = {"freq": "Q", "n_windows": None, "min_rows": 30}
    ahead.prefetch(ahead.analysis_columns, **windows)
    assert (ahead._windowed("Q", None, 30).block_ids < 0).sum() == (real[time].isna()).sum() > 0
    for name in ahead.analysis_columns:
        a, b = ahead.column(name), one_by_one.column(name)
        for side in ("real", "synthetic"):
            assert np.array_equal(a.overall[side], b.overall[side]), name
            for attr in compas.roles.protected:
                assert np.array_equal(a.by_attribute[side][attr], b.by_attribute[side][attr]), name
        assert np.array_equal(ahead.column_windows(name, **windows),
                              one_by_one.column_windows(name, **windows)), name


@pytest.mark.parametrize("values, favorable", [
    ([">50K", "<=50K", None, " >50K", "<=50K"], ">50K"),  # text, a missing value, a padded label
    ([1, 0, None, 1, 0], "1"),  # numeric categories compare as the text, as factorize's did
    ([1, 0, None, 1, 0], "1.0"),
    ([True, False, None], "true"),  # a category of booleans compares as booleans, as before
    ([None, None], "yes"),  # no value at all
])
def test_favourable_masks_of_a_category_equal_those_of_its_values(values, favorable):
    coded = pd.Series(values, dtype=object).astype("category")
    # An unused category must not change anything (Parquet dictionaries may hold one); booleans
    # stay booleans (a text category among them would make the column text).
    categories = coded.cat.categories
    if len(categories) and not pd.api.types.is_bool_dtype(categories):
        coded = coded.cat.add_categories(["unused"])
    known, fav = favourable(coded, favorable)
    assert known.tolist() == pd.Series(values).notna().tolist()
    assert fav.tolist() == _reference_favourable(coded, favorable)


def _reference_favourable(coded: pd.Series, favorable: str) -> list[bool]:
    # The rule, value by value: a category of booleans compares as booleans, any other category as
    # its text (numbers included); a missing value is never favourable.
    if pd.api.types.is_bool_dtype(coded.cat.categories):
        wanted = favorable.strip().lower() in ("true", "1", "yes")
        return [bool(pd.notna(v) and v == wanted) for v in coded.astype(object)]
    return [bool(pd.notna(v) and str(v).strip() == favorable.strip()) for v in coded.astype(object)]
