"""The Wilson score interval of a proportion, for one rate or a whole array of them."""

from __future__ import annotations

import numpy as np

from fairsynth.foundation.constants import Z95


def wilson_interval(count, n, *, z: float = Z95):
    """Wilson score interval of the proportion count/n; NaN where n is 0.

    Takes scalars (returns two floats) or arrays (returns two arrays). A zero count has a lower
    bound of exactly 0 and a full count an upper bound of exactly 1: floating-point rounding
    would otherwise leave ~1e-18 there.

    Examples
    --------
    >>> low, high = wilson_interval(0, 100)
    >>> low == 0.0 and round(high, 4) == 0.037
    True
    >>> [float(x) for x in wilson_interval(np.array([0, 5]), np.array([0, 10]))[1]]  # doctest: +ELLIPSIS
    [nan, 0.7634...]
    """
    scalar = np.ndim(count) == 0 and np.ndim(n) == 0
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = count / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    known = n > 0
    low = np.where(known & (count == 0), 0.0, np.clip(centre - half, 0, 1))
    high = np.where(known & (count == n), 1.0, np.clip(centre + half, 0, 1))
    if scalar:
        return float(low), float(high)
    return low, high
