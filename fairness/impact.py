"""Disparate impact of the favourable outcome per protected group, and error-rate metrics per group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.engines import Cells, Counter, as_counter
from fairsynth.engines.tables import appearance_rank, marginal
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.constants import FOUR_FIFTHS, Z95
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import Roles

IMPACT_COLUMNS = [
    "dataset", "attribute", "group", "reference_group", "selection_rate", "reference_rate",
    "ratio", "ci_low", "ci_high", "passes_four_fifths", "n", "undefined_reason",
]
CHANGE_COLUMNS = ["attribute", "group", "real_ratio", "synthetic_ratio", "change"]
SUMMARY_COLUMNS = [
    "dataset", "attribute", "reference_group", "worst_group", "min_ratio",
    "demographic_parity_difference", "passes_four_fifths",
]
METRIC_COLUMNS = ["dataset", "attribute", "group", "metric", "value", "n"]
GROUP_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "accuracy")
PARITY_COLUMNS = [
    "dataset", "attribute", "demographic_parity_difference", "demographic_parity_ratio",
    "equalized_odds_difference", "equalized_odds_ratio",
]


def disparate_impact(
    pair: DatasetPair | Counter,
    *,
    reference: dict[str, str] | None = None,
    max_order: int = 3,
) -> pd.DataFrame:
    """Selection rate of the favourable target value per group and its ratio to a reference group,
    on the real and the synthetic side, stacked.

    Groups are every protected attribute alone, then their intersections up to `max_order`
    attributes (as `fairness.subgroups`; 1 = no intersections). Unless `reference` maps an
    attribute ("sex", "race&sex") to a group, used on both sides, each side's reference is its
    own highest-rate group (ties: the larger group, then the first label): a side's lowest ratio
    is then exactly fairlearn's demographic_parity_ratio (min/max over groups) for that side. A
    picked group that is not in the real data is an error; absent from the synthetic side, that
    side's ratios are NaN and `undefined_reason` says why.

    The 95% interval of the ratio is Katz's log method (Katz et al. 1978); when a group has no
    favourable outcome the ratio is 0 and the upper bound adds 0.5 to its favourable count
    (Haldane). When the reference has no favourable outcome the ratio is NaN and
    `undefined_reason` says why. `n` counts rows with a known outcome.
    """
    check_impact_roles(pair.roles)
    cells = as_counter(pair).cells()
    real = _impact_from_cells(cells, "real", reference=reference or {},
                              max_order=max_order, strict=True)
    synth = _impact_from_cells(cells, "synthetic", reference=reference or {},
                               max_order=max_order, strict=False)
    return pd.concat([real, synth], ignore_index=True)[IMPACT_COLUMNS]


def impact_change(
    pair: DatasetPair | Counter,
    *,
    reference: dict[str, str] | None = None,
    max_order: int = 3,
) -> pd.DataFrame:
    """Real and synthetic disparate impact ratio per group and the change (synthetic - real)."""
    return change_from_impact(disparate_impact(pair, reference=reference, max_order=max_order))


def change_from_impact(impact: pd.DataFrame) -> pd.DataFrame:
    """The change table from an already computed `disparate_impact` result (no recomputation).

    Each ratio is read against its own side's reference (the highest-rate group unless one was
    picked), so `change` is how far a group moved relative to the best-treated group of each side.
    """
    keys = ["attribute", "group"]
    real = impact[impact["dataset"] == "real"][keys + ["ratio"]].rename(columns={"ratio": "real_ratio"})
    synth = impact[impact["dataset"] == "synthetic"][keys + ["ratio"]].rename(
        columns={"ratio": "synthetic_ratio"})
    out = real.merge(synth, on=keys, how="outer", sort=False)
    out["change"] = out["synthetic_ratio"] - out["real_ratio"]
    return out[CHANGE_COLUMNS].reset_index(drop=True)


def impact_summary(impact: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and attribute: the lowest ratio, its group, and the demographic parity difference."""
    rows = []
    for (dataset, attribute), block in impact.groupby(["dataset", "attribute"], sort=False):
        defined = block.dropna(subset=["ratio"])
        worst = defined.loc[defined["ratio"].idxmin()] if len(defined) else None
        rates = block["selection_rate"].dropna()
        rows.append({
            "dataset": dataset, "attribute": attribute,
            "reference_group": block["reference_group"].iloc[0],
            "worst_group": None if worst is None else worst["group"],
            "min_ratio": np.nan if worst is None else float(worst["ratio"]),
            "demographic_parity_difference": float(rates.max() - rates.min()) if len(rates) else np.nan,
            "passes_four_fifths": None if worst is None else bool(worst["ratio"] >= FOUR_FIFTHS),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def check_impact_roles(roles: Roles) -> None:
    """Refuse, with what to set, roles that give disparate impact nothing to measure."""
    if not roles.target or roles.favorable is None:
        raise InvalidInputError(
            "Disparate impact needs a target column and its favourable value; set both on the Data page.")
    if not roles.protected:
        raise InvalidInputError(
            "No protected attribute is set; mark at least one column as protected on the Data page.")


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


def impact_from_counts(
    cells: Cells, rows: dict[str, np.ndarray], first: dict[str, np.ndarray], *, dataset: str,
    reference: dict[str, str], max_order: int, strict: bool,
    attributes: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Disparate impact from cell counts (`rows`: rows/known/fav arrays shaped like the cells), for
    one side or one time window; `attributes` narrows the protected attributes, `max_order` bounds
    the intersections; `strict` makes an absent picked reference group an error."""
    protected = attributes or cells.attributes
    parts = []
    for attrs in attribute_sets(protected, max_order):
        attribute = "&".join(attrs)
        count = {m: marginal(rows[m], cells.attributes, attrs) for m in ("rows", "known", "fav")}
        codes, groups = ordered_groups(cells, attrs, np.flatnonzero(count["rows"] > 0), first)
        block = _ratio_block(groups, count["known"][codes], count["fav"][codes],
                             reference.get(attribute), attribute=attribute, strict=strict)
        block.insert(0, "attribute", attribute)
        block.insert(0, "dataset", dataset)
        parts.append(block)
    return pd.concat(parts, ignore_index=True)[IMPACT_COLUMNS]


def _impact_from_cells(cells: Cells, side: str, *, reference, max_order, strict) -> pd.DataFrame:
    return impact_from_counts(cells, cells.counts[side], cells.first[side], dataset=side,
                              reference=reference, max_order=max_order, strict=strict)


def _ratio_block(groups, n, fav, chosen, *, attribute, strict) -> pd.DataFrame:
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
        ref = groups.index(chosen) if chosen is not None else _highest_rate(groups, n, rate)
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
    passes = pd.array([None if np.isnan(r) else bool(r >= FOUR_FIFTHS) for r in ratio], dtype="boolean")
    return pd.DataFrame({
        "group": groups,
        "reference_group": groups[ref] if ref is not None else chosen,
        "selection_rate": rate, "reference_rate": ref_rate, "ratio": ratio,
        "ci_low": low, "ci_high": high, "passes_four_fifths": passes,
        "n": n.astype(np.int64), "undefined_reason": pd.Series(reason, dtype=object),
    })


def _highest_rate(groups, n, rate) -> int:
    # Ties go to the larger group, then the first label, so row order never changes the answer.
    scores = np.where(n > 0, rate, -1.0)
    tied = np.flatnonzero(scores == np.nanmax(scores))
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


def group_metrics(pair: DatasetPair | Counter, *, max_order: int = 3) -> pd.DataFrame:
    """MetricFrame-style metrics of the prediction per group and side (empty without a prediction).

    Groups as in `disparate_impact`: attributes alone, then intersections up to `max_order`.

    Metrics: selection_rate (favourable predictions / rows), tpr, fpr, fnr, accuracy, with the
    favourable value as the positive class; rows missing the target or the prediction are left
    out. `n` is each metric's denominator (rows, actual positives or actual negatives); a rate
    with a zero denominator is NaN (undefined), where scikit-learn/fairlearn would report 0.
    """
    if not pair.roles.prediction:
        return pd.DataFrame(columns=METRIC_COLUMNS)
    check_impact_roles(pair.roles)
    cells = as_counter(pair).cells()
    parts = [_group_metrics(cells, dataset, max_order) for dataset in ("real", "synthetic")]
    return pd.concat(parts, ignore_index=True)[METRIC_COLUMNS]


def _group_metrics(cells: Cells, dataset: str, max_order: int) -> pd.DataFrame:
    parts = []
    for attrs in attribute_sets(cells.attributes, max_order):
        count = {m: marginal(cells.counts[dataset][m], cells.attributes, attrs)
                 for m in ("both", "tp", "fp", "fn", "tn")}
        # Groups in order of appearance among rows with both target and prediction known.
        present, labels = ordered_groups(cells, attrs, np.flatnonzero(count["both"] > 0),
                                         cells.first_both[dataset])
        count = {m: v[present].astype(float) for m, v in count.items()}
        pos, neg, n = count["tp"] + count["fn"], count["fp"] + count["tn"], count["both"]
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {
                "selection_rate": ((count["tp"] + count["fp"]) / n, n),
                "tpr": (count["tp"] / pos, pos), "fpr": (count["fp"] / neg, neg),
                "fnr": (count["fn"] / pos, pos), "accuracy": ((count["tp"] + count["tn"]) / n, n),
            }
        for metric in GROUP_METRICS:
            value, denom = values[metric]
            parts.append(pd.DataFrame({
                "dataset": dataset, "attribute": "&".join(attrs), "group": labels, "metric": metric,
                "value": value, "n": denom.astype(np.int64),
            }))
    return pd.concat(parts, ignore_index=True)


def error_rate_parity(pair: DatasetPair, *, max_order: int = 3) -> pd.DataFrame:
    """Demographic parity and equalized odds difference/ratio per side and attribute.

    Same definitions as fairlearn (between groups, worst case): differences are max - min over
    groups, ratios min / max; equalized odds takes the worse of the TPR and FPR figures. A group
    whose rate is undefined (no actual positives or negatives) is left out, where fairlearn
    would count it as a rate of 0.
    """
    metrics = group_metrics(pair, max_order=max_order)
    if metrics.empty:
        return pd.DataFrame(columns=PARITY_COLUMNS)
    rows = []
    for (dataset, attribute), block in metrics.groupby(["dataset", "attribute"], sort=False):
        by = {m: block.loc[block["metric"] == m, "value"].dropna() for m in ("selection_rate", "tpr", "fpr")}
        diff = {m: float(v.max() - v.min()) for m, v in by.items()}
        ratio = {m: _min_over_max(v) for m, v in by.items()}
        rows.append({
            "dataset": dataset, "attribute": attribute,
            "demographic_parity_difference": diff["selection_rate"],
            "demographic_parity_ratio": ratio["selection_rate"],
            "equalized_odds_difference": max(diff["tpr"], diff["fpr"]),
            "equalized_odds_ratio": min(ratio["tpr"], ratio["fpr"]),
        })
    return pd.DataFrame(rows, columns=PARITY_COLUMNS)


def _min_over_max(values: pd.Series) -> float:
    top = values.max()
    return float(values.min() / top) if top > 0 else float("nan")
