"""Per-column drift tests chosen as evidently 0.7's DataDriftPreset does, computed from value counts.

Every test reads (kind, support, reference counts, current counts): counts over one shared support
are all that KS, chi-square, Z, Wasserstein, Jensen-Shannon and PSI need, so a window's counts are
taken once and every test and reference choice reuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairsynth.drift.counts import encode_pair
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import CATEGORICAL, NUMERIC, NUMERIC_MIN_DISTINCT, Kind

DRIFT_COLUMNS = ["column", "test", "statistic", "p_value", "threshold", "drift_detected"]
# evidently: up to this many reference rows, hypothesis tests; above it, distances.
SMALL_REFERENCE_ROWS = 1000
# Reference distinct values above which numbers are binned (Sturges) for JS/PSI, as evidently does.
BIN_ABOVE_UNIQUES = 20
WASSERSTEIN_STD_FLOOR = 0.001
NO_TEST = "none"

TestFunction = Callable[[Kind, np.ndarray, np.ndarray, np.ndarray], tuple[float, float]]


@dataclass(frozen=True)
class StatTestSpec:
    """A drift test: which column kinds it accepts, its default threshold and how it decides."""

    name: str
    display_name: str
    kinds: tuple[Kind, ...]
    default_threshold: float
    score: Literal["p_value", "distance"]
    # p-values: drift when p < threshold (KS: p <= threshold); distances: drift when d >= threshold.
    inclusive: bool = False

    def drifted(self, statistic: float, p_value: float, threshold: float) -> bool:
        """The drift decision from this test's score and a threshold, with evidently's comparisons."""
        if self.score == "distance":
            return bool(statistic >= threshold)
        return bool(p_value <= threshold) if self.inclusive else bool(p_value < threshold)


def _ks(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    # The hypothesis tests run only on small references; scipy.stats (~0.6 s to import) is
    # imported then, not on every audit's path.
    from scipy import stats

    # KS needs the samples themselves; rebuilt from counts they are the same multiset.
    result = stats.ks_2samp(np.repeat(support, ref), np.repeat(support, cur))
    return float(result.statistic), float(result.pvalue)


def _chisquare(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    # evidently: expected = reference counts scaled to the current size, over values seen on either side.
    seen = (ref > 0) | (cur > 0)
    expected = ref[seen] * (cur.sum() / ref.sum())
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.chisquare(cur[seen], expected)
    return float(result.statistic), float(result.pvalue)


def _z(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    seen = np.flatnonzero((ref > 0) | (cur > 0))
    if len(seen) == 1:
        return 0.0, 1.0
    # Share of rows not equal to the first (sorted) value on each side, as evidently's proportions test.
    first = seen[np.argsort(support[seen].astype(str) if kind == CATEGORICAL else support[seen])[0]]
    n1, n2 = ref.sum(), cur.sum()
    p1, p2 = (n1 - ref[first]) / n1, (n2 - cur[first]) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    from scipy import stats

    return float(z), float(2 * (1 - stats.norm.cdf(np.abs(z))))


def _wasserstein(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    return float(_wasserstein_rows(support, ref[None, :], cur[None, :])[0]), np.nan


def _wasserstein_rows(support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Normed W1 of each row of `cur` against the same row of `ref` (2-D counts, one sorted support)."""
    # The area between the two CDFs, O(support) per row. Sums of products, not np.dot: an int x
    # float dot is slow, and BLAS threads cost more than they save on vectors this short.
    # One reference row for every row of `cur` (a broadcast view, stride 0: the first window, or
    # the synthetic side): its moments and CDF are computed once, not once per window.
    if ref.ndim == 2 and len(ref) > 1 and ref.strides[0] == 0:
        ref = ref[:1]
    ref = ref.astype(np.float64)
    n_ref = ref.sum(axis=1)
    mean = (ref * support).sum(axis=1) / n_ref
    std = np.sqrt((ref * (support - mean[:, None]) ** 2).sum(axis=1) / n_ref)
    gaps = np.diff(support)
    cdf_gap = np.abs(np.cumsum(ref, axis=1)[:, :-1] / n_ref[:, None]
                     - np.cumsum(cur, axis=1)[:, :-1] / cur.sum(axis=1)[:, None])
    return (cdf_gap * gaps).sum(axis=1) / np.maximum(std, WASSERSTEIN_STD_FLOOR)


