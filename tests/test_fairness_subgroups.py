"""Subgroup shares and gaps: invariants, counts against pandas, intervals against statsmodels, chi2 against scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from fairsynth.fairness.subgroups import (
    GAP_COLUMNS,
    homogeneity_tests,
    share_intervals,
    subgroup_gaps,
)
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles

ADULT = Roles(protected=("race", "sex"), target="income", favorable=">50K")


@pytest.fixture(scope="module")
def skewed_pair(adult_real):
    """Real Adult against a resample that drops Black women and thins Asian-Pac-Islander rows."""
    synth = adult_real.sample(frac=1.0, replace=True, random_state=7)
    black_women = (synth["race"] == "Black") & (synth["sex"] == "Female")
    api = synth.index[synth["race"] == "Asian-Pac-Islander"]
    synth = synth[~black_women].drop(api[: len(api) // 2]).reset_index(drop=True)
    return make_pair(adult_real, synth, ADULT)


def test_columns_and_attribute_sets(skewed_pair):
    gaps = subgroup_gaps(skewed_pair)
    assert list(gaps.columns) == GAP_COLUMNS
    sets = {tuple(a) for a in gaps["attributes"]}
    assert sets == {("race",), ("sex",), ("race", "sex")}
    row = gaps[gaps["group"] == "Black&Female"].iloc[0]
    assert row["group_values"] == {"race": "Black", "sex": "Female"}


def test_dataset_against_itself_has_zero_gaps(adult_real):
    pair = make_pair(adult_real, adult_real.copy(), ADULT)
    gaps = subgroup_gaps(pair)
    assert (gaps["gap"] == 0).all()
    assert ((gaps["ci_low"] < 0) & (gaps["ci_high"] > 0)).all()
    assert gaps["missing_side"].isna().all()
    tests = homogeneity_tests(pair)
    assert np.allclose(tests["statistic"], 0) and np.allclose(tests["p_value"], 1)


def test_counts_and_shares_match_pandas(skewed_pair):
    gaps = subgroup_gaps(skewed_pair).set_index("group")
    for side, frame in (("real", skewed_pair.real), ("synthetic", skewed_pair.synthetic)):
        expected = frame.groupby(["race", "sex"]).size()
        for (race, sex), count in expected.items():
            assert gaps.loc[f"{race}&{sex}", f"{side}_count"] == count
            assert gaps.loc[f"{race}&{sex}", f"{side}_share"] == pytest.approx(count / len(frame), abs=1e-15)
    gaps = gaps.reset_index()
    for attrs, block in gaps.groupby(gaps["attributes"].map(tuple)):
        assert block["real_share"].sum() == pytest.approx(1.0, abs=1e-12), attrs
        assert block["synthetic_share"].sum() == pytest.approx(1.0, abs=1e-12), attrs


def test_dropped_group_is_reported_missing_on_synthetic_side(skewed_pair):
    gaps = subgroup_gaps(skewed_pair)
    row = gaps[gaps["group"] == "Black&Female"].iloc[0]
    assert row["missing_side"] == "synthetic"
    assert row["synthetic_count"] == 0 and row["real_count"] == 2308
    assert row["small"]
    assert row["ci_high"] < 0  # a dropped group of 2,308 rows is a certain shortfall
    from fairsynth.fairness.gap_ranking import headline_gap

    assert headline_gap(gaps)["group"] == "Black&Female"


def test_group_only_in_synthetic_is_missing_on_real_side(adult_real):
    synth = adult_real.copy()
    synth.loc[synth.index[:50], "race"] = "Martian"
    gaps = subgroup_gaps(make_pair(adult_real, synth, ADULT))
    row = gaps[gaps["group"] == "Martian"].iloc[0]
    assert row["missing_side"] == "real" and row["real_count"] == 0 and row["synthetic_count"] == 50


def test_missing_protected_values_are_their_own_group(adult_real):
    real = adult_real.copy()
    real.loc[real.index[:40], "sex"] = None
    gaps = subgroup_gaps(make_pair(real, adult_real, ADULT))
    row = gaps[gaps["group"] == "(missing)"].iloc[0]
    assert row["real_count"] == 40 and row["missing_side"] == "synthetic"
    assert gaps[gaps["attributes"].map(tuple) == ("sex",)]["real_count"].sum() == len(real)


def test_newcombe_interval_matches_statsmodels(skewed_pair):
    gaps = subgroup_gaps(skewed_pair)
    n_real, n_synth = len(skewed_pair.real), len(skewed_pair.synthetic)
    for _, row in gaps.iterrows():
        low, high = confint_proportions_2indep(
            row["synthetic_count"], n_synth, row["real_count"], n_real,
            method="newcomb", compare="diff")
        assert row["ci_low"] == pytest.approx(low, abs=1e-9)
        assert row["ci_high"] == pytest.approx(high, abs=1e-9)


def test_homogeneity_matches_scipy_on_raw_crosstab(skewed_pair):
    tests = homogeneity_tests(skewed_pair)
    tests.index = tests["attributes"].map("&".join)
    both = pd.concat([skewed_pair.real.assign(_side="real"),
                      skewed_pair.synthetic.assign(_side="synthetic")])
    for attrs in (["race"], ["sex"], ["race", "sex"]):
        table = pd.crosstab(both["_side"], [both[a] for a in attrs])
        ref = stats.chi2_contingency(table.to_numpy(), correction=False)
        got = tests.loc["&".join(attrs)]
        assert got["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
        assert got["dof"] == ref.dof
        assert got["p_value"] == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
    # Dropping a whole intersection must be detected.
    assert tests.loc["race&sex", "p_value"] < 1e-6


def test_forty_group_attribute(adult_real):
    rng = np.random.default_rng(3)
    real = adult_real.assign(region=[f"R{i:02d}" for i in rng.integers(0, 40, len(adult_real))])
    synth = real.sample(n=5000, random_state=3)
    pair = make_pair(real, synth, Roles(protected=("region", "sex"), target="income", favorable=">50K"))
    gaps = subgroup_gaps(pair, min_count=30)
    single = gaps[gaps["attributes"].map(tuple) == ("region",)]
    assert len(single) == 40
    assert len(gaps[gaps["attributes"].map(tuple) == ("region", "sex")]) == 80
    assert gaps[["gap", "ci_low", "ci_high"]].notna().all().all()
    assert gaps["small"].sum() == ((gaps["real_count"] < 30) | (gaps["synthetic_count"] < 30)).sum()
    assert len(homogeneity_tests(pair)) == 3


def test_max_order_and_share_intervals(skewed_pair):
    gaps = subgroup_gaps(skewed_pair, max_order=1)
    assert {len(a) for a in gaps["attributes"]} == {1}
    shares = share_intervals(gaps)
    assert len(shares) == 2 * len(gaps)
    inside = (shares["ci_low"] <= shares["share"]) & (shares["share"] <= shares["ci_high"])
    assert inside.all()


def test_no_protected_attribute_is_a_clear_error(adult_real):
    pair = make_pair(adult_real, adult_real, Roles(target="income", favorable=">50K"))
    with pytest.raises(InvalidInputError, match="protected"):
        subgroup_gaps(pair)


GERMAN = Roles(protected=("personal_status", "foreign_worker"), target="credit", favorable="1")


@pytest.fixture(scope="module")
def german_dropping_women():
    """German credit (real, UCI) against a resample keeping 5.5% women (31.0% in the real data);
    the 1-row intersection 'divorced man, not a foreign worker' is absent from the synthetic side."""
    # Four columns of UCI Statlog German credit (CC BY 4.0, Hofmann 1994), as published; codes
    # A91-A94 are personal status and sex (A92: female), A201/A202 foreign worker yes/no.
    real = pd.read_csv(Path(__file__).parent / "data" / "german_credit.csv", dtype=str)
    women = real[real["personal_status"] == "A92"]
    tiny = (real["personal_status"] == "A91") & (real["foreign_worker"] == "A202")
    others = real[(real["personal_status"] != "A92") & ~tiny]
    synth = pd.concat([women.sample(n=55, random_state=1),
                       others.sample(n=945, replace=True, random_state=2)], ignore_index=True)
    return make_pair(real, synth, GERMAN)


def test_p_values_and_correction_match_statsmodels(german_dropping_women):
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportions_ztest

    gaps = subgroup_gaps(german_dropping_women)
    for row in gaps.itertuples():
        if row.real_count + row.synthetic_count in (0, 2000):
            continue
        _, p = proportions_ztest([row.synthetic_count, row.real_count], [1000, 1000])
        assert row.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    judged = (gaps["real_count"] >= 30) | (gaps["synthetic_count"] >= 30)
    expected = multipletests(gaps.loc[judged, "p_value"], method="fdr_bh")[1]
    assert np.allclose(gaps.loc[judged, "p_adjusted"], expected, rtol=1e-12)
    assert gaps.loc[~judged, "p_adjusted"].isna().all()


def test_headline_is_the_big_loss_not_the_tiny_vanished_group(german_dropping_women):
    from fairsynth.fairness.gap_ranking import headline_gap, ranked_gaps
    from fairsynth.governance.finding import rank_findings
    from fairsynth.governance.findings import gap_findings

    gaps = subgroup_gaps(german_dropping_women)
    tiny = gaps[gaps["group"] == "A91&A202"].iloc[0]
    assert tiny["real_count"] == 1 and tiny["missing_side"] == "synthetic"
    worst = headline_gap(gaps)
    assert worst["group"] == "A92"
    assert worst["real_share"] == pytest.approx(0.31) and worst["synthetic_share"] == pytest.approx(0.055)
    assert "A91&A202" not in set(ranked_gaps(gaps)["group"])
    findings = rank_findings(gap_findings(gaps))
    assert findings[0].code == "gap:personal_status:A92" and findings[0].severity == "high"
    small = next(f for f in findings if f.code == "too_small")
    assert small.severity == "low" and "too small to judge" in small.sentence
    assert not any(f.code.endswith("A91&A202") for f in findings)
