"""Our anonymeter wrappers give exactly what calling anonymeter directly gives, same data and seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("anonymeter", reason="install the 'privacy' extra (see pyproject.toml)")
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

from fairsynth.privacy.attacks import inference_risk, linkability_risk, seeded, singling_out_risk

SEED = 11
N = 120
COLS = ["sex", "age", "race", "juv_fel_count", "priors_count", "c_charge_degree", "decile_score",
        "two_year_recid"]


@pytest.fixture(scope="module")
def frames(compas_real):
    data = compas_real[COLS].reset_index(drop=True)
    order = np.random.default_rng(0).permutation(len(data))
    ori, control = data.iloc[order[:1500]], data.iloc[order[1500:3000]]
    # A noisy copy of the training rows: ages moved by one year on a third of the rows.
    syn = ori.copy().reset_index(drop=True)
    syn.loc[syn.index % 3 == 0, "age"] += 1
    return ori, syn, control


def _direct(make, evaluate):
    with seeded(SEED):
        evaluator = make()
        evaluate(evaluator)
    return evaluator.risk()


def test_singling_out_matches_anonymeter(frames):
    ori, syn, control = frames
    ours = singling_out_risk(ori, syn, control, n_attacks=N, mode="univariate", seed=SEED)
    ref = _direct(lambda: SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=N,
                                               max_attempts=200_000, seed=SEED),
                  lambda e: e.evaluate(mode="univariate"))
    assert ours.value == pytest.approx(ref.value, abs=1e-12)
    assert (ours.ci_low, ours.ci_high) == pytest.approx(ref.ci, abs=1e-12)


def test_linkability_matches_anonymeter(frames):
    ori, syn, control = frames
    aux = (["sex", "age", "race", "juv_fel_count"], ["priors_count", "c_charge_degree",
                                                     "decile_score", "two_year_recid"])
    ours = linkability_risk(ori, syn, control, aux_cols=aux, n_attacks=N, seed=SEED)
    ref = _direct(lambda: LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=N,
                                               aux_cols=aux), lambda e: e.evaluate(n_jobs=1))
    assert ours.value == pytest.approx(ref.value, abs=1e-12)
    assert (ours.ci_low, ours.ci_high) == pytest.approx(ref.ci, abs=1e-12)
    assert ours.value > 0  # a noisy copy links some rows: the comparison is not 0 == 0


def test_inference_matches_anonymeter(frames):
    ori, syn, control = frames
    aux = [c for c in COLS if c != "race"]
    ours = inference_risk(ori, syn, control, aux_cols=aux, secret="race", n_attacks=N, seed=SEED)
    ref = _direct(lambda: InferenceEvaluator(ori=ori, syn=syn, control=control, n_attacks=N,
                                             aux_cols=aux, secret="race"),
                  lambda e: e.evaluate(n_jobs=1))
    assert ours.value == pytest.approx(ref.value, abs=1e-12)
    assert (ours.ci_low, ours.ci_high) == pytest.approx(ref.ci, abs=1e-12)


def test_seeded_attacks_repeat_and_leave_global_state_alone(frames):
    ori, syn, control = frames
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = inference_risk(ori, syn, control, aux_cols=COLS[:-1], secret="two_year_recid",
                           n_attacks=N, seed=SEED)
    assert (np.random.get_state()[1] == before).all()
    second = inference_risk(ori, syn, control, aux_cols=COLS[:-1], secret="two_year_recid",
                            n_attacks=N, seed=SEED)
    assert first == second


def test_too_few_targets_gives_nan_with_a_note(frames):
    ori, syn, control = frames
    result = singling_out_risk(ori.head(5), syn, control, n_attacks=N, seed=SEED)
    assert np.isnan(result.value) and "Too few rows" in result.note
    assert isinstance(pd.isna(result.ci_low), bool)
