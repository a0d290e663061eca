"""run_audit on the bundled samples: findings with the right numbers, skipped and failed parts, lineage."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from importlib import metadata

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_ratio
from test_audit_pairs import adult_self_pair, adult_skewed_pair, compas_pair

import fairsynth.drift.over_time
import fairsynth.engines.pandas_counts
import fairsynth.fairness.fidelity
import fairsynth.privacy.report
from fairsynth.foundation.errors import IncomputableMetricError, InvalidInputError
from fairsynth.foundation.loading import load_table
from fairsynth.foundation.pair import make_pair
from fairsynth.foundation.samples import COMPAS_ROLES, SAMPLE_DIR
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.governance.parts import PART_NAMES
from fairsynth.governance.policy import parse_policy

NUMBER = r"([-+]?[0-9]+(?:\.[0-9]+)?)"


@pytest.fixture(scope="module")
def skewed_report(adult_real):
    return run_audit(adult_skewed_pair(adult_real))


@pytest.fixture(scope="module")
def compas_report(compas_real):
    return run_audit(compas_pair(compas_real))


def test_a_dataset_against_itself_has_no_representation_finding(adult_real):
    report = run_audit(adult_self_pair(adult_real))
    assert np.allclose(report.subgroup_gaps["gap"], 0)
    assert np.allclose(report.impact_change["change"].dropna(), 0)
    fairness = [f for f in report.findings if f.kind != "privacy"]
    # Only the real data's own disparities remain, as "kept" low findings.
    assert {f.severity for f in fairness} <= {"low"}
    assert {f.kind for f in fairness} <= {"disparate_impact"}
    assert all("kept" in f.sentence for f in fairness)
    # ... while a copy is the worst case for privacy, and the first finding.
    assert report.findings[0].code == "privacy:exact_copy_rate"
    assert report.findings[0].severity == "critical"
    strict = parse_policy("[thresholds]\nmax_abs_share_gap = 0\nmax_disparate_impact_change = 0\n"
                          "min_column_fidelity = 1\n")
    assert report.with_policy(strict).passed


def test_a_subgroup_missing_from_synthetic_is_the_most_severe_finding(skewed_report, adult_real):
    first = skewed_report.findings[0]
    assert first.severity == "critical"
    assert first.code == "missing:race&sex:Other&Female"
    n = int(((adult_real["race"] == "Other") & (adult_real["sex"] == "Female")).sum())
    assert f"({n:,})" in first.sentence and "absent from the synthetic data" in first.sentence
    order = ["critical", "high", "medium", "low"]
    ranks = [order.index(f.severity) for f in skewed_report.findings]
    assert ranks == sorted(ranks)


def test_gap_finding_numbers_match_shares_computed_directly(skewed_report, adult_real):
    synth = adult_skewed_pair(adult_real).synthetic
    share = lambda f: ((f["race"] == "Black") & (f["sex"] == "Female")).mean()  # noqa: E731
    finding = next(f for f in skewed_report.findings if f.code == "gap:race&sex:Black&Female")
    assert finding.severity == "high"
    pattern = (rf"{NUMBER}% of real rows, {NUMBER}% of synthetic \({NUMBER} pp, "
               rf"95% CI {NUMBER} to {NUMBER}; Benjamini-Hochberg-adjusted p = ([0-9.e+-]+)\)")
    real_pct, synth_pct, gap_pp, low_pp, high_pp, p = map(float, re.search(pattern, finding.sentence).groups())
    assert p < 0.05
    assert real_pct == pytest.approx(100 * share(adult_real), abs=0.05)
    assert synth_pct == pytest.approx(100 * share(synth), abs=0.05)
    assert gap_pp == pytest.approx(100 * (share(synth) - share(adult_real)), abs=0.05)
    assert low_pp < gap_pp < high_pp < 0
    assert finding.sentence.startswith("Black & Female: ")


def test_hidden_disparity_finding_agrees_with_fairlearn(skewed_report, adult_real):
    synth = adult_skewed_pair(adult_real).synthetic
    finding = next(f for f in skewed_report.findings if f.code == "impact:sex:Female")
    assert finding.severity == "high" and "hides a disparity" in finding.sentence
    real_di, synth_di = (float(x) for x in re.findall(r"([0-9.]+) in (?:real|synthetic)", finding.sentence))
    for frame, shown in ((adult_real, real_di), (synth, synth_di)):
        favorable = (frame["income"] == ">50K").astype(int)
        # With two groups, fairlearn's min/max ratio is Female's rate over Male's.
        reference = demographic_parity_ratio(favorable, favorable, sensitive_features=frame["sex"])
        assert shown == pytest.approx(reference, abs=0.005)
    assert real_di < 0.8 <= synth_di


def test_drift_findings_agree_with_the_drift_table(compas_report):
    assert compas_report.status("drift").status == "ok"
    drift = compas_report.drift
    column_findings = [f for f in compas_report.findings if f.kind == "column_drift"]
    assert column_findings
    for finding in column_findings:
        rows = drift[drift["column"] == finding.subject].sort_values("window")
        assert rows["drift_detected"].any()
        match = re.search(r"since (\d{4}-\d{2})", finding.sentence)
        if match:
            after = rows[rows["window"].str[:7] >= match.group(1)]
            assert after["drift_detected"].all()
    flagged = {f.subject for f in column_findings}
    assert flagged == set(drift.loc[drift["drift_detected"], "column"])


def test_parts_without_their_role_are_skipped_with_a_reason(compas_real):
    roles = COMPAS_ROLES.with_changes(time=None, target=None, favorable=None, prediction=None)
    report = run_audit(make_pair(compas_real, compas_real.copy(), roles))
    status = {p.part: p for p in report.parts}
    assert status["drift"].status == "skipped" and "time column" in status["drift"].message
    assert status["disparate_impact"].status == "skipped" and "target" in status["disparate_impact"].message
    assert status["subgroup_gaps"].status == "ok" and report.disparate_impact is None
    policy = parse_policy("[thresholds]\nmax_drifted_share = 0.5\nmax_abs_share_gap = 0.01\n")
    result = report.with_policy(policy).policy
    drift_check = next(c for c in result.checks if c.name == "max_drifted_share")
    assert drift_check.passed is None and "does not apply" in drift_check.explanation
    assert result.passed


def test_an_engine_error_is_recorded_and_the_rest_still_runs(adult_real, monkeypatch):
    def broken(pair, **options):
        raise IncomputableMetricError("simulated failure")

    monkeypatch.setattr(fairsynth.fairness.fidelity, "column_fidelity", broken)
    report = run_audit(adult_skewed_pair(adult_real),
                       policy=parse_policy("[thresholds]\nmin_column_fidelity = 0.9\n"))
    assert report.errors == {"fidelity": "simulated failure"}
    assert report.subgroup_gaps is not None and report.disparate_impact is not None
    assert any(f.code == "error:fidelity" and f.severity == "high" for f in report.findings)
    # A gate must not pass on a part it could not see.
    assert report.policy.passed is False
    assert "simulated failure" in report.policy.checks[0].explanation


def test_windows_that_cannot_be_made_fail_drift_alone_not_the_fidelity_that_counts_ahead(
        compas_real, monkeypatch):
    # Fidelity counts every column with drift's windows ahead; windows that cannot be made are
    # drift's error (and fairness over time's), never fidelity's.
    def broken(pair, **options):
        raise IncomputableMetricError("simulated windowing failure")

    monkeypatch.setattr(fairsynth.engines.pandas_counts, "windowed", broken)
    # A new counter cache: the module's other audits of this pair have their windows already.
    monkeypatch.setattr(fairsynth.engines.pandas_counts, "_COUNTERS", OrderedDict())
    report = run_audit(compas_pair(compas_real))
    status = {p.part: p for p in report.parts}
    assert status["fidelity"].status == "ok" and not report.fidelity.empty
    assert status["drift"].status == "error" and "simulated" in status["drift"].message
    assert status["fairness_over_time"].status == "error"
    assert {"error:drift", "error:fairness_over_time"} <= {f.code for f in report.findings}


def _spy(threads: dict, name: str, real):
    """`real`, recording in `threads[name]` the thread that calls it."""
    def call(*args, **kwargs):
        threads[name] = threading.get_ident()
        return real(*args, **kwargs)
    return call


def test_row_parts_run_on_a_worker_beside_the_counting_parts_in_declaration_order(
        adult_real, monkeypatch):
    threads = {}
    fidelity, privacy = (fairsynth.fairness.fidelity.column_fidelity,
                         fairsynth.privacy.report.privacy_risk)

    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "2")
    monkeypatch.setattr(fairsynth.fairness.fidelity, "column_fidelity", _spy(threads, "fidelity", fidelity))
    monkeypatch.setattr(fairsynth.privacy.report, "privacy_risk", _spy(threads, "privacy", privacy))
    report = run_audit(adult_skewed_pair(adult_real))
    assert threads["fidelity"] == threading.get_ident() != threads["privacy"]
    assert [p.part for p in report.parts] == list(PART_NAMES)
    assert report.privacy is not None and len(report.privacy) > 0


def test_fairness_over_time_runs_beside_the_counting_parts_and_reports_as_on_one_thread(
        compas_real, monkeypatch):
    threads = {}
    over_time, fidelity = (fairsynth.drift.over_time.fairness_over_time,
                           fairsynth.fairness.fidelity.column_fidelity)

    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "1")
    alone = run_audit(compas_pair(compas_real), options={"include_privacy": False})
    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "2")
    monkeypatch.setattr(fairsynth.drift.over_time, "fairness_over_time", _spy(threads, "over_time", over_time))
    monkeypatch.setattr(fairsynth.fairness.fidelity, "column_fidelity", _spy(threads, "fidelity", fidelity))
    beside = run_audit(compas_pair(compas_real), options={"include_privacy": False})
    assert threads["fidelity"] == threading.get_ident() != threads["over_time"]
    assert [p.part for p in beside.parts] == list(PART_NAMES)
    for table in ("subgroups_over_time", "impact_over_time", "staleness", "fidelity", "drift"):
        assert len(getattr(alone, table)) > 0, table
        pd.testing.assert_frame_equal(getattr(beside, table), getattr(alone, table))
    assert [f.sentence for f in beside.findings] == [f.sentence for f in alone.findings]


def test_while_a_row_part_runs_the_main_thread_takes_fairness_over_time(compas_real, monkeypatch):
    # The worker runs the row parts first; here privacy waits until fairness over time has
    # begun, which only the main thread (its own parts done) can then begin. Same report.
    threads, begun = {}, threading.Event()
    over_time, privacy = (fairsynth.drift.over_time.fairness_over_time,
                          fairsynth.privacy.report.privacy_risk)

    def waiting_privacy(*args, **kwargs):
        threads["privacy"] = threading.get_ident()
        assert begun.wait(timeout=120), "fairness over time never began beside privacy"
        return privacy(*args, **kwargs)

    def watched_over_time(*args, **kwargs):
        threads["over_time"] = threading.get_ident()
        begun.set()
        return over_time(*args, **kwargs)

    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "1")
    alone = run_audit(compas_pair(compas_real))
    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "2")
    monkeypatch.setattr(fairsynth.privacy.report, "privacy_risk", waiting_privacy)
    monkeypatch.setattr(fairsynth.drift.over_time, "fairness_over_time", watched_over_time)
    both = run_audit(compas_pair(compas_real))
    assert threads["over_time"] == threading.get_ident() != threads["privacy"]
    assert [p.part for p in both.parts] == list(PART_NAMES)
    for table in ("subgroups_over_time", "impact_over_time", "staleness", "privacy"):
        assert len(getattr(alone, table)) > 0, table
        pd.testing.assert_frame_equal(getattr(both, table), getattr(alone, table))
    assert [f.sentence for f in both.findings] == [f.sentence for f in alone.findings]


def test_an_audit_allowed_one_thread_runs_every_part_on_the_callers(adult_real, monkeypatch):
    threads = set()
    privacy = fairsynth.privacy.report.privacy_risk

    def spy(*args, **kwargs):
        threads.add(threading.get_ident())
        return privacy(*args, **kwargs)

    monkeypatch.setenv("FAIRSYNTH_AUDIT_THREADS", "1")
    monkeypatch.setattr(fairsynth.privacy.report, "privacy_risk", spy)
    report = run_audit(adult_skewed_pair(adult_real))
    assert threads == {threading.get_ident()}
    assert report.privacy is not None and len(report.privacy) > 0


def test_a_bug_in_a_row_part_on_the_worker_still_propagates(adult_real, monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug, not bad data")

    monkeypatch.setattr(fairsynth.privacy.report, "privacy_risk", bug)
    with pytest.raises(ZeroDivisionError, match="a bug"):
        run_audit(adult_skewed_pair(adult_real))


def test_options_refuse_unknown_values_and_accept_mappings(adult_real):
    with pytest.raises(InvalidInputError, match="Available: D, W, M, Q, Y"):
        AuditOptions(freq="X")
    with pytest.raises(InvalidInputError, match="valid:"):
        AuditOptions.from_dict({"min_cnt": 5})
    options = AuditOptions(reference={"sex": "Female"}, max_order=1)
    assert AuditOptions.from_dict(options.to_dict()) == options
    report = run_audit(adult_self_pair(adult_real), options=options.to_dict())
    sex = report.disparate_impact[report.disparate_impact["attribute"] == "sex"]
    assert set(sex["reference_group"]) == {"Female"}
    assert set(report.subgroup_gaps["attributes"].map(len)) == {1}


def test_lineage_records_inputs_roles_versions_and_seed(compas_real):
    real = load_table(SAMPLE_DIR / "compas.parquet")
    pair = make_pair(real, compas_real.copy(), COMPAS_ROLES)
    report = run_audit(pair, options={"include_drift": False},
                       generator_settings={"rows": 100, "seed": 42})
    lineage = report.lineage
    digest = hashlib.sha256((SAMPLE_DIR / "compas.parquet").read_bytes()).hexdigest()
    assert lineage["inputs"]["real"]["sha256"] == digest == report.inputs["real"]["sha256"]
    assert lineage["inputs"]["synthetic"]["rows"] == len(compas_real)
    assert lineage["roles"] == COMPAS_ROLES.to_dict()
    assert lineage["packages"]["pandas"] == metadata.version("pandas") == pd.__version__
    assert lineage["fairsynth_version"] == metadata.version("fairsynth")
    assert lineage["generator"]["seed"] == 42
    assert lineage["created_at"] == report.created_at
    assert {p["part"] for p in lineage["parts"]} >= {"subgroup_gaps", "drift"}


def test_a_disparity_created_against_the_old_reference_is_found():
    # Real: A is the best-treated group. Synthetic: B overtakes A, and A falls to half of B.
    def frame(rate_a: float, rate_b: float) -> pd.DataFrame:
        rows = [("A", i < rate_a * 1000) for i in range(1000)] + [("B", i < rate_b * 1000) for i in range(1000)]
        return pd.DataFrame(rows, columns=["grp", "ok"]).assign(ok=lambda d: d["ok"].map({True: "yes", False: "no"}))

    from fairsynth.foundation.roles import Roles

    pair = make_pair(frame(0.8, 0.7), frame(0.4, 0.8), Roles(("grp",), "ok", "yes"))
    report = run_audit(pair, options=AuditOptions(include_privacy=False))
    found = {f.code: f for f in report.findings}
    # Against the one reference (A, the real data's best), B rises from 0.875 to 2.00 ...
    raised = found["impact:grp:B"]
    assert "(B vs A): 0.87 in real data, 2.00 in synthetic" in raised.sentence
    assert "favours this group over A" in raised.sentence
    # ... and each side's own four-fifths view says what that means: A now gets half of B's rate.
    created = found["four_fifths:grp"]
    assert created.severity == "high" and "creates a disparity" in created.sentence
    assert "0.87 in real data (B over A), 0.50 in synthetic (A over B)" in created.sentence
