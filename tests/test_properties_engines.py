"""Property-based tests of the engines: random frames and random roles.

Whatever the data, an engine returns its table or raises one of our typed errors; shares of
every attribute set sum to 1 on each side; disparate-impact ratios are in [0, inf) or reported
undefined; shuffling the rows of either side changes no result; the JSON export validates.
"""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fairsynth.drift.timeline import drift_over_time
from fairsynth.fairness.fidelity import column_fidelity
from fairsynth.fairness.impact import disparate_impact, group_metrics
from fairsynth.fairness.subgroups import subgroup_gaps
from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.pair import DatasetPair, make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.governance.export import load_schema, to_json

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCHEMA = load_schema()
GROUPS = ["A", "B", "C", "Dé", "<x>", "=1+1"]
OUTCOMES = {"text": ["yes", "no"], "int": [0, 1], "bool": [True, False]}


@st.composite
def sides(draw, n_min: int = 1):
    """Two frames with the same columns: 1-2 group columns, an outcome, a prediction, a number, a date.

    Hypothesis draws the shape (rows, groups, share missing, outcome type, a seed) and numpy
    fills the cells: far faster than drawing every cell, and failures still shrink to small shapes.
    """
    kind = draw(st.sampled_from(sorted(OUTCOMES)))
    n_groups = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p_missing = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    frames = []
    for _ in range(2):
        n = draw(st.integers(n_min, 40))

        def column(values, missing=p_missing, n=n):
            out = pd.Series(rng.choice(np.array(values, dtype=object), n), dtype=object)
            return out.mask(rng.random(n) < missing, None)

        frame = pd.DataFrame({
            "g1": column(GROUPS[: n_groups[0]]),
            "g2": column(GROUPS[-n_groups[1]:]),
            "y": column(OUTCOMES[kind]),
            "pred": column(OUTCOMES[kind], missing=0.0),
            "x": column([0.0, 1.5, -2.0, 3.25, np.nan, np.inf], missing=0.0).astype(float),
            "when": column(["2013-01-05", "2013-02-11", "2013-03-20", "2013-06-01", "not a date"]),
        })
        if kind != "text" and p_missing == 0.0:
            frame[["y", "pred"]] = frame[["y", "pred"]].astype(int if kind == "int" else bool)
        frames.append(frame)
    return frames[0], frames[1], kind


@st.composite
def roles_for(draw, kind: str):
    """Random roles over the generated columns, sometimes with an absent favourable value."""
    protected = draw(st.lists(st.sampled_from(["g1", "g2"]), min_size=0, max_size=2, unique=True))
    favorable = draw(st.sampled_from([str(v) for v in OUTCOMES[kind]] + ["maybe"]))
    return Roles(protected=tuple(protected), target=draw(st.sampled_from(["y", None])),
                 favorable=favorable, prediction=draw(st.sampled_from(["pred", None])),
                 time=draw(st.sampled_from(["when", None])))


def pair_or_none(real, synth, roles) -> DatasetPair | None:
    try:
        return make_pair(real, synth, roles)
    except FairSynthError:
        return None


def engines(pair: DatasetPair) -> dict[str, pd.DataFrame | Exception]:
    """Every engine's table, or the typed error it raised (anything else fails the test)."""
    calls = {
        "gaps": lambda: subgroup_gaps(pair, min_count=5),
        "impact": lambda: disparate_impact(pair),
        "metrics": lambda: group_metrics(pair),
        "fidelity": lambda: column_fidelity(pair),
        "drift": lambda: drift_over_time(pair, freq="M"),
    }
    out = {}
    for name, call in calls.items():
        try:
            out[name] = call()
        except FairSynthError as exc:
            out[name] = exc
    return out


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def canonical(table: pd.DataFrame | Exception) -> object:
    """A table in an order-free form (rows sorted by their text), or the error's message."""
    if isinstance(table, Exception):
        return ("error", type(table).__name__, str(table))
    keys = table.astype(str).apply(lambda row: "|".join(row), axis=1) if len(table) else []
    return table.assign(_key=list(keys)).sort_values("_key", kind="stable").drop(
        columns="_key").reset_index(drop=True)


