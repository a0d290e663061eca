"""Disparate impact of the favourable outcome per protected group, and error-rate metrics per group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairsynth.engines import Cells, Counter, as_counter
from fairsynth.engines.tables import marginal
from fairsynth.fairness.ratios import impact_columns, impact_frame, ordered_groups
from fairsynth.foundation.codes import attribute_sets
from fairsynth.foundation.constants import FOUR_FIFTHS
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import Roles

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
    parts = []
    for side, strict in (("real", True), ("synthetic", False)):
        parts += impact_columns(cells, cells.counts[side], cells.first[side], dataset=side,
                                reference=reference or {}, max_order=max_order, strict=strict)
    return impact_frame(parts)


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
