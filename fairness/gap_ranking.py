"""Which subgroup share gaps matter: a test per subgroup, a false-discovery-rate correction across
all subgroups compared, and one ranking that the headline, the findings and the Notes page share.

A subgroup with fewer than `min_count` rows on both sides is "too small to judge": it is flagged and
listed apart, never ranked above a large group's gap. Every other subgroup (single attributes and
intersections alike) is one hypothesis of the same family; the two-proportion z-test's p-values
are adjusted with Benjamini-Hochberg (as scipy.stats.false_discovery_control does), which controls the
false discovery rate at `ALPHA` under the positive dependence that nested subgroups have.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fairsynth.foundation.constants import SEVERITIES

# The false discovery rate a "significant" gap is held to.
ALPHA = 0.05
_SQRT2 = math.sqrt(2.0)
CORRECTION = "Benjamini-Hochberg"


def gap_p_values(real: np.ndarray, synthetic: np.ndarray, n_real: float, n_synth: float) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z-test that a group's real and synthetic shares are equal."""
    real, synthetic = real.astype(float), synthetic.astype(float)
    pooled = (real + synthetic) / (n_real + n_synth)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_real + 1 / n_synth))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.abs(synthetic / n_synth - real / n_real) / se
    # 2 * scipy.special.ndtr(-z) is erfc(z / sqrt 2): math.erfc per group (a few hundred at most)
    # spares every audit the 0.2-0.5 s import of scipy.special.
    tail = np.array([math.erfc(v / _SQRT2) if v == v else math.nan for v in z.tolist()], dtype=float)
    # se is 0 only when every row of both sides is in the group: the shares are then equal.
    return np.where(se > 0, tail, 1.0)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, step for step as scipy.stats.false_discovery_control
    (method "bh") computes them: importing scipy.stats costs an audit ~0.6-1.6 s for these lines
    (tests/test_lean_imports.py holds the two equal)."""
    ps = np.asarray(p_values, dtype=float)
    if not bool(np.all(ps == np.clip(ps, 0.0, 1.0))):
        raise ValueError("`ps` must include only numbers between 0 and 1.")
    m = len(ps)
    if m <= 1:
        return ps.copy()
    order = np.argsort(ps)
    ranked = ps[order] * (m / np.arange(1, m + 1, dtype=float))
    np.minimum.accumulate(ranked[::-1], out=ranked[::-1])
    out = np.empty_like(ranked)
    out[order] = ranked
    return np.clip(out, 0.0, 1.0)


def adjusted(p_values: np.ndarray, judged: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values over the judged subgroups (NaN for the others)."""
    out = np.full(len(p_values), np.nan)
    if judged.any():
        out[judged] = benjamini_hochberg(p_values[judged])
    return out


def gap_severity(real_share: float, gap: float, missing_side: str | None,
                 significant: bool) -> str | None:
    """How serious a judged subgroup's gap is (None: not a finding); findings and rankings share it.

    A group absent from the synthetic side is critical; otherwise only a significant gap counts:
    high from half of the group's share or 5 points, medium from a fifth or 2 points, low from a
    tenth of its share."""
    if missing_side == "synthetic":
        return "critical"
    if missing_side == "real":
        return "medium"
    if not significant:
        return None
    rel = abs(gap) / real_share if real_share > 0 else math.inf
    if rel >= 0.5 or abs(gap) >= 0.05:
        return "high"
    if rel >= 0.2 or abs(gap) >= 0.02:
        return "medium"
    return "low" if rel >= 0.1 else None


def too_small(gaps: pd.DataFrame, min_count: int) -> pd.Series:
    """Subgroups with fewer than `min_count` rows on both sides: too few to judge a gap (a group the
    generator invents or inflates to `min_count`+ rows is judged)."""
    return (gaps["real_count"] < min_count) & (gaps["synthetic_count"] < min_count)


def ranked_gaps(gaps: pd.DataFrame, *, min_count: int = 30, alpha: float = ALPHA) -> pd.DataFrame:
    """The judged subgroups, most important gap first: by `gap_severity` (the findings' order;
    gaps that are not findings last), then by the absolute gap in share points, then real rows,
    then label. A tiny group that vanished is too small to judge and never outranks a large loss."""
    judged = gaps[~too_small(gaps, min_count)]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    severity = [rank.get(gap_severity(r.real_share, r.gap, r.missing_side, r.p_adjusted < alpha),
                         len(SEVERITIES)) for r in judged.itertuples(index=False)]
    order = pd.DataFrame({"severity": severity, "size": -judged["gap"].abs().to_numpy(),
                          "rows": -judged["real_count"].to_numpy(), "group": judged["group"].to_numpy()},
                         index=judged.index)
    return judged.loc[order.sort_values(list(order.columns), kind="stable").index]


def headline_gap(gaps: pd.DataFrame, *, min_count: int = 30, alpha: float = ALPHA) -> pd.Series | None:
    """The most important significant under-representation, or None when no judged group has one."""
    ranked = ranked_gaps(gaps, min_count=min_count, alpha=alpha)
    under = ranked[(ranked["gap"] < 0) & (ranked["p_adjusted"] < alpha)]
    return None if under.empty else under.iloc[0]