def _jensenshannon(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    ref_p, cur_p = _binned(kind, support, ref, cur, fill_zeroes=False)
    return float(_js_distance(ref_p, cur_p)), np.nan


def _js_distance(p: np.ndarray, q: np.ndarray) -> float:
    return float(_js_rows(p[None, :], q[None, :])[0])


def _js_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon distance of each row of `p` to the same row of `q` (shares or counts)."""
    # scipy.spatial.distance.jensenshannon (natural log), step for step: importing scipy.spatial
    # (or scipy.special) costs every audit 0.2-0.5 s for these lines. tests/test_lean_imports.py
    # checks it against scipy.
    p = p / np.sum(p, axis=1, keepdims=True)
    q = q / np.sum(q, axis=1, keepdims=True)
    m = (p + q) / 2.0
    return np.sqrt((np.sum(_rel_entr(p, m), axis=1) + np.sum(_rel_entr(q, m), axis=1)) / 2.0)


def _rel_entr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # scipy.special.rel_entr where y > 0 wherever x > 0 (y is the mixture (p + q) / 2 here).
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(x / y), 0.0)


def _psi(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    ref_p, cur_p = _binned(kind, support, ref, cur, fill_zeroes=True)
    return float(np.sum((ref_p - cur_p) * np.log(ref_p / cur_p))), np.nan


def _binned(kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray, *,
            fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Shares per bin as evidently's get_binned_data: Sturges bins for many-valued numbers, else per value."""
    n_ref, n_cur = ref.sum(), cur.sum()
    if kind == NUMERIC and np.count_nonzero(ref) > BIN_ABOVE_UNIQUES:
        edges = _sturges_edges(support[(ref > 0) | (cur > 0)], int(n_ref + n_cur))
        ref_p = np.histogram(support, edges, weights=ref)[0] / n_ref
        cur_p = np.histogram(support, edges, weights=cur)[0] / n_cur
    else:
        seen = (ref > 0) | (cur > 0)
        ref_p, cur_p = ref[seen] / n_ref, cur[seen] / n_cur
    if fill_zeroes:
        ref_p, cur_p = _fill_zeroes(ref_p), _fill_zeroes(cur_p)
    return ref_p.astype(float), cur_p.astype(float)


def _sturges_edges(values: np.ndarray, n: int) -> np.ndarray:
    # numpy's histogram_bin_edges(x, "sturges") for a sample of n rows spanning these values.
    lo, hi = float(values.min()), float(values.max())
    width = (hi - lo) / (np.log2(n) + 1.0)
    bins = int(np.ceil((hi - lo) / width)) if width > 0 else 1
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1, endpoint=True)


