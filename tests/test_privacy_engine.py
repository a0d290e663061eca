"""Privacy engine on the bundled samples: copy > faithful > column resamples, cross-checks, invariants."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.neighbors import NearestNeighbors
from statsmodels.stats.proportion import proportion_confint

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.intervals import wilson_interval
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import ADULT_ROLES, SAMPLE_DIR
from fairsynth.privacy.distance import category_text, fit_encoder, nearest
from fairsynth.privacy.intervals import median_interval
from fairsynth.privacy.kanon import class_sizes
from fairsynth.privacy.report import GROUP_COLUMNS, OVERALL_COLUMNS, privacy_risk

ROWS = 6_000  # per side: keeps the file fast; distances are exact below max_real_rows
FAST = {"sample_size": 3_000, "max_real_rows": 2 * ROWS, "attacks": False}
COPY_HIGH = ("exact_copy_rate", "dcr_closer_to_train_share", "dcr_median", "nndr_median",
             "singling_out_risk", "linkability_risk", "inference_risk")


def _shuffle_columns(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each column permuted on its own: the marginals stay, every row link is broken."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: frame[c].to_numpy()[rng.permutation(len(frame))] for c in frame.columns})


@pytest.fixture(scope="module")
def adult_split(adult_real):
    order = np.random.default_rng(42).permutation(len(adult_real))
    train = adult_real.iloc[order[:ROWS]].reset_index(drop=True)
    holdout = adult_real.iloc[order[ROWS:2 * ROWS]].reset_index(drop=True)
    return train, holdout


@pytest.fixture(scope="module")
def copy_report(adult_split):
    pytest.importorskip("anonymeter", reason="install the 'privacy' extra (see pyproject.toml)")
    train, holdout = adult_split
    synthetic = train.sample(frac=1.0, random_state=7).reset_index(drop=True)
    pair = make_pair(train, synthetic, ADULT_ROLES)
    # Every synthetic row is used so each attacked training row has its copy in the sample.
    return privacy_risk(pair, holdout=holdout, sample_size=ROWS, max_real_rows=2 * ROWS,
                        n_attacks=200, group_attacks=60)


@pytest.fixture(scope="module")
def shuffled_report(adult_split):
    train, holdout = adult_split
    pair = make_pair(train, _shuffle_columns(train, 3), ADULT_ROLES)
    return privacy_risk(pair, holdout=holdout, **FAST)


@pytest.fixture(scope="module")
def faithful_report(adult_split):
    train, holdout = adult_split
    synthetic = pd.read_parquet(SAMPLE_DIR / "adult_synthetic.parquet")
    pair = make_pair(train, synthetic, ADULT_ROLES)
    return privacy_risk(pair, holdout=holdout, **FAST)


def _value(report, measure: str) -> float:
    return float(report.overall.set_index("measure").loc[measure, "value"])


def test_copy_of_training_data_is_high_risk_on_every_measure(copy_report):
    # Setup/Run in the fixture. k-anonymity is left out: it is a property of the synthetic table's
    # quasi-identifiers, the same for a copy and for the real data, not a sign of copying.
    levels = copy_report.overall.set_index("measure")["risk_level"]
    for measure in COPY_HIGH:
        assert levels[measure] == "high", (measure, copy_report.overall)
    assert _value(copy_report, "exact_copy_rate") == 1.0
    assert _value(copy_report, "dcr_median") == 0.0


def test_column_resamples_are_low_risk_on_distances(shuffled_report):
    levels = shuffled_report.overall.set_index("measure")["risk_level"]
    for measure in ("exact_copy_rate", "dcr_closer_to_train_share", "dcr_median", "nndr_median"):
        assert levels[measure] == "low", (measure, shuffled_report.overall)
    row = shuffled_report.overall.set_index("measure").loc["dcr_closer_to_train_share"]
    assert row["ci_low"] <= 0.5 <= row["ci_high"] + 0.02


def test_faithful_synthetic_sits_between_copy_and_resamples(copy_report, faithful_report,
                                                            shuffled_report):
    copy_, faithful, shuffled = (_value(r, "dcr_median") for r in
                                 (copy_report, faithful_report, shuffled_report))
    assert copy_ < faithful < shuffled
    nndr = [_value(r, "nndr_median") for r in (copy_report, faithful_report, shuffled_report)]
    assert nndr[0] < nndr[1] < nndr[2]
    assert _value(copy_report, "exact_copy_rate") > _value(faithful_report, "exact_copy_rate")


def test_report_tables_have_fixed_columns_and_per_group_rows(copy_report, faithful_report):
    for report in (copy_report, faithful_report):
        assert list(report.overall.columns) == OVERALL_COLUMNS
        assert list(report.by_group.columns) == GROUP_COLUMNS
        finite = report.by_group.dropna(subset=["ci_low", "ci_high"])
        assert (finite["ci_low"] <= finite["value"] + 1e-12).all()
        assert (finite["value"] <= finite["ci_high"] + 1e-12).all()
        # Every sampled synthetic row belongs to exactly one group of each attribute.
        dcr = report.by_group[report.by_group["measure"] == "dcr_median"]
        n_overall = report.overall.set_index("measure").loc["dcr_median", "n"]
        assert set(dcr.groupby("attribute")["n"].sum()) == {n_overall}
    groups = set(copy_report.by_group["group"])
    assert {"Female", "Male", "Black", "Amer-Indian-Eskimo"} <= groups
    attack = copy_report.by_group[copy_report.by_group["measure"] == "linkability_risk"]
    assert set(attack["attribute"]) == {"race", "sex"}


def test_records_are_flat_and_json_ready(copy_report):
    records = copy_report.to_records()
    text = json.dumps(records, allow_nan=False)
    assert json.loads(text) == records
    assert set(records[0]) == set(GROUP_COLUMNS)
    assert records[0]["attribute"] is None and records[-1]["attribute"] in ("race", "sex")


def test_closest_pairs_point_at_copied_rows(copy_report, adult_split):
    train, _ = adult_split
    synthetic = train.sample(frac=1.0, random_state=7).reset_index(drop=True)
    pairs = copy_report.closest_pairs
    assert len(pairs) == 10 and (pairs["distance"] == 0).all()
    for _, row in pairs.iterrows():
        pd.testing.assert_series_equal(synthetic.iloc[row["synthetic_row"]], train.iloc[row["real_row"]],
                                       check_names=False)


def test_same_seed_same_results(adult_split):
    train, holdout = adult_split
    pair = make_pair(train, _shuffle_columns(train, 5), ADULT_ROLES)
    first = privacy_risk(pair, holdout=holdout, sample_size=500, max_real_rows=2_000, attacks=False)
    second = privacy_risk(pair, holdout=holdout, sample_size=500, max_real_rows=2_000, attacks=False)
    pd.testing.assert_frame_equal(first.overall, second.overall)
    pd.testing.assert_frame_equal(first.by_group, second.by_group)


def test_default_holdout_split_is_half_and_described(compas_real):
    synthetic = _shuffle_columns(compas_real, 1)
    roles = ADULT_ROLES.with_changes(target="two_year_recid", favorable="0")
    report = privacy_risk(make_pair(compas_real, synthetic, roles), attacks=False, sample_size=500)
    assert report.settings["holdout_source"] == "split"
    assert abs(report.settings["train_rows"] - report.settings["holdout_rows"]) <= 1
    assert "split at random" in report.holdout_note
    assert report.settings["quasi_identifiers"] == ["sex", "age", "age_cat", "race"]


def test_bad_options_raise_typed_errors(adult_split):
    train, holdout = adult_split
    pair = make_pair(train, train, ADULT_ROLES)
    with pytest.raises(InvalidInputError, match="quasi-identifier"):
        privacy_risk(pair, quasi_identifiers=["zipcode"], attacks=False)
    with pytest.raises(InvalidInputError, match="holdout lacks"):
        privacy_risk(pair, holdout=holdout.drop(columns=["age"]), attacks=False)


def test_chunked_gower_distances_match_scikit_learn(compas_real):
    # Reference: scikit-learn's exact manhattan search on one-hot slots weighted 0.5 (a category
    # mismatch differs in two slots), numbers scaled by the real range.
    cols = [c for c in compas_real.columns if c != "compas_screening_date"]
    real, queries = compas_real.iloc[:3000], compas_real.iloc[3000:3600]
    encoder = fit_encoder(real, cols)
    ours_d, ours_i = nearest(encoder.transform(queries), encoder.transform(real), n_columns=len(cols),
                             k=2, chunk_bytes=200_000)

    def dense(frame):
        enc = encoder.transform(frame)
        return np.hstack([enc.numeric, 0.5 * enc.onehot])

    ref = NearestNeighbors(n_neighbors=2, metric="manhattan", algorithm="brute").fit(dense(real))
    ref_d, _ = ref.kneighbors(dense(queries))
    np.testing.assert_allclose(ours_d, ref_d / len(cols), atol=1e-5)
    # And by hand for one pair: range-scaled numeric differences plus category mismatches.
    q, r = queries.iloc[0], real.iloc[ours_i[0, 0]]
    by_hand = 0.0
    for col in cols:
        if col in encoder.numeric:
            span = real[col].max() - real[col].min()
            a, b = q[col], r[col]
            by_hand += 1.0 if pd.isna(a) != pd.isna(b) else (0.0 if pd.isna(a) else abs(a - b) / span)
        else:
            by_hand += float(str(q[col]) != str(r[col]))
    assert ours_d[0, 0] == pytest.approx(by_hand / len(cols), abs=1e-5)


def test_dataset_against_itself_has_zero_distance(compas_real):
    cols = ["sex", "age", "race", "priors_count", "c_charge_degree", "days_b_screening_arrest"]
    encoder = fit_encoder(compas_real, cols)
    encoded = encoder.transform(compas_real.iloc[:1000])
    dist, _ = nearest(encoded, encoded, n_columns=len(cols), k=1)
    assert (dist == 0).all()


@pytest.mark.parametrize(("successes", "n"), [(0, 50), (7, 50), (50, 50), (123, 4000)])
def test_wilson_interval_matches_statsmodels(successes, n):
    low, high = wilson_interval(successes, n)
    ref_low, ref_high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-9) and high == pytest.approx(ref_high, abs=1e-9)
    assert math.isnan(wilson_interval(0, 0)[0])


def test_median_interval_matches_scipy_quantile_test(compas_real):
    values = compas_real["priors_count"].to_numpy(dtype=float)[:777]
    median, low, high = median_interval(values)
    ref = stats.quantile_test(values, q=median, p=0.5).confidence_interval(0.95)
    assert median == np.median(values)
    assert (low, high) == (ref.low, ref.high)


def test_k_anonymity_counts_classes(adult_real):
    qis = ["race", "sex", "age"]
    sizes = class_sizes(adult_real, qis)
    expected = adult_real.groupby(qis, dropna=False)["age"].transform("size").to_numpy()
    np.testing.assert_array_equal(sizes, expected)
    doubled = class_sizes(pd.concat([adult_real, adult_real]), qis)
    assert doubled.min() == 2 * sizes.min()
    frame = pd.DataFrame({"a": ["x", None, None]})
    assert list(class_sizes(frame, ["a"])) == [1, 2, 2]
    assert category_text(frame["a"]).iloc[1] == "(missing)"
