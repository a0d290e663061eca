"""Train on synthetic, test on real: structure, determinism, per-group consistency, sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from fairsynth.fairness.utility import OVERALL, TSTR_COLUMNS, tstr, tstr_gaps
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles

ADULT = Roles(protected=("race", "sex"), target="income", favorable=">50K")


@pytest.fixture(scope="module")
def small_pair(adult_real):
    """8,000 real rows; synthetic = 8,000 other real rows (a perfect generator)."""
    shuffled = adult_real.sample(frac=1.0, random_state=4).reset_index(drop=True)
    return make_pair(shuffled.iloc[:8000], shuffled.iloc[8000:16000].reset_index(drop=True), ADULT)


@pytest.fixture(scope="module")
def result(small_pair):
    return tstr(small_pair, models=("logistic",), random_state=0)


def test_structure_and_ranges(result, small_pair):
    assert list(result.columns) == TSTR_COLUMNS
    assert set(result["trained_on"]) == {"real", "synthetic"}
    assert set(result["metric"]) == {"accuracy", "selection_rate", "tpr", "fpr"}
    assert result["value"].dropna().between(0, 1).all()
    overall = result[(result["attribute"] == OVERALL) & (result["metric"] == "accuracy")]
    assert (overall["n"] == round(0.3 * len(small_pair.real))).all()
    # Income is predictable from Adult's features: well above the 76% majority baseline.
    assert (overall["value"] > 0.8).all()


def test_group_rows_add_up_to_overall(result):
    for trained_on in ("real", "synthetic"):
        block = result[(result["trained_on"] == trained_on) & (result["metric"] == "accuracy")]
        overall = block[block["attribute"] == OVERALL].iloc[0]
        for attribute in ("race", "sex", "race&sex"):
            groups = block[block["attribute"] == attribute]
            assert groups["n"].sum() == overall["n"]
            weighted = (groups["value"] * groups["n"]).sum() / groups["n"].sum()
            assert weighted == pytest.approx(overall["value"], abs=1e-12)


def test_same_seed_same_result(small_pair, result):
    again = tstr(small_pair, models=("logistic",), random_state=0)
    assert again.equals(result)


def test_label_flipped_synthetic_hurts_the_model(small_pair, result):
    flipped = small_pair.synthetic.copy()
    flipped["income"] = np.where(flipped["income"] == ">50K", "<=50K", ">50K")
    bad = tstr(small_pair.with_synthetic(flipped), models=("logistic",), random_state=0)
    acc = bad[(bad["attribute"] == OVERALL) & (bad["metric"] == "accuracy")].set_index("trained_on")
    assert acc.loc["synthetic", "value"] < 0.5 < acc.loc["real", "value"]


def test_gaps_and_errors(result, small_pair):
    gaps = tstr_gaps(result)
    sex = gaps[(gaps["attribute"] == "sex") & (gaps["metric"] == "selection_rate")]
    assert len(sex) == 2 and (sex["difference"] > 0).all() and (sex["ratio"] < 1).all()
    with pytest.raises(InvalidInputError, match="Unknown model"):
        tstr(small_pair, models=("svm",))
    no_target = small_pair.with_roles(Roles(protected=("race", "sex")))
    with pytest.raises(InvalidInputError, match="target"):
        tstr(no_target)


def test_gradient_boosting_runs(small_pair):
    out = tstr(small_pair, models=("gradient_boosting",), random_state=0)
    acc = out[(out["attribute"] == OVERALL) & (out["metric"] == "accuracy")]
    assert (acc["value"] > 0.8).all()