@SETTINGS
@given(data=st.data())
def test_engines_raise_only_typed_errors_and_keep_their_invariants(data):
    real, synth, kind = data.draw(sides())
    roles = data.draw(roles_for(kind))
    pair = pair_or_none(real, synth, roles)
    assume(pair is not None)
    results = engines(pair)

    gaps = results["gaps"]
    if isinstance(gaps, pd.DataFrame):
        for _, block in gaps.groupby(gaps["attributes"].map(tuple)):
            # Every row of a side lands in exactly one group (missing values form their own).
            assert block["real_share"].sum() == pytest.approx(1.0)
            assert block["synthetic_share"].sum() == pytest.approx(1.0)
            assert (block["real_count"].sum(), block["synthetic_count"].sum()) == (
                len(pair.real), len(pair.synthetic))
        assert ((gaps["ci_low"] <= gaps["gap"] + 1e-12) & (gaps["gap"] <= gaps["ci_high"] + 1e-12)).all()

    impact = results["impact"]
    if isinstance(impact, pd.DataFrame):
        ratios = impact["ratio"].astype(float)
        defined = ratios.notna()
        assert (ratios[defined] >= 0).all() and np.isfinite(ratios[defined]).all()
        # An undefined ratio always says why.
        assert impact.loc[~defined, "undefined_reason"].map(lambda r: isinstance(r, str) and r != "").all()
        assert impact["selection_rate"].dropna().between(0, 1).all()


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_shuffling_rows_changes_no_result(data, seed):
    real, synth, kind = data.draw(sides())
    roles = data.draw(roles_for(kind))
    pair = pair_or_none(real, synth, roles)
    assume(pair is not None)
    moved = make_pair(shuffled(real, seed), shuffled(synth, seed + 1), roles)
    before, after = engines(pair), engines(moved)
    for name in before:
        a, b = canonical(before[name]), canonical(after[name])
        if isinstance(a, tuple) or isinstance(b, tuple):
            assert a == b, name
        else:
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12, obj=name)


def test_reference_group_on_a_tie_does_not_depend_on_row_order():
    frame = pd.DataFrame({"g": ["a", "b", "a", "b"], "y": ["yes", "no", "no", "yes"]})
    roles = Roles(protected=("g",), target="y", favorable="yes")
    first = disparate_impact(make_pair(frame, frame, roles))
    flipped = frame.iloc[::-1].reset_index(drop=True)
    second = disparate_impact(make_pair(flipped, flipped, roles))
    assert set(first["reference_group"]) == set(second["reference_group"])


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_json_export_always_validates_against_the_schema(data):
    real, synth, kind = data.draw(sides(n_min=2))
    roles = data.draw(roles_for(kind))
    pair = pair_or_none(real, synth, roles)
    assume(pair is not None)
    report = run_audit(pair, options=AuditOptions(min_count=5))
    document = json.loads(to_json(report))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["roles"] == roles.to_dict()


@settings(max_examples=20, deadline=None, derandomize=True)
@given(n=st.integers(30, 400), seed=st.integers(0, 2**16),
       protected=st.lists(st.sampled_from(["race", "sex", "age_cat", "c_charge_degree"]),
                          min_size=1, max_size=3, unique=True))
def test_real_rows_with_random_roles(compas_real, n, seed, protected):
    # Samples of the bundled COMPAS data: a self-pair has zero gap and equal ratios on both sides.
    real = compas_real.sample(n=n, random_state=seed).reset_index(drop=True)
    roles = Roles(protected=tuple(protected), target="two_year_recid", favorable="0",
                  prediction="predicted_recid", time="compas_screening_date")
    pair = pair_or_none(real, shuffled(real, seed), roles)
    assume(pair is not None)
    results = engines(pair)
    gaps = results["gaps"]
    assert isinstance(gaps, pd.DataFrame)
    assert np.allclose(gaps["gap"], 0.0)
    impact = results["impact"]
    if isinstance(impact, pd.DataFrame):
        real_side = impact[impact["dataset"] == "real"].set_index(["attribute", "group"])["ratio"]
        synth_side = impact[impact["dataset"] == "synthetic"].set_index(["attribute", "group"])["ratio"]
        pd.testing.assert_series_equal(real_side.sort_index(), synth_side.sort_index(), check_names=False)