def _fill_zeroes(shares: np.ndarray) -> np.ndarray:
    # evidently replaces empty bins by 1e-4, or a millionth of the smallest share when that is smaller.
    shares = shares.astype(float).copy()
    smallest = shares[shares != 0].min()
    shares[shares == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return shares


STAT_TESTS: dict[str, tuple[StatTestSpec, TestFunction]] = {
    spec.name: (spec, fn)
    for spec, fn in [
        (StatTestSpec("ks", "K-S p_value", (NUMERIC,), 0.05, "p_value", inclusive=True), _ks),
        (StatTestSpec("chisquare", "chi-square p_value", (CATEGORICAL, NUMERIC), 0.05, "p_value"),
         _chisquare),
        (StatTestSpec("z", "Z-test p_value", (CATEGORICAL, NUMERIC), 0.05, "p_value"), _z),
        (StatTestSpec("wasserstein", "Wasserstein distance (normed)", (NUMERIC,), 0.1, "distance"),
         _wasserstein),
        (StatTestSpec("jensenshannon", "Jensen-Shannon distance", (CATEGORICAL, NUMERIC), 0.1,
                      "distance"), _jensenshannon),
        (StatTestSpec("psi", "PSI", (CATEGORICAL, NUMERIC), 0.1, "distance"), _psi),
    ]
}


def get_stat_test(name: str) -> tuple[StatTestSpec, TestFunction]:
    """A registered test by name; an unknown name lists the available ones."""
    try:
        return STAT_TESTS[name]
    except KeyError:
        raise InvalidInputError(
            f"Unknown drift test '{name}'. Available: {', '.join(STAT_TESTS)}."
        ) from None


def default_test(kind: Kind, n_reference: int, n_values: int) -> str:
    """evidently's default choice: tests for <= 1000 reference rows, distances above; numbers with
    at most NUMERIC_MIN_DISTINCT distinct values are tested as categories."""
    few = kind == CATEGORICAL or n_values <= NUMERIC_MIN_DISTINCT
    if n_reference <= SMALL_REFERENCE_ROWS:
        if not few:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    return "jensenshannon" if few else "wasserstein"


def drift_from_counts(
    kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray, *, method: str | None = None,
    threshold: float | None = None,
) -> tuple[str, float, float, float, bool]:
    """(test, statistic, p_value, threshold, drift_detected) for one column's reference and current counts."""
    return drift_rows(kind, support, ref[None, :], cur[None, :], method=method, threshold=threshold)[0]


def drift_rows(
    kind: Kind, support: np.ndarray, ref: np.ndarray, cur: np.ndarray, *, method: str | None = None,
    threshold: float | None = None,
) -> list[tuple[str, float, float, float, bool]]:
    """drift_from_counts for each row of `cur` (2-D counts on `support`) against the same row of `ref`."""
    n_ref, n_cur = ref.sum(axis=1), cur.sum(axis=1)
    n_values = np.count_nonzero((ref > 0) | (cur > 0), axis=1)
    # A side with no values for this column: nothing to compare, so no drift claimed.
    names = [NO_TEST if r == 0 or c == 0 else method or default_test(kind, int(r), int(v))
             for r, c, v in zip(n_ref.tolist(), n_cur.tolist(), n_values.tolist(), strict=True)]
    statistic, p_value = np.full(len(names), np.nan), np.full(len(names), np.nan)
    limits: dict[str, float] = {}
    for name in dict.fromkeys(names):
        if name == NO_TEST:
            continue
        spec, fn = get_stat_test(name)
        if kind not in spec.kinds:
            raise InvalidInputError(
                f"Drift test '{name}' does not apply to {kind} columns; it takes {', '.join(spec.kinds)}."
            )
        limits[name] = spec.default_threshold if threshold is None else float(threshold)
        rows = np.array([i for i, n in enumerate(names) if n == name])
        # The distances on many windows at once (one array pass per column, not per window);
        # the tests, and Jensen-Shannon on binned numbers, one row at a time.
        if name == "wasserstein":
            together = rows
        elif name == "jensenshannon":
            together = rows if kind != NUMERIC else \
                rows[np.count_nonzero(ref[rows], axis=1) <= BIN_ABOVE_UNIQUES]
        else:
            together = rows[:0]
        if len(together):
            # Every row together (the usual case): the arrays as they are, no row copies (and a
            # broadcast reference stays one row).
            every = len(together) == len(names)
            ref_t, cur_t = (ref, cur) if every else (ref[together], cur[together])
            statistic[together] = (_wasserstein_rows(support, ref_t, cur_t)
                                   if name == "wasserstein" else _js_rows(ref_t, cur_t))
        for i in np.setdiff1d(rows, together):
            statistic[i], p_value[i] = fn(kind, support, ref[i], cur[i])
    out = []
    for name, s, p in zip(names, statistic.tolist(), p_value.tolist(), strict=True):
        if name == NO_TEST:
            out.append((NO_TEST, np.nan, np.nan, np.nan, False))
        else:
            spec, limit = STAT_TESTS[name][0], limits[name]
            out.append((name, s, p, limit, spec.drifted(s, p, limit)))
    return out


def column_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str],
    method: str | None = None,
) -> pd.DataFrame:
    """Drift of each column from reference to current, one row per column, tests as evidently chooses.

    Parameters
    ----------
    reference, current : the two samples; missing and infinite values are left out per column.
    columns : the columns to test (present in both).
    method : a registered test name for every column (see STAT_TESTS); None = evidently's default.

    Returns
    -------
    DataFrame with columns column, test, statistic, p_value (NaN for distances), threshold,
    drift_detected. A column with no values on one side gets test "none" and no drift.

    Examples
    --------
    >>> ref = pd.DataFrame({"x": range(100)})
    >>> row = column_drift(ref, ref, columns=["x"]).iloc[0]
    >>> row["test"], float(row["p_value"]), bool(row["drift_detected"])
    ('ks', 1.0, False)
    """
    if method is not None:
        get_stat_test(method)
    missing = [c for c in columns if c not in reference.columns or c not in current.columns]
    if missing:
        raise InvalidInputError(f"Column(s) not in both tables: {', '.join(map(str, missing))}.")
    rows = []
    for col in columns:
        encoded, n_ref = encode_pair(reference[col], current[col])
        ref_counts = encoded.counts(slice(0, n_ref))
        cur_counts = encoded.counts(slice(n_ref, None))
        result = drift_from_counts(encoded.kind, encoded.support, ref_counts, cur_counts, method=method)
        rows.append((col, *result))
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS).astype(
        {"statistic": float, "p_value": float, "threshold": float, "drift_detected": bool})


def normalised_score(frame: pd.DataFrame) -> pd.Series:
    """Drift score scaled so 1 is the threshold and above 1 is drift: d / t for distances, log p / log t for p-values."""
    is_p = frame["p_value"].notna()
    with np.errstate(divide="ignore", invalid="ignore"):
        p_score = np.log(frame["p_value"].clip(lower=1e-300)) / np.log(frame["threshold"])
        d_score = frame["statistic"] / frame["threshold"]
    return pd.Series(np.where(is_p, p_score, d_score), index=frame.index, name="score")
