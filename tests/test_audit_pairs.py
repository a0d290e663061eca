"""Dataset pairs the audit tests share: built from the bundled real samples, perturbed on purpose."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.foundation.pair import DatasetPair, make_pair
from fairsynth.foundation.samples import ADULT_ROLES, COMPAS_ROLES

# How the skewed Adult copy is perturbed (the tests recompute the effects from the data).
DROP_BLACK_FEMALE = 0.55
FLIP_FEMALE_INCOME = 0.15


def skewed_adult(real: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """A reshuffled Adult copy: 55% of Black women dropped, Other women removed, women's income raised.

    fnlwgt is shifted by one, so the rows are near-copies (close, never identical to a real row).
    """
    rng = np.random.default_rng(seed)
    synth = real.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    black_female = synth.index[(synth["race"] == "Black") & (synth["sex"] == "Female")]
    synth = synth.drop(black_female[: int(len(black_female) * DROP_BLACK_FEMALE)])
    synth = synth[~((synth["race"] == "Other") & (synth["sex"] == "Female"))].reset_index(drop=True)
    female = (synth["sex"] == "Female").to_numpy()
    flip = female & (rng.random(len(synth)) < FLIP_FEMALE_INCOME)
    synth.loc[flip, "income"] = ">50K"
    # Every sampling weight moved by one: no row stays an exact copy of a real row, so the
    # privacy part does not rank copies above the representation findings these tests read.
    synth["fnlwgt"] = synth["fnlwgt"] + 1
    return synth


def adult_skewed_pair(real: pd.DataFrame) -> DatasetPair:
    """Adult real vs the skewed copy."""
    return make_pair(real, skewed_adult(real), ADULT_ROLES, real_name="adult.parquet",
                     synthetic_name="adult_skewed.csv")


def adult_self_pair(real: pd.DataFrame) -> DatasetPair:
    """Adult against an exact copy of itself: every gap and change is zero."""
    return make_pair(real, real.copy(), ADULT_ROLES)


def compas_pair(real: pd.DataFrame) -> DatasetPair:
    """COMPAS real vs a row-shuffled copy (same content, so only the real data's own drift shows)."""
    return make_pair(real, real.sample(frac=1.0, random_state=3).reset_index(drop=True), COMPAS_ROLES)


def test_skewed_copy_has_the_intended_perturbation(adult_real):
    # Setup / Run
    synth = skewed_adult(adult_real)
    # Assert: the perturbation is what the other tests rely on.
    assert not ((synth["race"] == "Other") & (synth["sex"] == "Female")).any()
    bf_real = ((adult_real["race"] == "Black") & (adult_real["sex"] == "Female")).sum()
    bf_synth = ((synth["race"] == "Black") & (synth["sex"] == "Female")).sum()
    assert bf_synth == bf_real - int(bf_real * DROP_BLACK_FEMALE)
    rate = lambda f: (f.loc[f["sex"] == "Female", "income"] == ">50K").mean()  # noqa: E731
    assert rate(synth) > rate(adult_real) + 0.1
    assert (synth["fnlwgt"] - 1).isin(set(adult_real["fnlwgt"])).all()
