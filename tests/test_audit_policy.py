"""Policy TOML: loading, refusing bad files, and checks whose values match the data computed directly."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest
from test_audit_pairs import adult_skewed_pair, skewed_adult

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.samples import SAMPLE_DIR
from fairsynth.governance.audit import run_audit
from fairsynth.governance.policy import THRESHOLDS, load_policy, parse_policy

EXAMPLE = SAMPLE_DIR.parent / "policy.example.toml"


@pytest.fixture(scope="module")
def report(adult_real):
    return run_audit(adult_skewed_pair(adult_real))


def test_example_policy_names_every_threshold():
    policy = load_policy(EXAMPLE)
    # The anonymeter thresholds are there commented out (the attacks are opt-in and slow).
    text = EXAMPLE.read_text()
    commented = parse_policy(text.replace("# max_", "max_"), source="example, uncommented")
    assert set(commented.thresholds) == set(THRESHOLDS)
    assert set(THRESHOLDS) - set(policy.thresholds) == {
        "max_singling_out_risk", "max_linkability_risk", "max_inference_risk"}
    assert policy.thresholds["min_disparate_impact"] == 0.8


@pytest.mark.parametrize("text, message", [
    ("[thresholds]\nmin_di = 0.8\n", "unknown threshold(s) min_di; valid: min_disparate_impact"),
    ("[thresholds\nmin_disparate_impact = 0.8\n", "not valid TOML"),
    ("[thresholds]\nmin_disparate_impact = 'high'\n", "must be a number"),
    ("[thresholds]\nmin_disparate_impact = true\n", "must be a number"),
    ("[thresholds]\nmax_abs_share_gap = -0.1\n", "must not be negative"),
    ("min_disparate_impact = 0.8\n", "unknown table(s) min_disparate_impact"),
    ("[thresholds]\n", "no [thresholds] table"),
])
def test_bad_policies_are_refused_with_a_clear_sentence(text, message):
    with pytest.raises(InvalidInputError) as info:
        parse_policy(text, source="p.toml")
    assert message in str(info.value) and str(info.value).startswith("p.toml: ")


def test_missing_policy_file_is_an_input_error(tmp_path):
    with pytest.raises(InvalidInputError, match="no such policy file"):
        load_policy(tmp_path / "absent.toml")


def _largest_gap(real: pd.DataFrame, synth: pd.DataFrame) -> float:
    worst = 0.0
    for order in (1, 2):
        for attrs in combinations(["race", "sex"], order):
            r = real.groupby(list(attrs), observed=True).size() / len(real)
            s = synth.groupby(list(attrs), observed=True).size() / len(synth)
            worst = max(worst, float((s.reindex(r.index.union(s.index), fill_value=0)
                                      - r.reindex(r.index.union(s.index), fill_value=0)).abs().max()))
    return worst


def test_check_values_match_the_data(report, adult_real):
    synth = skewed_adult(adult_real)
    result = report.with_policy(load_policy(EXAMPLE)).policy
    checks = {c.name: c for c in result.checks}
    assert checks["max_abs_share_gap"].value == pytest.approx(_largest_gap(adult_real, synth), abs=1e-12)
    # Other & Female has 155 real rows and none synthetic: the smallest count is 0.
    assert checks["min_subgroup_count"].value == 0 and "Other&Female" in checks["min_subgroup_count"].explanation
    assert checks["min_subgroup_count"].passed is False
    di = report.disparate_impact
    rows = di[(di["dataset"] == "synthetic") & (di["n"] >= 30)]
    assert checks["min_disparate_impact"].value == pytest.approx(rows["ratio"].min())
    assert checks["max_drifted_share"].passed is None  # no time column in Adult
    assert result.passed is False
    assert {c.name for c in result.failed} >= {"max_abs_share_gap", "min_subgroup_count"}


def test_a_lax_policy_passes_and_explanations_name_the_group(report):
    lax = parse_policy("[thresholds]\nmax_abs_share_gap = 0.5\nmin_column_fidelity = 0.1\n"
                       "max_disparate_impact_change = 1.0\n")
    result = report.with_policy(lax).policy
    assert result.passed and all(c.passed for c in result.checks)
    gap = next(c for c in result.checks if c.name == "max_abs_share_gap")
    assert "so it passes" in gap.explanation and "for " in gap.explanation
