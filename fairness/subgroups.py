"""Subgroup representation: shares of every protected group and intersection, real vs synthetic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairsynth.engines import Counter, as_counter
from fairsynth.fairness.gap_ranking import adjusted, gap_p_values, too_small
from fairsynth.foundation.codes import MISSING, attribute_sets, decode
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.intervals import wilson_interval
from fairsynth.foundation.pair import DatasetPair

GAP_COLUMNS = [
    "attributes", "group", "group_values", "real_count", "synthetic_count", "real_share",
    "synthetic_share", "gap", "ci_low", "ci_high", "small", "missing_side", "p_value", "p_adjusted",
]
HOMOGENEITY_COLUMNS = ["attributes", "statistic", "dof", "p_value"]
SHARE_COLUMNS = ["attributes", "group", "side", "count", "share", "ci_low", "ci_high"]


@dataclass(frozen=True)
class GroupCounts:
    """Counts of one attribute set on both sides, over the groups seen on either side."""

    attributes: tuple[str, ...]
    labels: list[tuple[str, ...]]
    real: np.ndarray
    synthetic: np.ndarray


def group_counts(pair: DatasetPair | Counter, *, max_order: int = 3) -> list[GroupCounts]:
    """Grouped counts per attribute set (singles, pairs, ... up to `max_order`), from the pair's cell counts."""
    protected = list(pair.roles.protected)
    if not protected:
        raise InvalidInputError(
            "No protected attribute is set; mark at least one column as protected on the Data page."
        )
    cells = as_counter(pair).cells()
    out = []
    for attrs in attribute_sets(protected, max_order):
        sizes = [len(cells.labels[a]) for a in attrs]
        real = cells.marginal("real", "rows", attrs)
        synth = cells.marginal("synthetic", "rows", attrs)
        seen = np.flatnonzero((real > 0) | (synth > 0))
        labels = [
            tuple(cells.labels[a][i] for a, i in zip(attrs, decode(int(code), sizes), strict=True))
            for code in seen
        ]
        out.append(GroupCounts(attrs, labels, real[seen], synth[seen]))
    return out


def group_labels(pair: DatasetPair | Counter) -> dict[str, list[str]]:
    """Each protected attribute's group labels seen on either side (missing left out), from the counts."""
    cells = as_counter(pair).cells()
    return {a: [t for t in cells.labels[a] if t != MISSING] for a in cells.attributes}


def subgroup_gaps(pair: DatasetPair | Counter, *, min_count: int = 30, max_order: int = 3) -> pd.DataFrame:
    """Share of each protected group and intersection on both sides and the gap between them.

    The gap is synthetic share - real share (a fraction). Its 95% interval is Newcombe's
    hybrid score interval for a difference of two independent proportions (method 10 of
    Newcombe 1998), built from the Wilson score interval of each share. Missing values of a
    protected column form their own group, "(missing)". A group seen on one side only has
    `missing_side` set to the side where it is absent; `small` flags groups with fewer than
    `min_count` rows on either side (flagged, never hidden). `p_value` is the two-proportion
    z-test of equal shares; `p_adjusted` its Benjamini-Hochberg adjustment across every subgroup
    with `min_count`+ rows on a side (NaN for smaller ones: too small to judge; fairness.gap_ranking).
    """
    frames = []
    n_real, n_synth = as_counter(pair).n_rows["real"], as_counter(pair).n_rows["synthetic"]
    for gc in group_counts(pair, max_order=max_order):
        r, s = gc.real.astype(float), gc.synthetic.astype(float)
        pr, ps = r / n_real, s / n_synth
        lr, ur = wilson_interval(r, np.full_like(r, n_real))
        ls, us = wilson_interval(s, np.full_like(s, n_synth))
        gap = ps - pr
        missing = np.where(s == 0, "synthetic", np.where(r == 0, "real", None))
        frames.append(pd.DataFrame({
            "attributes": [list(gc.attributes)] * len(r),
            "group": ["&".join(t) for t in gc.labels],
            "group_values": [dict(zip(gc.attributes, t, strict=True)) for t in gc.labels],
            "real_count": gc.real.astype(np.int64),
            "synthetic_count": gc.synthetic.astype(np.int64),
            "real_share": pr,
            "synthetic_share": ps,
            "gap": gap,
            "ci_low": gap - np.sqrt((ps - ls) ** 2 + (ur - pr) ** 2),
            "ci_high": gap + np.sqrt((us - ps) ** 2 + (pr - lr) ** 2),
            "small": (gc.real < min_count) | (gc.synthetic < min_count),
            "missing_side": pd.Series(missing, dtype=object).where(pd.notna(missing), None),
        }).sort_values(["real_count", "group"], ascending=[False, True], kind="stable"))
    out = pd.concat(frames, ignore_index=True)
    out["p_value"] = gap_p_values(out["real_count"].to_numpy(), out["synthetic_count"].to_numpy(),
                                  n_real, n_synth)
    out["p_adjusted"] = adjusted(out["p_value"].to_numpy(), ~too_small(out, min_count).to_numpy())
    return out[GAP_COLUMNS]


