"""Privacy in the audit: a copy fails the copy threshold, a faithful pair passes, group rule, exports."""

from __future__ import annotations

import json
import re

import jsonschema
import numpy as np
import pandas as pd
import pytest

import fairsynth.privacy.report
from fairsynth.foundation.errors import IncomputableMetricError, InvalidInputError
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import ADULT_ROLES, COMPAS_ROLES, SAMPLE_DIR
from fairsynth.governance.audit import run_audit
from fairsynth.governance.export import load_schema, report_to_dict, to_json
from fairsynth.governance.export_html import to_html
from fairsynth.governance.export_markdown import to_markdown
from fairsynth.governance.options import PRIVACY_SAMPLE_SIZE, AuditOptions
from fairsynth.governance.policy import THRESHOLDS, parse_policy
from fairsynth.privacy.distance import row_hashes
from fairsynth.privacy.holdout import split_holdout
from fairsynth.privacy.measures import POLICY_THRESHOLDS
from fairsynth.privacy.report import DEFAULT_SAMPLE_SIZE, privacy_risk

FAST = {"privacy_sample_size": 2_000}
PRIVACY_POLICY = parse_policy(
    "[thresholds]\nmax_exact_copy_rate = 0.01\nmax_dcr_closer_to_train_share = 0.55\n"
    "min_k_anonymity = 1\nmax_inference_risk = 0.05\n")
ATTACKS = ("max_singling_out_risk", "max_linkability_risk", "max_inference_risk")


def _checks(report) -> dict:
    return {c.name: c for c in report.policy.checks}


@pytest.fixture(scope="module")
def faithful_pair(adult_real):
    synthetic = pd.read_parquet(SAMPLE_DIR / "adult_synthetic.parquet")
    return make_pair(adult_real, synthetic, ADULT_ROLES, real_name="adult.parquet",
                     synthetic_name="adult_synthetic.parquet")


@pytest.fixture(scope="module")
def copy_pair(adult_real):
    return make_pair(adult_real, adult_real.sample(frac=1.0, random_state=1).reset_index(drop=True),
                     ADULT_ROLES, real_name="adult.parquet", synthetic_name="copy_of_real.csv")


@pytest.fixture(scope="module")
def faithful(faithful_pair):
    return run_audit(faithful_pair, options=FAST, policy=PRIVACY_POLICY)


@pytest.fixture(scope="module")
def copied(copy_pair):
    return run_audit(copy_pair, options=FAST, policy=PRIVACY_POLICY)


def _direct_copy_rate(pair) -> float:
    """Share of all synthetic rows identical to a row of the seeded training split (pandas hashes)."""
    split = split_holdout(pair.real.reset_index(drop=True), random_state=0)
    cols = pair.analysis_columns
    train = set(row_hashes(split.train, cols))
    return float(np.mean([h in train for h in row_hashes(pair.synthetic, cols)]))


def test_the_copy_fails_the_exact_copy_threshold_and_the_faithful_pair_passes(faithful, copied, copy_pair):
    # Setup/Run in the fixtures. Assert: the verdicts, then the value against a direct count.
    copy_check, faithful_check = _checks(copied)["max_exact_copy_rate"], _checks(faithful)["max_exact_copy_rate"]
    assert copy_check.passed is False and faithful_check.passed is True
    assert faithful_check.value <= 0.01 < copy_check.value
    # Half the copy's rows copy the 'training' half of the real data (the other half the holdout):
    # the sampled rate agrees with counting every synthetic row directly, within its 95% interval.
    overall = copied.privacy[copied.privacy["attribute"].isna()].set_index("measure")
    row = overall.loc["exact_copy_rate"]
    direct = _direct_copy_rate(copy_pair)
    assert row["ci_low"] <= direct <= row["ci_high"] and 0.45 < direct < 0.55
    assert copy_check.value >= row["value"]
    assert "overall" in copy_check.explanation or "lower end" in copy_check.explanation
    assert "real holdout rows" in copy_check.explanation and "so it fails" in copy_check.explanation


