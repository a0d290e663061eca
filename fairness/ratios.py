"""Selection-rate ratios with Katz intervals from cell counts, as column arrays that stack cheaply.

Disparate impact is computed for one side, one time window or hundreds of (window, attribute
set) blocks; building a DataFrame per block cost more than the arithmetic, so each block yields
plain column arrays and `impact_frame` builds one frame for all of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.engines import Cells
from fairsynth.engines.tables import appearance_rank, marginal
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.constants import FOUR_FIFTHS, Z95
from fairsynth.foundation.errors import InvalidInputError

IMPACT_COLUMNS = [
    "dataset", "attribute", "group", "reference_group", "selection_rate", "reference_rate",
    "ratio", "ci_low", "ci_high", "passes_four_fifths", "n", "undefined_reason",
]

Columns = dict[str, np.ndarray]


def ordered_groups(cells: Cells, attrs: tuple[str, ...], present: np.ndarray,
                   first: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Present cell codes of `attrs` in the report's group order (each attribute's labels by first
    appearance, missing last; earlier attributes vary slowest) and their "&"-joined labels."""
    sizes = [len(cells.labels[a]) for a in attrs]
    parts = np.unravel_index(present, sizes)
    ranks = [appearance_rank(first[a], cells.labels[a])[idx] for a, idx in zip(attrs, parts, strict=True)]
    order = np.lexsort(ranks[::-1]) if len(present) else np.array([], dtype=np.int64)
    labels = ["&".join(cells.labels[a][int(idx[i])] for a, idx in zip(attrs, parts, strict=True))
              for i in order]
    return present[order], labels


def impact_columns(
    cells: Cells, rows: dict[str, np.ndarray], first: dict[str, np.ndarray], *, dataset: str,
    reference: dict[str, str], max_order: int, strict: bool,
    attributes: tuple[str, ...] | None = None, min_count: int = 0,
) -> list[Columns]:
    """Disparate impact of one block of cell counts (`rows`: rows/known/fav arrays shaped like the
    cells) per attribute set, as column arrays; `attributes` narrows the protected attributes,
    `max_order` bounds the intersections; `strict` makes an absent picked reference an error;
    an attribute set without a pick is read against its highest-rate group of `min_count`+ rows."""
    return [set_columns(cells, rows, first, attrs, dataset=dataset,
                        chosen=reference.get("&".join(attrs)), strict=strict, min_count=min_count)
            for attrs in attribute_sets(attributes or cells.attributes, max_order)]


def set_columns(cells: Cells, rows: dict[str, np.ndarray], first: dict[str, np.ndarray],
                attrs: tuple[str, ...], *, dataset: str, chosen: str | None, strict: bool,
                min_count: int = 0) -> Columns:
    """Disparate impact of one attribute set in one block against `chosen` (None: the highest rate
    among groups with `min_count`+ rows with a known outcome, else among all groups)."""
    attribute = "&".join(attrs)
    count = {m: marginal(rows[m], cells.attributes, attrs) for m in ("rows", "known", "fav")}
    codes, groups = ordered_groups(cells, attrs, np.flatnonzero(count["rows"] > 0), first)
    block = _ratio_block(groups, count["known"][codes], count["fav"][codes], chosen,
                         attribute=attribute, strict=strict, min_count=min_count)
    block["dataset"] = np.full(len(groups), dataset, dtype=object)
    block["attribute"] = np.full(len(groups), attribute, dtype=object)
    return block


def impact_frame(parts: list[Columns], lead: tuple[str, ...] = ()) -> pd.DataFrame:
    """One frame of stacked column blocks: `lead` columns (e.g. window) first, then IMPACT_COLUMNS."""
    columns = list(lead) + IMPACT_COLUMNS
    if not parts:
        return pd.DataFrame(columns=columns)
    data = {c: np.concatenate([p[c] for p in parts]) for c in columns}
    data["passes_four_fifths"] = pd.array(data["passes_four_fifths"], dtype="boolean")
    data["n"] = data["n"].astype(np.int64)
    data["undefined_reason"] = pd.Series(data["undefined_reason"], dtype=object)
    return pd.DataFrame(data, columns=columns)