def homogeneity_tests(pair: DatasetPair | Counter, *, max_order: int = 3) -> pd.DataFrame:
    """Chi-square test that real and synthetic share one group distribution, per attribute set.

    Pearson's statistic on the 2 x groups table of counts, without Yates' correction
    (as scipy.stats.chi2_contingency with correction=False computes it); p_value is NaN when the attribute
    set has a single group overall.
    """
    rows = []
    for gc in group_counts(pair, max_order=max_order):
        table = np.vstack([gc.real, gc.synthetic])
        if table.shape[1] < 2:
            rows.append((list(gc.attributes), 0.0, 0, float("nan")))
            continue
        statistic, dof, p_value = chi2_homogeneity(table)
        rows.append((list(gc.attributes), statistic, dof, p_value))
    return pd.DataFrame(rows, columns=HOMOGENEITY_COLUMNS)


def chi2_homogeneity(table: np.ndarray) -> tuple[float, int, float]:
    """(statistic, dof, p-value) of scipy.stats.chi2_contingency(table, correction=False), step
    for step, with the p-value from scipy.special.chdtrc as scipy.stats.chi2.sf computes it:
    importing scipy.stats costs a page's first visit ~0.6-1.6 s, scipy.special a fraction
    (tests/test_lean_imports.py holds the two equal)."""
    from scipy.special import chdtrc

    observed = np.asarray(table)
    as_float = observed.astype(np.float64)
    expected = as_float.sum(axis=1, keepdims=True) * as_float.sum(axis=0, keepdims=True) / as_float.sum()
    if np.any(expected == 0):
        zeropos = list(zip(*np.nonzero(expected == 0), strict=True))[0]
        raise ValueError("The internally computed table of expected "
                         f"frequencies has a zero element at {zeropos}.")
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return 0.0, 0, 1.0
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, int(dof), float(chdtrc(dof, statistic))


def share_intervals(gaps: pd.DataFrame) -> pd.DataFrame:
    """Long form of `subgroup_gaps`: each group's share per side with its 95% Wilson interval."""
    if gaps.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    n_real = _total(gaps, "real")
    n_synth = _total(gaps, "synthetic")
    parts = []
    for side, n in (("real", n_real), ("synthetic", n_synth)):
        counts = gaps[f"{side}_count"].to_numpy(dtype=float)
        low, high = wilson_interval(counts, np.full_like(counts, n))
        parts.append(pd.DataFrame({
            "attributes": gaps["attributes"].to_numpy(), "group": gaps["group"].to_numpy(),
            "side": side, "count": gaps[f"{side}_count"].to_numpy(),
            "share": gaps[f"{side}_share"].to_numpy(), "ci_low": low, "ci_high": high,
        }))
    return pd.concat(parts, ignore_index=True)[SHARE_COLUMNS]


def _total(gaps: pd.DataFrame, side: str) -> float:
    # Every single-attribute block covers all rows, so its counts sum to the side's size.
    first = gaps["attributes"].map(len) == 1
    block = gaps[first & (gaps["attributes"].map(tuple) == tuple(gaps["attributes"].iloc[0]))]
    return float(block[f"{side}_count"].sum())
