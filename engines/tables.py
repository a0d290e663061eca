"""Engine-neutral count tables: what pandas, DuckDB and Spark all compute and every metric reads.

Every metric of the audit (shares, gaps, selection rates, disparate impact, KS/TV fidelity, the
drift tests) is a function of these counts, so a bigger engine only has to fill them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from fairsynth.foundation.codes import MISSING, label

SIDES = ("real", "synthetic")
# Per protected cell: all rows, rows with a known target, rows with the favourable target.
CELL_MEASURES = ("rows", "known", "fav")
# With a prediction: rows where target and prediction are both known, and the confusion counts.
PREDICTION_MEASURES = ("both", "tp", "fp", "fn", "tn")
# Stands for "never seen" in first-row arrays (sorts after every real row number).
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class Cells:
    """Counts per cell of the protected attributes' cross product, per side (dense, role order).

    `labels[a]` is the joint, sorted label list of attribute `a` (missing last as "(missing)");
    `counts[side][measure]` has shape `sizes`; `first[side][a]` is the first row number of each
    label on that side (NEVER when absent) and `first_both` the same among rows whose target and
    prediction are both known; metrics that list groups in order of appearance use them.
    """

    attributes: tuple[str, ...]
    labels: dict[str, list[str]]
    counts: dict[str, dict[str, np.ndarray]]
    first: dict[str, dict[str, np.ndarray]]
    first_both: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of labels of each attribute, in role order."""
        return tuple(len(self.labels[a]) for a in self.attributes)

    def marginal(self, side: str, measure: str, attrs: Sequence[str]) -> np.ndarray:
        """Counts over the cross product of `attrs` (role order), flattened as mixed-radix codes."""
        return marginal(self.counts[side][measure], self.attributes, attrs)


def marginal(array: np.ndarray, attributes: Sequence[str], attrs: Sequence[str],
             lead: int = 0) -> np.ndarray:
    """Sum a dense (lead axes, *attributes) array over the attributes not in `attrs`, then flatten them."""
    drop = tuple(lead + i for i, a in enumerate(attributes) if a not in attrs)
    out = array.sum(axis=drop) if drop else array
    return out.reshape(out.shape[:lead] + (-1,))


@dataclass(frozen=True, eq=False)
class WindowCounts:
    """The real side in time windows: the window table and cell counts per window.

    `table` is drift.timeline's window table (windows with rows, in time order; position = block);
    `cells[measure]` has shape (n_windows, *Cells.sizes) and `first[a]` (n_windows, labels).
    """

    table: pd.DataFrame
    unparseable: int
    cells: dict[str, np.ndarray]
    first: dict[str, np.ndarray]

    @property
    def starts(self) -> list[pd.Timestamp]:
        """Start of each window, in time order."""
        return list(self.table["window"])


@dataclass(frozen=True, eq=False)
class ColumnCounts:
    """One column's value counts on a support shared by both sides; the last slot counts missing values.

    `values` is the sorted support without missing: floats for numbers (datetimes in seconds since
    the epoch) or label text for categories (sorted as fairness labels sort). `overall[side]` has
    width + 1 slots, `by_attribute[side][a]` shape (labels of a, width + 1). `exact` is False when
    an engine binned a column with too many distinct values (then `values` are bin midpoints).
    """

    name: str
    numeric: bool
    datetime: bool
    values: np.ndarray
    overall: dict[str, np.ndarray]
    by_attribute: dict[str, dict[str, np.ndarray]]
    exact: bool = True

    @property
    def width(self) -> int:
        """Number of support values (without the missing slot)."""
        return len(self.values)

    def labels(self) -> list[str]:
        """Text label of every support value, as fairness labels read ("3", not "3.0")."""
        if not self.numeric:
            return [str(v) for v in self.values]
        if self.datetime:
            return [str(pd.Timestamp(int(round(v * 1e9)))) for v in self.values]
        return [label(v) for v in self.values]


class Counter(Protocol):
    """What an engine offers: the same counts from pandas, DuckDB or Spark."""

    roles: object
    n_rows: dict[str, int]

    @property
    def analysis_columns(self) -> list[str]: ...

    def cells(self) -> Cells: ...

    def column(self, name: str) -> ColumnCounts: ...

    def windows(self, *, freq: str | None, n_windows: int | None, min_rows: int) -> WindowCounts: ...

    def column_windows(self, name: str, *, freq: str | None, n_windows: int | None,
                       min_rows: int) -> np.ndarray: ...


def order_labels(labels: Sequence[str]) -> list[str]:
    """Labels in the fairness order: numbers as numbers, then text, "(missing)" last."""
    return sorted(set(labels), key=lambda t: (t == MISSING, _sort_key(t)))


def _sort_key(text: str) -> tuple:
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def appearance_rank(first: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Rank of each label by first appearance, "(missing)" after every value (as pandas factorize + append)."""
    key = np.array([NEVER if t == MISSING else f for t, f in zip(labels, first, strict=True)],
                   dtype=np.float64)
    missing = np.array([t == MISSING for t in labels])
    order = np.lexsort((key, missing))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank
