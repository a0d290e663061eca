"""The distribution-free interval of a median (the Wilson interval of a rate is in foundation.intervals)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def median_interval(values: np.ndarray, *, level: float = 0.95) -> tuple[float, float, float]:
    """Median and its distribution-free interval from binomial order statistics (no bootstrap needed)."""
    data = np.sort(np.asarray(values, dtype=float))
    data = data[~np.isnan(data)]
    n = data.size
    if n == 0:
        return math.nan, math.nan, math.nan
    median = float(np.median(data))
    if n < 3:
        return median, float(data[0]), float(data[-1])
    # 1-based ranks j < k with P(j <= B <= k - 1) >= level for B ~ Binomial(n, 1/2):
    # then [X_(j), X_(k)] covers the median with at least that probability.
    lower_rank = int(stats.binom.ppf((1 - level) / 2, n, 0.5))
    upper_rank = int(stats.binom.isf((1 - level) / 2, n, 0.5)) + 1
    lower_rank = max(lower_rank, 1)
    upper_rank = min(max(upper_rank, lower_rank), n)
    return median, float(data[lower_rank - 1]), float(data[upper_rank - 1])
