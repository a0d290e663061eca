"""The conditional synthesizer: determinism, real values only, dependencies, shares and rates by count."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.roles import favorable_mask
from fairsynth.foundation.samples import ADULT_ROLES, COMPAS_ROLES
from fairsynth.generation import (
    ConditionalSynthesizer,
    GenerationSettings,
    fit_synthesizer,
    generate,
)
from fairsynth.generation.dependencies import derivation_plan, functional_dependencies
from fairsynth.generation.plan import allocate
from fairsynth.generation.settings import group_labels

COND = ("race", "sex")


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()).hexdigest()


def _fav_rate(frame: pd.DataFrame, roles=COMPAS_ROLES) -> float:
    return float(favorable_mask(frame[roles.target], roles.favorable).mean())


@pytest.fixture(scope="module")
def compas_synth(compas_real):
    return generate(compas_real, COMPAS_ROLES, GenerationSettings(rows=20_000, conditioning=COND, seed=5))


def test_sample_before_fit_is_refused():
    with pytest.raises(InvalidInputError, match="fit"):
        ConditionalSynthesizer().sample(10)


def test_same_seed_same_bytes_other_seed_other_rows(compas_real):
    settings = GenerationSettings(rows=3000, conditioning=COND, seed=11)
    first = generate(compas_real, COMPAS_ROLES, settings)
    again = generate(compas_real, COMPAS_ROLES, settings)
    other = generate(compas_real, COMPAS_ROLES, GenerationSettings(rows=3000, conditioning=COND, seed=12))
    assert _digest(first) == _digest(again)
    assert _digest(first) != _digest(other)


def test_input_is_not_modified(compas_real):
    before = _digest(compas_real)
    generate(compas_real, COMPAS_ROLES, GenerationSettings(rows=500, conditioning=COND))
    assert _digest(compas_real) == before


def test_same_columns_and_dtypes_time_stays_datetime(compas_real, compas_synth):
    assert list(compas_synth.columns) == list(compas_real.columns)
    assert compas_synth.dtypes.equals(compas_real.dtypes)
    assert pd.api.types.is_datetime64_any_dtype(compas_synth["compas_screening_date"])
    assert len(compas_synth) == 20_000


def test_only_values_the_real_data_has_overall_and_within_each_group(compas_real, compas_synth):
    real_groups = group_labels(compas_real, COND)
    synth_groups = group_labels(compas_synth, COND)
    for col in compas_real.columns:
        assert set(compas_synth[col].dropna()) <= set(compas_real[col].dropna()), col
        for g in synth_groups.unique():
            real_values = set(compas_real.loc[real_groups == g, col].dropna())
            assert set(compas_synth.loc[synth_groups == g, col].dropna()) <= real_values, (col, g)


def test_missing_values_are_kept_as_a_state(compas_real, compas_synth):
    col = "days_b_screening_arrest"
    real_rate, synth_rate = compas_real[col].isna().mean(), compas_synth[col].isna().mean()
    assert real_rate > 0.02
    # 20,000 draws: the binomial standard error is about 0.0014.
    assert abs(synth_rate - real_rate) < 0.006


def test_functional_dependencies_are_found_like_pandas_and_kept(compas_real, compas_synth):
    codes = {c: pd.factorize(compas_real[c], use_na_sentinel=False)[0] for c in compas_real.columns}
    found = set(functional_dependencies(codes))
    expected = set()
    for a in compas_real.columns:
        distinct = compas_real[a].nunique(dropna=False)
        if distinct < 2 or distinct * 20 > len(compas_real):
            continue
        per_value = compas_real.groupby(a, dropna=False).nunique(dropna=False).max()
        expected |= {(a, b) for b in compas_real.columns
                     if b != a and per_value[b] == 1 and compas_real[b].nunique(dropna=False) > 1}
    assert found == expected
    assert {("decile_score", "score_text"), ("score_text", "predicted_recid"), ("age", "age_cat")} <= found
    for a, b in found:
        mapping = compas_real.groupby(a)[b].first()
        assert (compas_synth[b] == compas_synth[a].map(mapping)).all(), (a, b)
    assert (compas_synth["predicted_recid"] == (compas_synth["score_text"] != "Low")).all()


def test_derivation_plan_is_acyclic_and_keeps_strata_keys():
    deps = [("a", "b"), ("b", "a"), ("b", "c"), ("c", "d"), ("d", "key")]
    plan = derivation_plan(deps, ["a", "b", "c", "d", "key"], fixed=["key"])
    assert "key" not in plan and plan["a"] == "b" and "b" not in plan
    for derived, source in plan.items():
        seen = {derived}
        while source in plan:
            assert source not in seen
            seen.add(source)
            source = plan[source]


def test_allocate_is_exact_and_proportional():
    weights = np.array([1, 1, 1, 7.0])
    out = allocate(1001, weights)
    assert out.sum() == 1001
    assert np.all(np.abs(out - 1001 * weights / weights.sum()) < 1)
    assert allocate(0, weights).sum() == 0


def test_shares_are_met_to_the_row(adult_real):
    shares = {"Black&Female": 0.2, "Black&Male": 0.2, "White&Female": 0.3, "White&Male": 0.3}
    settings = GenerationSettings(rows=9_999, conditioning=COND, shares=shares, seed=1)
    out = generate(adult_real, ADULT_ROLES, settings)
    counts = group_labels(out, COND).value_counts()
    expected = pd.Series(allocate(9_999, np.array(list(shares.values()))), index=list(shares))
    assert dict(counts) == dict(expected)
    assert len(out) == 9_999


def test_single_attribute_shares_split_the_rest_as_in_real_data(adult_real):
    settings = GenerationSettings(rows=20_000, conditioning=COND, shares={"Female": 0.5, "Male": 0.5})
    out = generate(adult_real, ADULT_ROLES, settings)
    assert out["sex"].value_counts().to_dict() == {"Female": 10_000, "Male": 10_000}
    real_black = (adult_real.loc[adult_real.sex == "Female", "race"] == "Black").mean()
    synth_black = (out.loc[out.sex == "Female", "race"] == "Black").mean()
    assert abs(real_black - synth_black) < 1e-3


@pytest.mark.parametrize("rates", [{"Female": 0.3, "Male": 0.3}, {"Black&Female": 0.25}])
def test_outcome_rates_are_met(adult_real, rates):
    settings = GenerationSettings(rows=48_842, conditioning=COND, outcome_rates=rates, seed=2)
    out = generate(adult_real, ADULT_ROLES, settings)
    level = ("sex",) if "Female" in rates else COND
    groups = group_labels(out, level)
    for g, rate in rates.items():
        got = _fav_rate(out[groups == g], ADULT_ROLES)
        assert abs(got - rate) < 0.01, (g, got)


def test_group_rate_keeps_the_pattern_inside_the_group(adult_real):
    # The common log-odds shift raises every race's rate among women but keeps their order.
    out = generate(adult_real, ADULT_ROLES, GenerationSettings(
        rows=48_842, conditioning=COND, outcome_rates={"Female": 0.3}, seed=3))
    women_real = adult_real[adult_real.sex == "Female"]
    women_synth = out[out.sex == "Female"]
    fav = ADULT_ROLES.favorable
    real_rates = women_real.groupby("race")["income"].apply(lambda s: (s == fav).mean())
    synth_rates = women_synth.groupby("race")["income"].apply(lambda s: (s == fav).mean())
    assert (synth_rates[["White", "Black"]] > real_rates[["White", "Black"]]).all()
    assert synth_rates["White"] > synth_rates["Black"]


def test_unreachable_rate_is_refused(compas_real):
    frame = compas_real.copy()
    frame.loc[frame.race == "Asian", "two_year_recid"] = 0
    settings = GenerationSettings(rows=1000, conditioning=("race",), outcome_rates={"Asian": 0.5})
    with pytest.raises(InvalidInputError, match="cannot be generated for 'Asian'"):
        generate(frame, COMPAS_ROLES, settings)


def test_augment_keeps_real_rows_and_adds_only_what_the_shares_need(compas_real):
    shares = {"Female": 0.35, "Male": 0.65}  # real: about 0.19 / 0.81
    settings = GenerationSettings(rows=1, conditioning=("sex",), shares=shares, mode="augment", seed=4)
    out = generate(compas_real, COMPAS_ROLES, settings)
    n_real = len(compas_real)
    assert _digest(out.iloc[:n_real].reset_index(drop=True)) == _digest(compas_real.reset_index(drop=True))
    counts = out["sex"].value_counts()
    assert counts["Male"] == (compas_real.sex == "Male").sum()  # men are not added to
    assert abs(counts["Female"] / len(out) - 0.35) < 1 / len(out)
    # One row fewer could not reach the female share without dropping a real man.
    assert (compas_real.sex == "Male").sum() > 0.65 * (len(out) - 1) - 1


def test_augment_refuses_to_drop_a_group(compas_real):
    settings = GenerationSettings(rows=1, conditioning=("sex",), shares={"Female": 1.0}, mode="augment")
    with pytest.raises(InvalidInputError, match="Augment mode keeps every real row.*Male"):
        generate(compas_real, COMPAS_ROLES, settings)


def test_small_strata_missing_groups_bools_and_no_conditioning(compas_real):
    frame = compas_real.head(600).copy()
    frame["flag"] = frame["priors_count"] > 2
    frame.loc[:4, "race"] = None  # a stratum of five rows with a missing group value
    roles = COMPAS_ROLES
    out = generate(frame, roles, GenerationSettings(rows=2000, conditioning=COND, seed=9))
    assert out["flag"].dtype == bool and out["race"].isna().any()
    plain = ConditionalSynthesizer(random_state=1).fit(frame).sample(300)
    assert len(plain) == 300 and plain.dtypes.equals(frame.dtypes)


def test_settings_must_match_the_fitted_conditioning(compas_real):
    model = fit_synthesizer(compas_real, COMPAS_ROLES, GenerationSettings(rows=10, conditioning=COND))
    with pytest.raises(InvalidInputError, match="fit it again"):
        model.sample(GenerationSettings(rows=10, conditioning=("sex",)))


def test_progress_is_reported_up_to_one(compas_real):
    seen: list[float] = []
    generate(compas_real, COMPAS_ROLES, GenerationSettings(rows=2000, conditioning=COND),
             progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
