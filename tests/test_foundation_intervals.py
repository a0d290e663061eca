"""The one Wilson interval: scalar and array forms agree with each other and with statsmodels."""

from __future__ import annotations

import doctest
import math

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from fairsynth.foundation import intervals
from fairsynth.foundation.intervals import wilson_interval


def test_array_form_matches_statsmodels_and_the_scalar_form():
    # Setup: every edge (no trial, zero count, full count) next to ordinary rates.
    counts = np.array([0, 0, 7, 50, 123, 1, 999])
    ns = np.array([0, 50, 50, 50, 4000, 1, 1000])
    # Run
    low, high = wilson_interval(counts, ns)
    # Assert
    assert math.isnan(low[0]) and math.isnan(high[0])
    ref_low, ref_high = proportion_confint(counts[1:], ns[1:], alpha=0.05, method="wilson")
    np.testing.assert_allclose(low[1:], ref_low, atol=1e-12)
    np.testing.assert_allclose(high[1:], ref_high, atol=1e-12)
    for i, (c, n) in enumerate(zip(counts[1:], ns[1:], strict=True), start=1):
        assert wilson_interval(int(c), int(n)) == (low[i], high[i])


def test_zero_and_full_counts_hit_the_bounds_exactly():
    low, high = wilson_interval(np.array([0, 30]), np.array([30, 30]))
    assert low[0] == 0.0 and high[1] == 1.0


def test_doctests():
    assert doctest.testmod(intervals).failed == 0
