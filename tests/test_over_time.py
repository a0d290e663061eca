"""Fairness over time (issue 13): per-window shares, ratios and staleness in the report, findings and gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from conftest import PATIENCE_S
from fairlearn.metrics import MetricFrame, selection_rate

from fairsynth.engines.sources import open_pair
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.roles import Roles
from fairsynth.foundation.samples import SAMPLE_DIR, load_sample
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import load_schema, report_to_dict
from fairsynth.governance.policy import parse_policy

TIME = "compas_screening_date"
ROLES = Roles(protected=("race", "sex"), target="two_year_recid", favorable="0", time=TIME)
OPTIONS = {"freq": "Y", "include_privacy": False, "include_fidelity": False}
OVER_TIME = ("min_disparate_impact_any_window", "max_share_change_any_window", "max_staleness")
GATE = "[thresholds]\nmin_disparate_impact_any_window = 0.8\n"


@pytest.fixture(scope="module")
def compas():
    return load_sample("compas")


@pytest.fixture(scope="module")
def report(compas):
    return run_audit(compas, options=OPTIONS)


def _year(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame[TIME]).dt.to_period("Y").dt.start_time.dt.strftime("%Y-%m-%d")


def _favourable(frame: pd.DataFrame) -> pd.Series:
    return frame["two_year_recid"].astype(str) == "0"


def test_window_shares_equal_a_pandas_groupby(report, compas):
    shares = report.subgroups_over_time
    for dataset, frame in (("real", compas.real), ("synthetic", compas.synthetic)):
        expected = frame.groupby([_year(frame), "race"]).size()
        expected = expected / expected.groupby(level=0).transform("sum")
        got = shares[(shares["dataset"] == dataset) & (shares["attributes"].map(tuple) == ("race",))]
        got = got[got["count"] > 0].set_index(["window", "group"])["share"]
        assert len(got) == len(expected)
        for (window, group), share in expected.items():
            assert got[(window, group)] == pytest.approx(share, abs=1e-9)
    both = shares[shares["attributes"].map(tuple) == ("race", "sex")]
    assert set(both["group"]) >= {"African-American&Male"}
    assert both["group_values"].iloc[0].keys() == {"race", "sex"}


def test_window_ratios_equal_pandas_and_fairlearn(report, compas):
    impact = report.impact_over_time
    # Intersections follow max_order (3 by default), as in every other part.
    assert {"race", "sex", "race&sex"} <= set(impact["attribute"])
    real = compas.real.assign(window=_year(compas.real), fav=_favourable(compas.real))
    for (window, attribute), block in impact[impact["dataset"] == "real"].groupby(
            ["window", "attribute"]):
        rows = real[real["window"] == window]
        # An intersection "race&sex" is the groups of both columns, joined as the report joins them.
        group = rows[attribute.split("&")].astype(str).agg("&".join, axis=1)
        rates = rows.groupby(group)["fav"].mean()
        frame = MetricFrame(metrics=selection_rate, y_true=rows["fav"], y_pred=rows["fav"],
                            sensitive_features=group)
        reference = block["reference_group"].iloc[0]
        assert (block["reference_group"] == reference).all()
        for row in block.itertuples():
            assert row.selection_rate == pytest.approx(rates[row.group], abs=1e-9)
            assert row.ratio == pytest.approx(rates[row.group] / rates[reference], abs=1e-9)
            assert row.ratio == pytest.approx(
                frame.by_group[row.group] / frame.by_group[reference], abs=1e-9)
            assert row.passes_four_fifths == (row.ratio >= 0.8)


def test_reference_is_held_across_windows_and_sides(report):
    impact = report.impact_over_time
    # One reference per attribute set in every window of both sides (the real data's
    # highest-rate group among those large enough to be in every window).
    refs = impact.groupby("attribute")["reference_group"].nunique()
    assert (refs == 1).all(), refs


def _regime_change(compas_real: pd.DataFrame) -> pd.DataFrame:
    # A small early window of the youngest people, then the rest in one later window.
    real = compas_real.sort_values("age", kind="stable").reset_index(drop=True)
    early = int(len(real) * 0.12)
    rng = np.random.default_rng(0)
    days = rng.integers(0, 365, len(real))
    base = np.where(np.arange(len(real)) < early, "2012-01-01", "2013-01-01")
    real[TIME] = (pd.to_datetime(base) + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    return real, early


def test_synthetic_from_early_windows_is_stale_and_from_all_windows_is_not(compas):
    real, early = _regime_change(compas.real)
    stale_side = real.iloc[:early].sample(len(real), replace=True, random_state=1)
    fresh_side = real.sample(len(real), replace=True, random_state=1)
    for side, stale in ((stale_side, True), (fresh_side, False)):
        pair = make_pair(real, side.reset_index(drop=True), ROLES)
        audit = run_audit(pair, options=OPTIONS)
        table = audit.staleness
        best = table.loc[table["best_match"], "window"].item()
        assert table.loc[table["latest"], "window"].item() == "2013-01-01"
        assert (best == "2012-01-01") is stale
        sentences = [f.sentence for f in audit.findings if f.kind == "staleness"]
        if stale:
            assert sentences == [sentences[0]] and "looks most like the 2012 population" in sentences[0]
            assert "not the latest window 2013" in sentences[0]
        else:
            assert not sentences


def test_findings_name_the_window_a_ratio_crosses_the_line(report):
    impact = report.impact_over_time
    real = impact[(impact["dataset"] == "real") & (impact["n"] >= 30)]
    male = real[(real["attribute"] == "sex") & (real["group"] == "Male")].sort_values("window")
    assert male["ratio"].iloc[0] >= 0.8 > male["ratio"].iloc[-1]  # the data crosses in 2014
    sentence = next(f.sentence for f in report.findings if f.code == "impact_over_time:sex:Male")
    assert "fell below 0.8 in 1 of 2 windows, first in 2014" in sentence
    assert f"{male['ratio'].iloc[-1]:.2f}" in sentence


def test_share_change_finding_over_the_threshold(compas):
    audit = run_audit(compas, options={**OPTIONS, "freq": "Q"})
    found = [f for f in audit.findings if f.kind == "share_over_time"]
    assert found and all(f.magnitude > 0.05 for f in found)
    assert any("pp)" in f.sentence and "2013Q1" in f.sentence for f in found)


def test_policy_fails_on_a_window_under_the_line_and_names_it(report):
    check = report.with_policy(parse_policy(GATE)).policy.checks[0]
    assert check.passed is False and check.value < 0.8
    assert "in the window starting 2014-01-01" in check.explanation
    assert "under 0.8 in" in check.explanation and "side" in check.explanation
    lax = report.with_policy(parse_policy(
        "[thresholds]\nmin_disparate_impact_any_window = 0.0\nmax_staleness = 1\n"
        "max_share_change_any_window = 1\n")).policy
    assert lax.passed is True and all(c.passed for c in lax.checks)


def test_without_a_time_column_the_checks_do_not_apply(compas):
    pair = compas.with_roles(Roles(protected=("race", "sex"), target="two_year_recid",
                                   favorable="0"))
    policy = parse_policy("[thresholds]\n" + "".join(f"{n} = 0.5\n" for n in OVER_TIME))
    audit = run_audit(pair, options=OPTIONS, policy=policy)
    assert audit.status("fairness_over_time").status == "skipped"
    assert [c.passed for c in audit.policy.checks] == [None, None, None]
    assert audit.policy.passed is True
    data = report_to_dict(audit)
    assert data["staleness"] == [] and data["impact_over_time"] == []
    jsonschema.validate(data, load_schema())


def test_without_a_target_the_impact_check_does_not_apply(compas):
    pair = compas.with_roles(Roles(protected=("race",), time=TIME))
    audit = run_audit(pair, options=OPTIONS, policy=parse_policy(GATE))
    assert audit.impact_over_time is None and len(audit.subgroups_over_time)
    assert "impact over time not computed" in audit.status("fairness_over_time").message
    assert audit.policy.checks[0].passed is None


def test_report_json_validates_and_summaries_carry_the_tables(report):
    from fairsynth.governance.export_markdown import to_markdown

    data = json.loads(json.dumps(report_to_dict(report), allow_nan=False))
    jsonschema.validate(data, load_schema())
    assert {r["dataset"] for r in data["impact_over_time"]} == {"real", "synthetic"}
    assert sum(r["latest"] for r in data["staleness"]) == 1
    text = to_markdown(report)
    assert "Staleness" in text and "Group shares per time window" in text


def test_a_sql_pair_gives_the_same_tables_over_time(compas, tmp_path):
    pytest.importorskip("duckdb")
    real, synth = tmp_path / "real.parquet", tmp_path / "synth.parquet"
    compas.real.to_parquet(real, coerce_timestamps="us")
    compas.synthetic.to_parquet(synth, coerce_timestamps="us")
    pair = open_pair(real, synth, compas.roles, engine="duckdb", window_freq="Y")
    audit = run_audit(pair, options=OPTIONS)
    assert "real windows only" not in audit.status("fairness_over_time").message
    expected = run_audit(compas, options=OPTIONS)
    for key in ("subgroups_over_time", "impact_over_time", "staleness"):
        ours, theirs = getattr(audit, key), getattr(expected, key)
        assert set(ours["dataset"]) == {"real", "synthetic"} if "dataset" in ours else True
        pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9)


def test_cli_exits_1_on_a_window_under_the_line(tmp_path, compas):
    compas.real.to_csv(tmp_path / "real.csv", index=False)
    compas.synthetic.to_csv(tmp_path / "synth.csv", index=False)
    (tmp_path / "p.toml").write_text(GATE)
    fairsynth = Path(sys.executable).with_name("fairsynth")
    result = subprocess.run(
        [str(fairsynth), "audit", "--real", str(tmp_path / "real.csv"), "--synthetic",
         str(tmp_path / "synth.csv"), "--protected", "race,sex", "--target", "two_year_recid",
         "--favorable", "0", "--time", TIME, "--freq", "Y", "--no-privacy", "--policy",
         str(tmp_path / "p.toml"), "--out", str(tmp_path / "r.json")],
        capture_output=True, text=True, cwd=SAMPLE_DIR.parent, timeout=PATIENCE_S)
    assert result.returncode == 1, result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    check = data["policy"]["checks"][0]
    assert check["name"] == "min_disparate_impact_any_window" and check["passed"] is False


def test_html_summary_draws_shares_and_ratios_per_window(report):
    from fairsynth.governance.export_html import report_figures, to_html

    figures = {key: fig for key, _, fig in report_figures(report)}
    ratio = figures["impact-over-time-0"]
    assert any(shape.y0 == 0.8 for shape in ratio.layout.shapes)
    names = {t.name for t in ratio.data}
    assert {"African-American", "African-American (synthetic)"} <= names
    shares = figures["shares-over-time-1"]
    male = next(t for t in shares.data if t.name == "Male")
    expected = report.subgroups_over_time
    expected = expected[(expected["dataset"] == "real") & (expected["group"] == "Male")]
    assert list(male.y) == pytest.approx(list(expected.sort_values("window")["share"]))
    assert "impact-over-time-0" in to_html(report)