def impact_from_counts(cells: Cells, rows: dict[str, np.ndarray], first: dict[str, np.ndarray],
                       **options) -> pd.DataFrame:
    """`impact_columns` of one block as a frame with IMPACT_COLUMNS."""
    return impact_frame(impact_columns(cells, rows, first, **options))


def _ratio_block(groups, n, fav, chosen, *, attribute, strict, min_count) -> Columns:
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = fav / n
    reason = np.array([None if k > 0 else "no rows with a known outcome" for k in n], dtype=object)
    if chosen is not None and chosen not in groups:
        if strict:
            raise InvalidInputError(
                f"Reference group '{chosen}' is not a group of '{attribute}'; "
                f"available: {', '.join(groups)}.")
        ref = None
        why = f"reference group '{chosen}' is absent from this dataset"
    else:
        ref = groups.index(chosen) if chosen is not None else highest_rate(groups, n, rate, min_count)
        why = None if fav[ref] > 0 else (
            f"reference group '{groups[ref]}' has no favourable outcome, so the ratio is undefined")
    ref_rate = rate[ref] if ref is not None else np.nan
    if why is not None:
        ratio = np.full(len(groups), np.nan)
        low = high = ratio
        reason = np.array([why if r is None else r for r in reason], dtype=object)
    else:
        ratio, low, high = _katz(fav, n, fav[ref], n[ref])
        ratio[ref], low[ref], high[ref] = 1.0, 1.0, 1.0
    passes = np.array([None if np.isnan(r) else bool(r >= FOUR_FIFTHS) for r in ratio], dtype=object)
    size = len(groups)
    return {
        "group": np.array(groups, dtype=object),
        "reference_group": np.full(size, groups[ref] if ref is not None else chosen, dtype=object),
        "selection_rate": rate.astype(float), "reference_rate": np.full(size, ref_rate, dtype=float),
        "ratio": ratio, "ci_low": low, "ci_high": high, "passes_four_fifths": passes,
        "n": n.astype(np.int64), "undefined_reason": reason,
    }


def highest_rate(groups, n, rate, min_count: int = 0) -> int:
    """Index of the highest-rate group among those with `min_count`+ rows (all groups when none has).

    Ties go to the larger group, then the first label, so row order never changes the answer."""
    eligible = n >= max(min_count, 1)
    if not eligible.any():
        eligible = n > 0
    scores = np.where(eligible, rate, -1.0)
    tied = np.flatnonzero(scores == np.nanmax(scores))
    return int(min(tied, key=lambda i: (-n[i], str(groups[i]))))


def lowest_rate(groups, n, rate, min_count: int = 0) -> int | None:
    """Index of the lowest-rate group among those with `min_count`+ rows (None when none has);
    ties go to the larger group, then the first label."""
    eligible = (n >= max(min_count, 1)) & ~np.isnan(rate)
    if not eligible.any():
        return None
    scores = np.where(eligible, rate, np.inf)
    tied = np.flatnonzero(scores == scores.min())
    return int(min(tied, key=lambda i: (-n[i], str(groups[i]))))


def _katz(a, n1, c, n0):
    """Risk ratio (a/n1)/(c/n0) with Katz's log interval; a zero numerator uses a + 0.5 for the bound."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (a / n1) / (c / n0)
        a_adj = np.where(a > 0, a, 0.5)
        n1_adj = np.where(a > 0, n1, n1 + 1)
        log_rr = np.log((a_adj / n1_adj) / (c / n0))
        se = np.sqrt(np.maximum(1 / a_adj - 1 / n1_adj + 1 / c - 1 / n0, 0))
        low = np.where(a > 0, np.exp(log_rr - Z95 * se), 0.0)
        high = np.exp(log_rr + Z95 * se)
    return ratio, low, high
