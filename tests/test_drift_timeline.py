"""Drift over time, subgroup shares and disparate impact per window, and the staleness sentences, on COMPAS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairsynth.drift import (
    NoTimeRoleError,
    dataset_drift,
    drift_over_time,
    fairness_over_time,
    timeline_sentences,
)
from fairsynth.drift.over_time import impact_by_window, shares_over_time
from fairsynth.drift.stats import column_drift
from fairsynth.drift.timeline import DATASET_DRIFT_COLUMNS, TIMELINE_COLUMNS
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES, SAMPLE_DIR

TIME = "compas_screening_date"


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    return pd.read_parquet(SAMPLE_DIR / "compas.parquet")


@pytest.fixture(scope="module")
def same_pair(compas):
    return make_pair(compas, compas.copy(), COMPAS_ROLES)


@pytest.fixture(scope="module")
def skewed_pair(compas):
    """Synthetic side fitted on early 2013 only, with African-American women removed."""
    early = compas[compas[TIME] < "2013-04-01"]
    keep = ~((early["race"] == "African-American") & (early["sex"] == "Female"))
    synthetic = early[keep].sample(n=4000, replace=True, random_state=11)
    return make_pair(compas, synthetic, COMPAS_ROLES)


def test_shape_and_columns(same_pair):
    result = drift_over_time(same_pair)
    assert list(result.columns) == TIMELINE_COLUMNS
    assert result["window"].nunique() == 24
    assert set(result["column"]) == set(same_pair.analysis_columns)
    assert TIME not in set(result["column"])
    assert result["window"].iloc[0] == "2013-01-01"
    assert result["reference"].iloc[0] == "first window 2013-01-01"


def test_each_window_equals_column_drift_on_that_window(compas, same_pair):
    result = drift_over_time(same_pair, reference="window", reference_window="2013-06")
    assert set(result["reference"]) == {"window 2013-06-01"}
    month = compas[TIME].dt.to_period("M")
    reference = compas[month == "2013-06"]
    for window in ["2013-02", "2014-11"]:
        direct = column_drift(reference, compas[month == window], columns=same_pair.analysis_columns)
        ours = result[result["window"] == f"{window}-01"].reset_index(drop=True)
        pd.testing.assert_frame_equal(ours[direct.columns], direct)


def test_a_dataset_against_itself_never_drifts(same_pair):
    versus_synthetic = drift_over_time(same_pair, freq="Q", reference="synthetic")
    assert set(versus_synthetic["reference"]) == {"synthetic"}
    # Each quarter against the whole (identical) data: the first window itself is the check below.
    first = drift_over_time(same_pair, reference="first")
    own = first[first["window"] == "2013-01-01"]
    assert not own["drift_detected"].any()
    assert (own["p_value"].dropna() > 0.99).all()
    single = make_pair(same_pair.real, same_pair.real.copy(), COMPAS_ROLES)
    whole = drift_over_time(single, n_windows=1, reference="synthetic")
    assert not whole["drift_detected"].any()
    assert np.allclose(whole["statistic"], 0)


def test_previous_reference_skips_the_first_window(same_pair):
    result = drift_over_time(same_pair, reference="previous")
    assert result["window"].nunique() == 23
    assert "2013-01-01" not in set(result["window"])
    assert set(result["reference"]) == {"previous window"}


def test_dataset_drift_share(skewed_pair):
    result = drift_over_time(skewed_pair, reference="synthetic", freq="Q")
    per_window = dataset_drift(result)
    assert list(per_window.columns) == DATASET_DRIFT_COLUMNS
    expected = result.groupby("window")["drift_detected"].mean()
    assert np.allclose(per_window.set_index("window")["drifted_share"], expected.loc[per_window["window"]])
    assert (per_window["dataset_drift"] == (per_window["drifted_share"] >= 0.5)).all()
    from_pair = dataset_drift(skewed_pair, reference="synthetic", freq="Q")
    pd.testing.assert_frame_equal(from_pair, per_window)
    # Fitted on early 2013: the last quarter drifts more than the first against it.
    assert per_window["drifted_share"].iloc[-1] > per_window["drifted_share"].iloc[0]


def test_no_time_role_is_a_typed_error_pointing_at_the_data_page(compas):
    pair = make_pair(compas, compas, COMPAS_ROLES.with_changes(time=None))
    for fn in (drift_over_time, fairness_over_time, timeline_sentences):
        with pytest.raises(NoTimeRoleError, match="set a time role on the Data page"):
            fn(pair)


def test_bad_reference_options(same_pair):
    with pytest.raises(InvalidInputError, match="first, window, previous, synthetic"):
        drift_over_time(same_pair, reference="last")
    with pytest.raises(InvalidInputError, match="Choose the reference window"):
        drift_over_time(same_pair, reference="window")
    with pytest.raises(InvalidInputError, match="No window with rows contains 2019-01"):
        drift_over_time(same_pair, reference="window", reference_window="2019-01")


def test_single_window(compas):
    year = compas[compas[TIME] < "2014-01-01"]
    pair = make_pair(year, year.sample(n=2000, random_state=2), COMPAS_ROLES)
    result = drift_over_time(pair, freq="Y")
    assert result["window"].unique().tolist() == ["2013-01-01"]
    assert drift_over_time(pair, freq="Y", reference="previous").empty
    sentences = timeline_sentences(pair, freq="Y")
    assert any("single window" in s for s in sentences)


def test_unparseable_times_are_reported(compas):
    real = compas.astype({TIME: str})
    real.loc[real.index[:25], TIME] = "not recorded"
    pair = make_pair(real, compas.astype({TIME: str}), COMPAS_ROLES)
    result = drift_over_time(pair)
    assert result.attrs["unparseable"] == 25
    assert any(s.startswith("25 row(s) have a time value that is not a date") for s in timeline_sentences(pair))


def test_subgroup_shares_match_crosstab_and_keep_absent_groups(compas, skewed_pair):
    shares = shares_over_time(skewed_pair)
    shares = shares.assign(attribute=shares["attributes"].map("&".join))
    for dataset, frame in (("real", compas), ("synthetic", skewed_pair.synthetic)):
        side = shares[shares["dataset"] == dataset]
        month = frame[TIME].dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d")
        expected = pd.crosstab(month, frame["race"], normalize="index")
        race = side[side["attribute"] == "race"].pivot(index="window", columns="group", values="share")
        assert np.allclose(race[expected.columns].to_numpy(), expected.to_numpy(), atol=1e-12)
        # Every group appears in every window, with count 0 where absent (e.g. Asian in some months).
        per_window = side.groupby(["window", "attribute"]).size().unstack()
        assert (per_window.nunique() == 1).all()
        sums = side.groupby(["window", "attribute"])["share"].sum()
        assert np.allclose(sums, 1)
    assert (shares["count"] == 0).any()
    # The synthetic side was drawn from 2013-01 to 2013-03 only: those are its windows.
    assert sorted(shares.loc[shares["dataset"] == "synthetic", "window"].unique()) == [
        "2013-01-01", "2013-02-01", "2013-03-01"]


def test_impact_over_time_selection_rates_and_fixed_reference(compas, skewed_pair):
    impact = impact_by_window(skewed_pair)
    real = impact[impact["dataset"] == "real"]
    assert real["window"].nunique() == 24
    assert impact.loc[impact["dataset"] == "synthetic", "window"].nunique() == 3
    month = compas[TIME].dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d")
    rates = (compas["two_year_recid"] == 0).groupby([month, compas["sex"]]).mean()
    sex = real[real["attribute"] == "sex"].set_index(["window", "group"])["selection_rate"]
    assert np.allclose(sex.sort_index(), rates.sort_index().to_numpy())
    # The reference group of sex is the same in every window of both sides.
    assert impact.loc[impact["attribute"] == "sex", "reference_group"].nunique() == 1
    assert {"ci_low", "ci_high", "passes_four_fifths"} <= set(impact.columns)


def test_drift_page_sentences_name_the_match_and_the_drift_start(skewed_pair):
    from fairsynth.governance.findings_over_time import what_changed

    sentences = timeline_sentences(skewed_pair) + what_changed(fairness_over_time(skewed_pair))
    text = " ".join(sentences)
    assert "The synthetic data looks most like the 2013-0" in text
    assert "not the latest window 2014-12" in text
    assert any(s.startswith("Drift began in") or s.startswith("No window shows") for s in sentences)


def test_impact_over_time_takes_a_reference_present_in_every_window():
    from fairsynth.foundation.samples import load_sample

    pair = load_sample("compas")
    impact = impact_by_window(pair)
    race = impact[(impact["attribute"] == "race") & (impact["dataset"] == "real")]
    # 'Asian' has the best overall rate but about 30 rows in two years: a noisy anchor.
    real = pair.real
    rates = real.assign(ok=real["two_year_recid"] == 0).groupby("race")["ok"].agg(["mean", "size"])
    assert rates["mean"].idxmax() == "Asian" and rates.loc["Asian", "size"] < 100
    steady = rates[rates["size"] >= 30 * race["window"].nunique()]
    assert set(race["reference_group"]) == {steady["mean"].idxmax()}


def test_drift_start_names_the_test_family_that_dates_it():
    from fairsynth.foundation.samples import load_sample

    pair = load_sample("compas")
    # Monthly windows of about 600 rows get evidently's p-value tests; quarterly ones, distances.
    monthly, quarterly = (" ".join(timeline_sentences(pair, freq=f)) for f in ("M", "Q"))
    assert "Drift began in 2013-06" in monthly and "p-value tests (KS, chi-square, Z)" in monthly
    assert "Drift began in 2014Q2" in quarterly and "distances" in quarterly