def test_the_ordering_copy_above_faithful_holds_on_every_distance_measure(faithful, copied):
    def value(report, measure):
        rows = report.privacy
        return float(rows[rows["attribute"].isna() & (rows["measure"] == measure)]["value"].iloc[0])

    assert value(copied, "exact_copy_rate") > value(faithful, "exact_copy_rate")
    assert value(copied, "dcr_median") < value(faithful, "dcr_median")
    assert value(copied, "nndr_median") < value(faithful, "nndr_median")


def test_the_copy_is_the_first_finding_with_the_numbers_of_the_record(copied, faithful):
    first = copied.findings[0]
    assert first.code == "privacy:exact_copy_rate" and first.severity == "critical"
    row = copied.privacy[copied.privacy["attribute"].isna()].set_index("measure").loc["exact_copy_rate"]
    shown = re.match(r"([0-9.]+)% of synthetic rows are exact copies of real training rows "
                     r"\(95% CI ([0-9.]+)% to ([0-9.]+)%; ([0-9.]+)% copy a real holdout row\)",
                     first.sentence)
    assert shown, first.sentence
    for text, number in zip(shown.groups(), (row["value"], row["ci_low"], row["ci_high"], row["reference"]),
                            strict=True):
        assert float(text) == pytest.approx(100 * number, abs=0.05)
    assert not any(f.code == "privacy:exact_copy_rate" for f in faithful.findings)


def test_copies_at_the_real_chance_level_are_not_called_memorised(compas_real):
    # COMPAS has few, coarse columns: 8% of real holdout rows equal some real training row. A
    # faithful synthetic copying rows at that level is no sign of memorisation.
    synthetic = pd.read_parquet(SAMPLE_DIR / "compas_synthetic.parquet")
    report = run_audit(make_pair(compas_real, synthetic, COMPAS_ROLES),
                       options={**FAST, "include_drift": False})
    baseline = report.privacy_settings["real_holdout_match_rate"]
    split = split_holdout(compas_real.reset_index(drop=True), random_state=0)
    cols = report.privacy_settings["columns"]
    direct = np.isin(row_hashes(split.holdout, cols), row_hashes(split.train, cols)).mean()
    assert baseline == pytest.approx(direct) and baseline > 0.05
    finding = next(f for f in report.findings if f.code == "privacy:exact_copy_rate")
    assert finding.severity in ("medium", "low") and "common value combinations" in finding.sentence


def test_a_group_clearly_over_the_limit_fails_the_check_and_is_named(adult_real, faithful_pair):
    # Setup: the faithful synthetic with its Black rows replaced by copies of real Black rows.
    black = adult_real[adult_real["race"] == "Black"]
    synthetic = faithful_pair.synthetic
    mixed = pd.concat([synthetic[synthetic["race"] != "Black"], black], ignore_index=True)
    pair = make_pair(adult_real, mixed, ADULT_ROLES)
    # Run: a limit the overall rate (about 5%: half of the 10% Black rows copy training rows) meets.
    report = run_audit(pair, options=FAST, policy=parse_policy("[thresholds]\nmax_exact_copy_rate = 0.1\n"))
    # Assert
    rows = report.privacy[report.privacy["measure"] == "exact_copy_rate"]
    overall = rows[rows["attribute"].isna()].iloc[0]
    group = rows[(rows["attribute"] == "race") & (rows["group"] == "Black")].iloc[0]
    assert overall["value"] < 0.1 < group["ci_low"]
    check = report.policy.checks[0]
    assert check.passed is False and check.value == pytest.approx(group["ci_low"])
    assert "race = Black" in check.explanation and "lower end" in check.explanation
    finding = next(f for f in report.findings if f.code == "privacy:exact_copy_rate")
    assert "in group race = Black" in finding.sentence


def test_k_anonymity_check_matches_a_direct_groupby(faithful):
    check = _checks(faithful)["min_k_anonymity"]
    qis = faithful.privacy_settings["quasi_identifiers"]
    synthetic = pd.read_parquet(SAMPLE_DIR / "adult_synthetic.parquet")
    smallest = synthetic.groupby(qis, observed=True, dropna=False).size().min()
    assert qis == ["age", "race", "sex"] and check.value == smallest
    assert check.passed is bool(smallest >= 1)
    strict = faithful.with_policy(parse_policy(f"[thresholds]\nmin_k_anonymity = {smallest + 1}\n"))
    assert strict.passed is False and "race = " in strict.policy.checks[0].explanation


