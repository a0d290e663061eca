"""Count-based drift tests against scipy on the bundled samples, evidently's test choice rules, and invariants."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

import fairsynth.drift.stats as drift_stats
from fairsynth.drift.stats import (
    STAT_TESTS,
    column_drift,
    default_test,
    drift_rows,
    normalised_score,
)
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import CATEGORICAL, NUMERIC
from fairsynth.foundation.samples import SAMPLE_DIR

TOL = 1e-9


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    return pd.read_parquet(SAMPLE_DIR / "compas.parquet")


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return pd.read_parquet(SAMPLE_DIR / "adult.parquet")


@pytest.fixture(scope="module")
def halves(compas):
    """2013 screenings against 2014 ones: a real shift in time."""
    t = compas["compas_screening_date"]
    return compas[t < "2014-01-01"], compas[t >= "2014-01-01"]


def _one(ref, cur, column, method):
    return column_drift(ref, cur, columns=[column], method=method).iloc[0]


@pytest.mark.parametrize("column", ["age", "priors_count", "days_b_screening_arrest"])
def test_ks_matches_scipy(halves, column):
    ref, cur = halves
    row = _one(ref, cur, column, "ks")
    expected = stats.ks_2samp(ref[column].dropna(), cur[column].dropna())
    assert row["statistic"] == pytest.approx(expected.statistic, abs=TOL)
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert row["drift_detected"] == (expected.pvalue <= 0.05)


@pytest.mark.parametrize("column", ["race", "age_cat", "score_text"])
def test_chisquare_matches_scipy_against_reference_frequencies(halves, column):
    ref, cur = halves
    row = _one(ref, cur, column, "chisquare")
    keys = sorted(set(ref[column].dropna()) | set(cur[column].dropna()))
    observed = cur[column].value_counts().reindex(keys, fill_value=0)
    expected = ref[column].value_counts().reindex(keys, fill_value=0) * len(cur) / len(ref)
    scipy_result = stats.chisquare(observed, expected)
    assert row["statistic"] == pytest.approx(scipy_result.statistic, rel=1e-9)
    assert row["p_value"] == pytest.approx(scipy_result.pvalue, rel=1e-9, abs=1e-300)


def test_chisquare_agrees_with_contingency_in_direction(halves):
    # evidently's chi-square is goodness of fit to the reference shares, not the contingency test;
    # both must still call a big real shift significant and a resample of itself not.
    ref, cur = halves
    table = pd.crosstab(pd.concat([ref, cur])["age_cat"], [0] * len(ref) + [1] * len(cur))
    contingency = stats.chi2_contingency(table)
    row = _one(ref, cur, "age_cat", "chisquare")
    assert (row["p_value"] < 0.05) == (contingency.pvalue < 0.05)


@pytest.mark.parametrize("column", ["age", "fnlwgt", "hours-per-week", "capital-gain"])
def test_wasserstein_matches_scipy_normed_by_reference_std(adult, column):
    ref = adult[adult["sex"] == "Male"]
    cur = adult[adult["sex"] == "Female"]
    row = _one(ref, cur, column, "wasserstein")
    expected = stats.wasserstein_distance(ref[column], cur[column]) / max(np.std(ref[column]), 0.001)
    assert row["statistic"] == pytest.approx(expected, rel=1e-9)
    assert np.isnan(row["p_value"])


@pytest.mark.parametrize("column", ["race", "education", "native-country", "income"])
def test_jensenshannon_matches_scipy_natural_log(adult, column):
    ref = adult[adult["sex"] == "Male"]
    cur = adult[adult["sex"] == "Female"]
    row = _one(ref, cur, column, "jensenshannon")
    keys = sorted(set(ref[column].dropna()) | set(cur[column].dropna()))
    p = ref[column].value_counts(normalize=True).reindex(keys, fill_value=0)
    q = cur[column].value_counts(normalize=True).reindex(keys, fill_value=0)
    assert row["statistic"] == pytest.approx(distance.jensenshannon(p, q), rel=1e-9)


@pytest.mark.parametrize("column, method", [
    ("fnlwgt", "wasserstein"), ("capital-gain", "wasserstein"), ("education", "jensenshannon"),
    ("education-num", "jensenshannon"), ("age", "jensenshannon"), ("hours-per-week", "psi")])
def test_drift_rows_give_every_row_the_value_of_its_own_test(adult, column, method):
    # A column's windows are compared at once: here one row per race against the men's, the
    # women's or everyone's rows in turn (each row its own reference), plus an empty row. Each
    # row must equal scipy, or the test run on that row alone where it bins (Jensen-Shannon on
    # more than 20 numbers) or has no batched form (PSI).
    numeric = column != "education"
    support = np.sort(adult[column].dropna().unique())
    bases = [adult[adult["sex"] == "Male"], adult[adult["sex"] == "Female"], adult]
    groups = [adult[adult["race"] == r] for r in sorted(adult["race"].unique())]

    def counts(frame):
        return frame[column].value_counts().reindex(support, fill_value=0).to_numpy()

    cur = np.array([counts(g) for g in groups] + [np.zeros(len(support), dtype=np.int64)])
    refs = [bases[i % 3] for i in range(len(cur))]
    ref = np.array([counts(r) for r in refs])
    kind = NUMERIC if numeric else CATEGORICAL
    rows = drift_rows(kind, support, ref, cur, method=method)
    assert len(rows) == len(groups) + 1
    assert rows[-1][0] == "none" and rows[-1][4] is False and np.isnan(rows[-1][1])
    spec, one_row = STAT_TESTS[method]
    for i, (group, row) in enumerate(zip(groups, rows, strict=False)):
        base = refs[i]
        if method == "wasserstein":
            expected = (stats.wasserstein_distance(base[column], group[column])
                        / max(np.std(base[column]), 0.001))
        elif method == "jensenshannon" and np.count_nonzero(ref[i]) <= drift_stats.BIN_ABOVE_UNIQUES:
            keys = list(support)
            p = base[column].value_counts(normalize=True).reindex(keys, fill_value=0)
            q = group[column].value_counts(normalize=True).reindex(keys, fill_value=0)
            expected = distance.jensenshannon(p, q)
        else:
            expected = one_row(kind, support, ref[i], cur[i])[0]
        assert row[0] == method
        assert row[1] == pytest.approx(expected, rel=1e-9), group["race"].iloc[0]
        assert row[3] == spec.default_threshold
        assert row[4] == spec.drifted(row[1], row[2], row[3])


@pytest.mark.parametrize("column, method", [
    ("fnlwgt", "wasserstein"), ("capital-gain", "wasserstein"), ("education", "jensenshannon")])
def test_drift_rows_read_one_shared_reference_given_as_a_broadcast_view(adult, column, method):
    # drift_over_time passes one reference for every window (the first window, the synthetic
    # side) as a stride-0 view, which the distances read once: each row must still equal scipy
    # against that reference, and the same rows with the reference copied out in full.
    support = np.sort(adult[column].dropna().unique())
    base = adult[adult["sex"] == "Male"]
    groups = [adult[adult["race"] == r] for r in sorted(adult["race"].unique())]

    def counts(frame):
        return frame[column].value_counts().reindex(support, fill_value=0).to_numpy()

    cur = np.array([counts(g) for g in groups])
    shared = np.broadcast_to(counts(base), cur.shape)
    assert shared.strides[0] == 0
    kind = CATEGORICAL if column == "education" else NUMERIC
    rows = drift_rows(kind, support, shared, cur, method=method)
    copied = drift_rows(kind, support, np.ascontiguousarray(shared), cur, method=method)
    assert [(r[0], r[1], r[4]) for r in rows] == [(r[0], r[1], r[4]) for r in copied]
    for group, row in zip(groups, rows, strict=True):
        if method == "wasserstein":
            expected = (stats.wasserstein_distance(base[column], group[column])
                        / max(np.std(base[column]), 0.001))
        else:
            p = base[column].value_counts(normalize=True).reindex(support, fill_value=0)
            q = group[column].value_counts(normalize=True).reindex(support, fill_value=0)
            expected = distance.jensenshannon(p, q)
        assert row[1] == pytest.approx(expected, rel=1e-9), group["race"].iloc[0]


def test_z_test_matches_two_proportion_formula(halves):
    ref, cur = halves
    row = _one(ref, cur, "two_year_recid", "z")
    p1, p2 = ref["two_year_recid"].mean(), cur["two_year_recid"].mean()
    n1, n2 = len(ref), len(cur)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert abs(row["statistic"]) == pytest.approx(abs(z), rel=1e-9)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-6)


def test_psi_binned_with_sturges_edges_and_empty_bins_filled(adult):
    ref = adult[adult["sex"] == "Male"]
    cur = adult[adult["sex"] == "Female"]
    row = _one(ref, cur, "age", "psi")
    edges = np.histogram_bin_edges(np.concatenate([ref["age"], cur["age"]]), bins="sturges")
    p = np.histogram(ref["age"], edges)[0] / len(ref)
    q = np.histogram(cur["age"], edges)[0] / len(cur)
    p, q = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    assert row["statistic"] == pytest.approx(np.sum((p - q) * np.log(p / q)), rel=1e-9)
    assert row["threshold"] == 0.1
    # Categories: one share per value.
    row = _one(ref, cur, "relationship", "psi")
    keys = sorted(set(ref["relationship"]) | set(cur["relationship"]))
    p = ref["relationship"].value_counts(normalize=True).reindex(keys, fill_value=0).to_numpy()
    q = cur["relationship"].value_counts(normalize=True).reindex(keys, fill_value=0).to_numpy()
    p, q = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    assert row["statistic"] == pytest.approx(np.sum((p - q) * np.log(p / q)), rel=1e-9)
    assert row["drift_detected"]


@pytest.mark.parametrize("rows", [600, 5000])
def test_a_sample_against_itself_shows_no_drift(compas, rows):
    sample = compas.sample(n=rows, random_state=3)
    columns = [c for c in compas.columns if c != "compas_screening_date"]
    result = column_drift(sample, sample, columns=columns)
    assert not result["drift_detected"].any()
    distances = result[result["p_value"].isna()]
    assert (distances["statistic"].abs() < 1e-12).all()
    assert (result["p_value"].dropna() > 0.99).all()


def test_default_choice_follows_evidently_rules(compas):
    columns = ["age", "race", "sex", "juv_fel_count", "two_year_recid"]
    small = column_drift(compas.iloc[:1000], compas.iloc[1000:1500], columns=columns)
    assert small.set_index("column")["test"].to_dict() == {
        "age": "ks", "race": "chisquare", "sex": "z", "juv_fel_count": "ks", "two_year_recid": "z"}
    large = column_drift(compas.iloc[:1001], compas.iloc[1001:1500], columns=columns)
    assert large.set_index("column")["test"].to_dict() == {
        "age": "wasserstein", "race": "jensenshannon", "sex": "jensenshannon",
        "juv_fel_count": "wasserstein", "two_year_recid": "jensenshannon"}
    # Numbers with at most 5 distinct values are treated as categories.
    assert default_test("numeric", 100, 5) == "chisquare"
    assert default_test("numeric", 100, 6) == "ks"
    assert default_test("numeric", 5000, 5) == "jensenshannon"
    # The reference size counts present values only (evidently drops missing values first).
    ref = compas.iloc[:1001].copy()
    ref.loc[ref.index[:5], "age"] = np.nan
    assert _one(ref, compas.iloc[1001:1500], "age", None)["test"] == "ks"


def test_registry_errors_name_the_options(compas):
    with pytest.raises(InvalidInputError, match="Available: ks, chisquare, z, wasserstein"):
        column_drift(compas, compas, columns=["age"], method="kolmogorov")
    with pytest.raises(InvalidInputError, match="does not apply to categorical"):
        column_drift(compas, compas, columns=["race"], method="ks")
    with pytest.raises(InvalidInputError, match="not in both tables"):
        column_drift(compas, compas.drop(columns=["age"]), columns=["age"])
    assert {spec.default_threshold for spec, _ in STAT_TESTS.values()} == {0.05, 0.1}


def test_missing_and_infinite_values_are_left_out(compas):
    ref = compas[["age", "race"]].iloc[:800].astype({"age": float}).copy()
    cur = compas[["age", "race"]].iloc[800:1600].astype({"age": float}).copy()
    cur.loc[cur.index[:50], "age"] = np.inf
    cur.loc[cur.index[50:100], "race"] = None
    row = _one(ref, cur, "age", None)
    expected = stats.ks_2samp(ref["age"], cur["age"].iloc[50:])
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    empty = cur.assign(age=np.nan)
    row = _one(ref, empty, "age", None)
    assert row["test"] == "none" and not row["drift_detected"]


def test_mixed_types_and_booleans(compas):
    ref = pd.DataFrame({"flag": compas["two_year_recid"].iloc[:500].astype(bool)})
    cur = pd.DataFrame({"flag": compas["two_year_recid"].iloc[500:1000].astype(bool)})
    row = _one(ref, cur, "flag", None)
    assert row["test"] == "z"
    mixed = pd.DataFrame({"flag": cur["flag"].map({True: "True", False: "False"})})
    assert _one(ref, mixed, "flag", None)["p_value"] == pytest.approx(row["p_value"], rel=1e-12)


def test_normalised_score_crosses_one_at_the_threshold():
    frame = pd.DataFrame({"statistic": [0.05, 0.2, 1.0, 2.0], "p_value": [np.nan, np.nan, 0.05, 0.5],
                          "threshold": [0.1, 0.1, 0.05, 0.05]})
    score = normalised_score(frame)
    assert score.round(9).tolist() == [0.5, 2.0, 1.0, pytest.approx(np.log(0.5) / np.log(0.05))]


def test_doctests():
    assert doctest.testmod(drift_stats).failed == 0
