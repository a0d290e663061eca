"""Column fidelity and associations: KS against scipy, TV against pandas, V against scipy, invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association

from fairsynth.fairness.fidelity import (
    ASSOCIATION_COLUMNS,
    FIDELITY_COLUMNS,
    association_difference,
    column_distribution,
    column_fidelity,
    column_kinds,
)
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles

ADULT = Roles(protected=("race", "sex"), target="income", favorable=">50K")


@pytest.fixture(scope="module")
def perturbed_pair(adult_real):
    """Real Adult against a resample with older women, some missing hours and shifted workclass."""
    rng = np.random.default_rng(1)
    synth = adult_real.sample(frac=0.6, random_state=2).reset_index(drop=True)
    women = synth["sex"] == "Female"
    synth.loc[women, "age"] = synth.loc[women, "age"] + rng.integers(0, 6, women.sum())
    synth.loc[synth.index[:500], "hours-per-week"] = np.nan
    synth.loc[synth.index[500:3000], "workclass"] = "Private"
    return make_pair(adult_real, synth, ADULT)


def _overall(fid: pd.DataFrame, column: str) -> pd.Series:
    return fid[(fid["column"] == column) & fid["attribute"].isna()].iloc[0]


def test_dataset_against_itself_scores_one(adult_real):
    fid = column_fidelity(make_pair(adult_real, adult_real.copy(), ADULT))
    assert list(fid.columns) == FIDELITY_COLUMNS
    assert (fid["distance"] == 0).all() and (fid["score"] == 1.0).all()
    assoc = association_difference(make_pair(adult_real, adult_real.copy(), ADULT))
    assert list(assoc.columns) == ASSOCIATION_COLUMNS
    assert np.allclose(assoc["difference"], 0, atol=1e-12)


def test_kinds_follow_the_five_distinct_rule(perturbed_pair):
    kinds = column_kinds(perturbed_pair)
    assert kinds["age"] == "numeric" and kinds["education-num"] == "numeric"
    assert kinds["sex"] == "categorical" and kinds["income"] == "categorical"
    real = perturbed_pair.real.assign(flag=perturbed_pair.real["age"] > 40,
                                      small=perturbed_pair.real["age"] % 3)
    synth = perturbed_pair.synthetic.assign(flag=perturbed_pair.synthetic["age"] > 40,
                                            small=perturbed_pair.synthetic["age"] % 3)
    kinds = column_kinds(make_pair(real, synth, ADULT))
    assert kinds["flag"] == "categorical" and kinds["small"] == "categorical"


def test_ks_matches_scipy_overall_and_within_groups(perturbed_pair):
    fid = column_fidelity(perturbed_pair)
    real, synth = perturbed_pair.real, perturbed_pair.synthetic
    for column in ("age", "fnlwgt", "hours-per-week", "capital-gain"):
        ref = stats.ks_2samp(real[column].dropna(), synth[column].dropna()).statistic
        row = _overall(fid, column)
        assert row["metric"] == "ks"
        assert abs(row["distance"] - ref) <= 1e-12
        assert row["score"] == pytest.approx(1 - ref, abs=1e-12)
        assert row["synthetic_count"] == synth[column].notna().sum()
    women = fid[(fid["column"] == "age") & (fid["attribute"] == "sex") & (fid["group"] == "Female")]
    ref = stats.ks_2samp(real.loc[real["sex"] == "Female", "age"],
                         synth.loc[synth["sex"] == "Female", "age"]).statistic
    assert abs(women["distance"].iloc[0] - ref) <= 1e-12
    # The perturbation touched women only: their age fidelity is the worst by sex.
    by_sex = fid[(fid["column"] == "age") & (fid["attribute"] == "sex")].set_index("group")
    assert by_sex.loc["Female", "score"] < by_sex.loc["Male", "score"]


def test_tv_matches_pandas_value_counts(perturbed_pair):
    fid = column_fidelity(perturbed_pair)
    real, synth = perturbed_pair.real, perturbed_pair.synthetic
    for column in ("workclass", "occupation", "race", "income"):
        p = real[column].value_counts(normalize=True, dropna=False)
        q = synth[column].value_counts(normalize=True, dropna=False)
        ref = 0.5 * p.subtract(q, fill_value=0).abs().sum()
        row = _overall(fid, column)
        assert row["metric"] == "tv" and row["distance"] == pytest.approx(ref, abs=1e-12)
    assert _overall(fid, "workclass")["score"] < _overall(fid, "education")["score"]


def test_protected_column_is_not_compared_within_its_own_groups(perturbed_pair):
    fid = column_fidelity(perturbed_pair)
    assert fid[(fid["column"] == "sex") & (fid["attribute"] == "sex")].empty
    assert not fid[(fid["column"] == "sex") & (fid["attribute"] == "race")].empty
    assert column_fidelity(perturbed_pair, by_group=False)["attribute"].isna().all()


def test_group_absent_from_synthetic_has_nan_and_counts(adult_real):
    synth = adult_real[adult_real["race"] != "Other"].reset_index(drop=True)
    fid = column_fidelity(make_pair(adult_real, synth, ADULT))
    other = fid[fid["group"] == "Other"]
    assert len(other) > 0
    assert other["distance"].isna().all() and (other["synthetic_count"] == 0).all()
    assert (other["real_count"] > 0).all()


def test_associations_match_scipy(perturbed_pair):
    assoc = association_difference(perturbed_pair).set_index(["column_a", "column_b"])
    real, synth = perturbed_pair.real, perturbed_pair.synthetic
    row = assoc.loc[("age", "hours-per-week")]
    both = synth[["age", "hours-per-week"]].dropna()
    assert row["method"] == "pearson"
    assert row["synthetic"] == pytest.approx(stats.pearsonr(both["age"], both["hours-per-week"])[0], abs=1e-9)
    row = assoc.loc[("education", "relationship")]
    table = pd.crosstab(real["education"], real["relationship"]).to_numpy()
    assert row["method"] == "cramers_v"
    assert row["real"] == pytest.approx(association(table, method="cramer"), abs=1e-9)
    row = assoc.loc[("age", "workclass")]
    assert row["method"] == "correlation_ratio"
    # eta^2 = 1 - within-group sum of squares / total sum of squares (missing workclass a group).
    groups = real["workclass"].fillna("(missing)")
    within = ((real["age"] - real.groupby(groups)["age"].transform("mean")) ** 2).sum()
    total = ((real["age"] - real["age"].mean()) ** 2).sum()
    assert row["real"] == pytest.approx(np.sqrt(1 - within / total), abs=1e-9)
    assert assoc["real"].between(-1, 1).all() and len(assoc) == 15 * 14 // 2


def test_column_distribution_shares(perturbed_pair):
    dist = column_distribution(perturbed_pair, "age", bins=20)
    for side, frame in (("real", perturbed_pair.real), ("synthetic", perturbed_pair.synthetic)):
        part = dist[dist["side"] == side]
        assert len(part) == 20 and part["share"].sum() == pytest.approx(1.0)
        assert part["count"].sum() == frame["age"].notna().sum()
    dist = column_distribution(perturbed_pair, "workclass", attribute="sex", group="Female")
    real_women = perturbed_pair.real[perturbed_pair.real["sex"] == "Female"]
    private = dist[(dist["side"] == "real") & (dist["label"] == "Private")]["count"].iloc[0]
    assert private == (real_women["workclass"] == "Private").sum()
