"""The distribution-free interval of a median (the Wilson interval of a rate is in foundation.intervals)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

# Up to this many values the binomial quantiles are summed exactly in integers (3 ms at 5,000, 0.1 s at 20,000);
# beyond, scipy.stats (~0.6 s to import, so kept off the audit's usual path) computes them.
EXACT_MAX_N = 20_000


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
    lower_rank, upper = _half_binomial_quantiles((1 - level) / 2, n)
    upper_rank = upper + 1
    lower_rank = max(lower_rank, 1)
    upper_rank = min(max(upper_rank, lower_rank), n)
    return median, float(data[lower_rank - 1]), float(data[upper_rank - 1])


def _half_binomial_quantiles(q: float, n: int) -> tuple[int, int]:
    """scipy.stats.binom.ppf(q, n, 0.5) and .isf(q, n, 0.5): the smallest k with P(B <= k) >= q,
    and the smallest k with P(B > k) <= q, for B ~ Binomial(n, 1/2)."""
    if n > EXACT_MAX_N:
        from scipy import stats

        return int(stats.binom.ppf(q, n, 0.5)), int(stats.binom.isf(q, n, 0.5))
    # P(B <= k) = (C(n, 0) + ... + C(n, k)) / 2^n: compared with q * 2^n exactly, in integers.
    target = Fraction(q) * (1 << n)
    cumulative, term, k = 0, 1, 0
    while True:
        cumulative += term
        if cumulative >= target:
            break
        term = term * (n - k) // (k + 1)
        k += 1
    # Symmetry: P(B > m) = P(B < n - m) = P(B <= n - m - 1); the smallest m with that <= q is
    # n - 1 - (the largest j with P(B <= j) <= q).
    below = k if cumulative == target else k - 1
    return k, n - 1 - below