def test_k_anonymity_per_group_matches_a_direct_groupby(faithful):
    qis = faithful.privacy_settings["quasi_identifiers"]
    k = faithful.privacy_settings["k"]
    synthetic = pd.read_parquet(SAMPLE_DIR / "adult_synthetic.parquet")
    # Each synthetic row's class size over the quasi-identifiers, then per group of each attribute.
    sizes = synthetic.groupby(qis, observed=True, dropna=False)[qis[0]].transform("size")
    table = faithful.privacy.set_index(["attribute", "group", "measure"])
    for attribute in ("race", "sex"):
        for group, rows in sizes.groupby(synthetic[attribute].astype(str), observed=True):
            assert table.loc[(attribute, group, "k_anonymity"), "value"] == rows.min()
            assert table.loc[(attribute, group, "k_share_below"), "n"] == len(rows)
            assert table.loc[(attribute, group, "k_share_below"), "value"] == pytest.approx(
                (rows < k).mean(), abs=1e-12)


def test_attack_thresholds_do_not_apply_when_the_attacks_are_off(faithful):
    check = _checks(faithful)["max_inference_risk"]
    assert check.passed is None and check.value is None and "does not apply" in check.explanation
    assert faithful.status("privacy_attacks").status == "skipped"
    assert faithful.passed  # the copy and closeness checks pass; the n/a one does not fail it


def test_no_privacy_option_skips_both_parts_and_exports_nothing(faithful_pair):
    report = run_audit(faithful_pair, options={"include_privacy": False, "privacy_attacks": True},
                       policy=PRIVACY_POLICY)
    assert report.privacy is None and report.privacy_settings is None
    assert {report.status(p).status for p in ("privacy", "privacy_attacks")} == {"skipped"}
    assert all(c.passed is None for c in report.policy.checks)
    data = json.loads(to_json(report))
    jsonschema.validate(data, load_schema(), format_checker=jsonschema.FormatChecker())
    assert data["privacy"] == [] and data["lineage"]["privacy_settings"] is None
    assert "Privacy was not measured (skipped" in to_markdown(report)


def test_json_privacy_records_are_the_engines_records_and_validate(copied, copy_pair):
    data = json.loads(to_json(copied))
    jsonschema.validate(data, load_schema(), format_checker=jsonschema.FormatChecker())
    # The audit passes its settings through: the same call to the engine gives the same records.
    direct = privacy_risk(copy_pair, attacks=False, sample_size=2_000, random_state=0).to_records()
    assert data["privacy"] == json.loads(json.dumps(direct))
    settings = data["lineage"]["privacy_settings"]
    assert settings["sampled_synthetic_rows"] == 2_000 and settings["holdout_source"] == "split"
    assert settings["n_attacks"] == 0 and "split at random" in settings["holdout_note"]
    broken = json.loads(to_json(copied))
    broken["privacy"][0]["risk_level"] = "extreme"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, load_schema())
    del broken["privacy"][0]["ci_low"]
    broken["privacy"][0]["risk_level"] = "low"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, load_schema())


def test_markdown_and_html_carry_the_privacy_section(copied):
    text = to_markdown(copied)
    section = text[text.index("## Privacy"):text.index("## Audit parts")]
    assert "| Exact copies |" in section and "race = Black" in section
    assert "split at random" in section
    html = to_html(copied)
    privacy = html[html.index("<h2 id=\"privacy\">"):html.index("<h2 id=\"inputs\">")]
    for chart in ("exact-copy-rate", "dcr-closer-to-train-share", "k-share-below"):
        assert f"id='chart-privacy-{chart}'" in privacy
    assert "Exact copies per protected group" in privacy


def test_an_engine_error_fails_the_privacy_checks_and_the_rest_still_runs(faithful_pair, monkeypatch):
    def broken(pair, **options):
        raise IncomputableMetricError("simulated privacy failure")

    monkeypatch.setattr(fairsynth.privacy.report, "privacy_risk", broken)
    report = run_audit(faithful_pair, options=FAST, policy=PRIVACY_POLICY)
    assert report.errors == {"privacy": "simulated privacy failure"}
    assert report.subgroup_gaps is not None and report.privacy is None
    assert any(f.code == "error:privacy" for f in report.findings)
    assert _checks(report)["max_exact_copy_rate"].passed is False
    assert _checks(report)["max_inference_risk"].passed is None  # attacks were off: n/a


