"""The large-pair samples of the privacy distances (issue 17): only above a threshold well over the
bundled samples, seeded, stated in the report and the part's status, with intervals."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from fairsynth.foundation.samples import load_sample
from fairsynth.governance import parts
from fairsynth.governance.audit import run_audit
from fairsynth.governance.options import AuditOptions
from fairsynth.privacy import report as privacy_report
from fairsynth.privacy.report import (
    LARGE_MAX_REAL_ROWS,
    LARGE_PAIR_ROWS,
    LARGE_REFERENCE_ROWS,
    LARGE_SAMPLE_SIZE,
    privacy_risk,
)

# A threshold under Adult's 48,842 rows, so the bundled sample takes the large-pair path.
LOW = 10_000


@pytest.fixture(scope="module")
def adult():
    return load_sample("adult")


def test_threshold_is_well_above_every_bundled_sample():
    largest = max(max(len(p.real), len(p.synthetic))
                  for p in (load_sample(name) for name in ("adult", "compas")))
    assert LARGE_PAIR_ROWS >= 5 * largest


def test_bundled_sample_keeps_the_asked_sizes(adult):
    result = privacy_risk(adult, attacks=False)
    assert result.sample_note == ""
    assert result.settings["sampled_synthetic_rows"] == privacy_report.DEFAULT_SAMPLE_SIZE
    assert not any("distances to closest records" in n for n in result.notes)


def test_large_pair_runs_on_stated_seeded_samples_with_intervals(adult):
    # Run: twice with the same seed, once with another.
    first = privacy_risk(adult, attacks=False, large_pair_rows=LOW)
    again = privacy_risk(adult, attacks=False, large_pair_rows=LOW)
    other = privacy_risk(adult, attacks=False, large_pair_rows=LOW, random_state=1)
    # Assert: the sizes are the large-pair ones, and said.
    settings = first.settings
    assert settings["sampled_synthetic_rows"] == LARGE_SAMPLE_SIZE
    assert settings["sampled_train_rows"] == settings["sampled_holdout_rows"] == LARGE_MAX_REAL_ROWS // 2
    assert settings["reference_rows"] == LARGE_REFERENCE_ROWS
    assert f"{LARGE_SAMPLE_SIZE:,} synthetic" in first.sample_note and "seed 0" in first.sample_note
    assert first.sample_note in first.notes
    # Same seed, same numbers; another seed, another sample.
    pd.testing.assert_frame_equal(first.overall, again.overall)
    assert not first.distances["synthetic_row"].equals(other.distances["synthetic_row"])
    # Every distance measure carries an interval over its sample, n = the sample size.
    distances = first.overall.set_index("measure").loc[
        ["exact_copy_rate", "dcr_closer_to_train_share", "dcr_median", "nndr_median"]]
    assert (distances["n"] == LARGE_SAMPLE_SIZE).all()
    assert (distances["ci_low"] <= distances["value"]).all()
    assert (distances["value"] <= distances["ci_high"]).all()
    # Exact copies and k-anonymity still read every row (not the sample).
    kanon = first.overall.set_index("measure").loc["k_anonymity"]
    assert kanon["n"] == len(adult.synthetic)
    # The real-to-real baseline reads every row: equal to the full-size run's.
    full = privacy_risk(adult, attacks=False)
    assert first.real_match_rate == full.real_match_rate
    assert 0 < full.real_match_rate < 0.05


def test_audit_part_status_states_the_sample(adult, monkeypatch):
    # Setup: the audit's privacy part with the threshold lowered under Adult's size.
    monkeypatch.setattr(privacy_report, "privacy_risk",
                        functools.partial(privacy_risk, large_pair_rows=LOW))
    # Run
    report = run_audit(adult, options=AuditOptions(include_drift=False, include_fidelity=False))
    # Assert
    status = next(p for p in report.parts if p.part == "privacy")
    assert status.status == "ok"
    assert f"{LARGE_SAMPLE_SIZE:,} synthetic" in status.message
    assert status.message in report.privacy_settings["notes"]
    assert np.isfinite(report.privacy_settings["real_holdout_match_rate"])
    assert parts.part("privacy").needs_rows
