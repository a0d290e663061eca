"""Column fidelity (KS / total variation), overall and within each protected group, and associations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from fairsynth.engines import ColumnCounts, Counter, as_counter, prefetch_columns
from fairsynth.foundation.codes import joint_label_codes, numeric_values
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.kinds import CATEGORICAL, NUMERIC, NUMERIC_MIN_DISTINCT, Kind, column_kind
from fairsynth.foundation.pair import DatasetPair

FIDELITY_COLUMNS = [
    "column", "kind", "metric", "distance", "score", "attribute", "group",
    "real_count", "synthetic_count",
]
ASSOCIATION_COLUMNS = ["column_a", "column_b", "method", "real", "synthetic", "difference"]
DISTRIBUTION_COLUMNS = ["side", "label", "order", "count", "share"]


def column_kinds(pair: DatasetPair) -> dict[str, Kind]:
    """NUMERIC (numbers or dates, > NUMERIC_MIN_DISTINCT distinct real values) or CATEGORICAL per analysis column."""
    return {c: _kind(pair.real[c]) for c in pair.analysis_columns}


def _kind(values: pd.Series) -> Kind:
    return column_kind(values, min_distinct=NUMERIC_MIN_DISTINCT)


def _distance(real: np.ndarray, synth: np.ndarray, kind: str) -> np.ndarray:
    """Row-wise KS statistic (numeric) or total variation distance (categorical) of count rows."""
    nr = real.sum(axis=1, keepdims=True).astype(float)
    ns = synth.sum(axis=1, keepdims=True).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == NUMERIC:
            # Same evaluation as scipy.stats.ks_2samp: empirical CDFs at every observed value.
            gap = np.abs(np.cumsum(real, axis=1) / nr - np.cumsum(synth, axis=1) / ns)
        else:
            gap = 0.5 * np.abs(real / nr - synth / ns)
        out = gap.max(axis=1) if kind == NUMERIC else gap.sum(axis=1)
    out[(nr[:, 0] == 0) | (ns[:, 0] == 0)] = np.nan
    return out


def column_fidelity(pair: DatasetPair | Counter, *, by_group: bool = True) -> pd.DataFrame:
    """Per column, real vs synthetic: KS (numeric) or total variation (categorical), 1 - distance.

    Definitions as SDMetrics' KSComplement (two-sample KS statistic on non-missing values) and
    TVComplement (half the L1 distance between category frequencies; here a missing value is
    a category of its own). With `by_group`, the same per group of each protected attribute
    (a column is not compared within its own groups). A group absent from one side has NaN
    distance and score; its counts say why. Computed from value counts (see engines/).
    """
    counter = as_counter(pair)
    labels = counter.cells().labels if by_group and counter.roles.protected else {}
    rows: list[dict] = []
    prefetch_columns(counter, counter.analysis_columns)
    for column in counter.analysis_columns:
        counts = counter.column(column)
        kind = fidelity_kind(counts)
        metric = "ks" if kind == NUMERIC else "tv"
        # Numbers leave missing values out (last slot); categories count them as a category.
        cut = slice(0, counts.width) if kind == NUMERIC else slice(None)
        rows += _rows(column, kind, metric, None, [None], counts.overall["real"][None, cut],
                      counts.overall["synthetic"][None, cut])
        for attribute, group_labels in labels.items():
            if attribute == column:
                continue
            rows += _rows(column, kind, metric, attribute, group_labels,
                          counts.by_attribute["real"][attribute][:, cut],
                          counts.by_attribute["synthetic"][attribute][:, cut])
    return pd.DataFrame(rows, columns=FIDELITY_COLUMNS)


def fidelity_kind(counts: ColumnCounts) -> Kind:
    """`column_kinds`' rule read from value counts: NUMERIC for numbers/dates with more than
    NUMERIC_MIN_DISTINCT distinct real values, else CATEGORICAL."""
    real_distinct = int(np.count_nonzero(counts.overall["real"][:counts.width]))
    return NUMERIC if counts.numeric and real_distinct > NUMERIC_MIN_DISTINCT else CATEGORICAL


def _rows(column, kind, metric, attribute, labels, cr, cs) -> list[dict]:
    distance = _distance(cr, cs, kind)
    nr, ns = cr.sum(axis=1), cs.sum(axis=1)
    return [
        {"column": column, "kind": kind, "metric": metric, "distance": float(d),
         "score": float(1 - d), "attribute": attribute, "group": g,
         "real_count": int(r), "synthetic_count": int(s)}
        for g, d, r, s in zip(labels, distance, nr, ns, strict=True)
        if r > 0 or s > 0
    ]


def column_distribution(
    pair: DatasetPair,
    column: str,
    *,
    attribute: str | None = None,
    group: str | None = None,
    bins: int = 30,
    top: int = 30,
) -> pd.DataFrame:
    """Shares per side of a column's bins (numeric, shared edges) or categories, for overlay plots."""
    if column not in pair.shared_columns:
        raise InvalidInputError(f"Column '{column}' is not in both tables.")
    real, synth = pair.real[column], pair.synthetic[column]
    if attribute is not None:
        gr, gs, labels = joint_label_codes(pair.real[attribute], pair.synthetic[attribute])
        if group not in labels:
            raise InvalidInputError(f"'{group}' is not a group of '{attribute}'.")
        k = labels.index(group)
        real, synth = real[gr == k], synth[gs == k]
    if _kind(pair.real[column]) == NUMERIC:
        r, s = numeric_values(real), numeric_values(synth)
        both = np.concatenate([r, s])
        both = both[~np.isnan(both)]
        edges = np.histogram_bin_edges(both, bins=bins) if len(both) else np.array([0.0, 1.0])
        names = [f"{lo:,.4g} – {hi:,.4g}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
        counts = {side: np.histogram(v[~np.isnan(v)], bins=edges)[0] for side, v in
                  (("real", r), ("synthetic", s))}
    else:
        cr, cs, names = joint_label_codes(real, synth)
        counts = {"real": np.bincount(cr, minlength=len(names)),
                  "synthetic": np.bincount(cs, minlength=len(names))}
        keep = np.argsort(-(counts["real"] + counts["synthetic"]), kind="stable")[:top]
        keep = np.sort(keep)
        names = [names[i] for i in keep]
        counts = {k: v[keep] for k, v in counts.items()}
    parts = []
    for side, c in counts.items():
        total = max(int(c.sum()), 1)
        parts.append(pd.DataFrame({"side": side, "label": names, "order": np.arange(len(names)),
                                   "count": c.astype(np.int64), "share": c / total}))
    return pd.concat(parts, ignore_index=True)[DISTRIBUTION_COLUMNS]


def association_difference(pair: DatasetPair) -> pd.DataFrame:
    """Pairwise association real vs synthetic, long form, one row per column pair.

    Methods: Pearson correlation for two numeric columns (pairwise complete rows); Cramér's V
    (no bias correction) for two categorical columns, missing as a category; the correlation
    ratio eta (numeric by categorical, rows with the number missing left out) for a mixed pair.
    All lie in [0, 1] except Pearson in [-1, 1]. `difference` is synthetic - real.
    """
    kinds = column_kinds(pair)
    sides = {"real": pair.real, "synthetic": pair.synthetic}
    codes: dict[str, dict[str, tuple[np.ndarray, int]]] = {"real": {}, "synthetic": {}}
    for c, kind in kinds.items():
        if kind == CATEGORICAL:
            cr, cs, labels = joint_label_codes(pair.real[c], pair.synthetic[c])
            codes["real"][c], codes["synthetic"][c] = (cr, len(labels)), (cs, len(labels))
    numeric = [c for c, k in kinds.items() if k == NUMERIC]
    values = {s: {c: numeric_values(f[c]) for c in numeric} for s, f in sides.items()}
    pearson = {s: pd.DataFrame(values[s]).corr() if numeric else None for s in sides}
    # Each number's present values, mean and spread once per side (not once per mixed pair), and
    # each category's row counts once per (side, category, missing pattern).
    spread = {s: {c: _Spread.of(values[s][c]) for c in numeric} for s in sides}
    rows = []
    for a, b in combinations(kinds, 2):
        kinds_ab = (kinds[a], kinds[b])
        out = {}
        for s in sides:
            if kinds_ab == (NUMERIC, NUMERIC):
                method, out[s] = "pearson", float(pearson[s].loc[a, b])
            elif kinds_ab == (CATEGORICAL, CATEGORICAL):
                method, out[s] = "cramers_v", _cramers_v(codes[s][a], codes[s][b])
            else:
                num, cat = (a, b) if kinds[a] == NUMERIC else (b, a)
                method, out[s] = "correlation_ratio", _correlation_ratio(spread[s][num], codes[s][cat])
        rows.append((a, b, method, out["real"], out["synthetic"], out["synthetic"] - out["real"]))
    return pd.DataFrame(rows, columns=ASSOCIATION_COLUMNS)


@dataclass(frozen=True, eq=False)
class _Spread:
    """A numeric column's present values (rows with the number missing left out), mean and total
    sum of squares: what every correlation ratio with this column reads."""

    present: np.ndarray | None  # row mask, None when no value is missing
    x: np.ndarray
    mean: float
    total: float

    @classmethod
    def of(cls, values: np.ndarray) -> _Spread:
        ok = ~np.isnan(values)
        present = None if ok.all() else ok
        x = values if present is None else values[ok]
        if len(x) == 0:
            return cls(present, x, math.nan, 0.0)
        mean = x.mean()
        return cls(present, x, mean, float(((x - mean) ** 2).sum()))


def _cramers_v(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int]) -> float:
    (ca, na), (cb, nb) = a, b
    table = np.bincount(ca * nb + cb, minlength=na * nb).reshape(na, nb).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    k = min(table.shape) - 1
    if k < 1:
        return float("nan")
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * k)))


def _correlation_ratio(spread: _Spread, cat: tuple[np.ndarray, int]) -> float:
    codes, size = cat
    if spread.present is not None:
        codes = codes[spread.present]
    if len(spread.x) == 0 or spread.total == 0:
        return float("nan")
    n = np.bincount(codes, minlength=size)
    sums = np.bincount(codes, weights=spread.x, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        between = float(np.nansum(n * (sums / n - spread.mean) ** 2))
    return float(np.sqrt(between / spread.total))