def test_attacks_run_when_asked_and_their_checks_read_the_records(compas_real):
    pytest.importorskip("anonymeter", reason="install the 'privacy' extra (see pyproject.toml)")
    synthetic = pd.read_parquet(SAMPLE_DIR / "compas_synthetic.parquet")
    policy = parse_policy("[thresholds]\n" + "".join(f"{n} = 0.05\n" for n in ATTACKS))
    report = run_audit(make_pair(compas_real, synthetic, COMPAS_ROLES), policy=policy, options={
        "include_drift": False, "privacy_attacks": True, "privacy_sample_size": 1_000,
        "privacy_n_attacks": 60, "privacy_group_attacks": 20})
    assert report.status("privacy_attacks").status == "ok"
    assert report.privacy_settings["n_attacks"] == 60 and report.privacy_settings["anonymeter_version"]
    rows = report.privacy
    for name in ATTACKS:
        measure = POLICY_THRESHOLDS[name][0]
        block = rows[rows["measure"] == measure].dropna(subset=["value"])
        overall = float(block[block["attribute"].isna()]["value"].iloc[0])
        groups = block[block["attribute"].notna() & (block["n"] >= 30)]
        expected = max([overall, *groups["ci_low"].fillna(groups["value"])])
        check = next(c for c in report.policy.checks if c.name == name)
        assert check.value == pytest.approx(expected) and check.passed is (expected <= 0.05)
    data = json.loads(to_json(report))
    jsonschema.validate(data, load_schema())
    assert {"inference_risk:race", "inference_risk:sex"} <= {r["measure"] for r in data["privacy"]}


def test_privacy_thresholds_are_the_engines_proposals_and_options_round_trip():
    names = {n for n, spec in THRESHOLDS.items() if spec.part.startswith("privacy")}
    assert names == set(POLICY_THRESHOLDS)
    assert PRIVACY_SAMPLE_SIZE == DEFAULT_SAMPLE_SIZE
    options = AuditOptions(privacy_quasi_identifiers=["age", "sex"], privacy_attacks=True)
    assert options.privacy_quasi_identifiers == ("age", "sex")
    assert AuditOptions.from_dict(json.loads(json.dumps(options.to_dict()))) == options
    with pytest.raises(InvalidInputError, match="privacy_sample_size"):
        AuditOptions(privacy_sample_size=10)
    with pytest.raises(InvalidInputError, match="privacy_n_attacks"):
        AuditOptions(privacy_n_attacks=0)


def test_unknown_quasi_identifier_is_an_error_of_the_part(faithful_pair):
    report = run_audit(faithful_pair, options={**FAST, "privacy_quasi_identifiers": ["zipcode"]})
    assert "zipcode" in report.errors["privacy"]
    assert report.subgroup_gaps is not None


def test_a_pair_too_small_for_a_holdout_skips_privacy(adult_real):
    tiny = adult_real.head(30)
    report = run_audit(make_pair(tiny, tiny.copy(), ADULT_ROLES))
    assert report.status("privacy").status == "skipped"
    assert "at least 40" in report.status("privacy").message
    assert report_to_dict(report)["privacy"] == []


def test_k_anonymity_has_one_level_on_the_page_and_in_the_finding(compas_real):
    # Issue 18, point 5: the page said "high" (k = 1) while the finding said "low".
    synthetic = pd.read_parquet(SAMPLE_DIR / "compas_synthetic.parquet")
    report = run_audit(make_pair(compas_real, synthetic, COMPAS_ROLES), options=FAST)
    table = pd.DataFrame(report_to_dict(report)["privacy"])
    overall = table[table["attribute"].isna()].set_index("measure")
    assert overall.loc["k_anonymity", "value"] == 1  # some combination is unique...
    level = overall.loc["k_anonymity", "risk_level"]
    assert level == overall.loc["k_share_below", "risk_level"]  # ...but the level reads the share
    finding = next(f for f in report.findings if f.code == "privacy:k_share_below")
    assert finding.severity == level
