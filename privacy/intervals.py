"""Intervals for privacy figures: Wilson for rates, order statistics for a median."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

Z95 = 1.959963984540054


def wilson_interval(successes: float, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a rate; (nan, nan) when there is no trial.

    Examples
    --------
    >>> low, high = wilson_interval(0, 100)
    >>> round(low, 6) == 0.0 and round(high, 4) == 0.037
    True
    """
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Rounding leaves ~1e-18 at p = 0; snap it so a zero rate has a zero lower bound.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


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
